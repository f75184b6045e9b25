;; Stress of SBCL: a hash table of 10^5 keys, consing 10^6 conses, a recursion 10 000 deep. Prints OK.
(defun depth (n) (if (zerop n) 0 (1+ (depth (1- n)))))
(let ((h (make-hash-table)))
  (dotimes (i 100000) (setf (gethash i h) (* 2 i)))
  (let* ((l (loop for i below 1000000 collect i))
         (ok (and (= (hash-table-count h) 100000)
                  (= (reduce #'+ l) 499999500000)
                  (= (depth 10000) 10000))))
    (format t "~a~%" (if ok "OK" "FAIL"))))
