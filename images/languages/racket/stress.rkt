#lang racket
;; Stress of Racket: a list and a vector of 2*10^5, a sort, a mutable hash of 10^5 string keys,
;; a non-tail recursion 5*10^5 deep (Racket grows its continuation on the heap). Prints OK.
(define n 200000)
(define xs (for/list ([i (in-range 1 (add1 n))]) (modulo (* i 7919) 1000003)))
(define v (list->vector (sort xs <)))
(define sorted? (for/and ([i (in-range 1 n)]) (<= (vector-ref v (sub1 i)) (vector-ref v i))))
(define h (make-hash))
(for ([i (in-range 100000)])
  (hash-update! h (format "key~a" (modulo i 50000)) add1 0))
(define (depth k) (if (zero? k) 0 (add1 (depth (sub1 k)))))
(displayln (if (and sorted? (= (hash-count h) 50000) (= (hash-ref h "key123") 2) (= (depth 500000) 500000)) "OK" "FAIL"))
