;; Stress of Clojure on the JVM: 8 futures building persistent maps and vectors and swapping one
;; atom, a recursion 100 000 deep, an infinite lazy sequence. Prints OK (and ends at once: the
;; futures' thread pool does not keep the JVM alive).
(defn depth [n] (if (zero? n) 0 (inc (depth (dec n)))))

(def counter (atom 0))

(let [tasks (doall (for [t (range 8)]
                     (future
                       (loop [i 0 acc 0]
                         (if (< i 2000)
                           (let [m (assoc (zipmap (range 4) (range 4)) :i i)]
                             (swap! counter inc)
                             (recur (inc i) (+ acc (count (conj (vec (vals m)) t)))))
                           acc)))))
      total (reduce + (map deref tasks))]
  (println (if (and (= total (* 8 2000 6))
                    (= @counter (* 8 2000))
                    (= (depth 100000) 100000)
                    (= (reduce + (take 1000 (filter even? (range)))) 999000))
             "OK"
             "FAIL")))
