# post.sh of the clojure layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Builds caged's launcher for Clojure submissions, the namespace caged.clojure compiled ahead
# of time into /usr/lib/caged/clojure/caged-clojure.jar, and a class-data sharing archive of
# what a Clojure program's start loads (/usr/lib/caged/clojure/clojure.jsa). The clojure
# language's compile and run call it with the JVM directly (Debian's /usr/bin/clojure is a
# shell script around the same `java -cp clojure.jar clojure.main`).
#
# Judge0 runs a Clojure submission as a script (`clojure.main main.clj`): its top-level forms
# are read and evaluated one after another, input read by top-level code as it goes. The
# launcher keeps that, and adds two things:
#   compile: `caged.clojure check ENTRY SOURCE...` reads every form of every source without
#     evaluating any (a script's top-level forms would run: the judge cannot compile a Clojure
#     program without running it), with *read-eval* off (a `#=(...)` form, which would be
#     evaluated as it is read, is a compile error), `::alias/kw` and syntax-quote resolved
#     by a reader resolver that accepts any alias, and tagged literals it does not know kept as
#     they are. What cannot be read (an unbalanced bracket, an unterminated string, a bad
#     number or character literal, a reader conditional in a .clj file) is a compile error with
#     clojure.main's message ("Syntax error reading source at (main.clj:3:1). EOF while
#     reading"); anything else (an unresolved symbol, a bad macro call) shows when the form is
#     evaluated, at run time, as under clojure.main. It also decides whether the run calls
#     -main: when the entry defines `-main` at its top level (`defn`, `defn-` or `def`) and no
#     form outside that definition, `(comment ...)` and `(declare ...)` names `-main` in any
#     source, the namespace of the definition is written into /box/.caged-clojure-main.
#   run: `caged.clojure run ENTRY` loads the entry as clojure.main does a script (the same
#     bindings, namespace user, `Compiler/loadFile`); then, if the compile wrote that file,
#     calls the namespace's -main with no arguments, as `clojure -M -m` and an AOT-compiled
#     :gen-class main would. A program that calls its -main itself (what Judge0 requires) is
#     run exactly as under Judge0; one that only defines it, as code written for `clojure -M -m`
#     or for a :gen-class main does, is not run as an empty script (no output: WA on Judge0).
#     A program that defines -main, never calls it and does its work at top level would now
#     run -main too: the one case that Judge0 judges otherwise. Then it flushes *out* and shuts
#     the agent thread pools down (clojure.main does not: a program that used future, pmap or
#     send-off would keep the JVM alive for their 60 s keep-alive after its end). An uncaught
#     exception prints clojure.main's triage message ("Execution error (ArithmeticException) at
#     user/eval1 (main.clj:3). Divide by zero") and the Java stack trace of what the program
#     threw on stderr (clojure.main would write that report into a file in /tmp) and exits 1;
#     an OutOfMemoryError's trace names java.lang.OutOfMemoryError, the language's memory
#     error marker.
set -eu
dir=/usr/lib/caged/clojure
work=/tmp/caged-clojure
clj=/usr/share/java/clojure.jar
rm -rf "$dir" "$work"
mkdir -p "$dir" "$work/src/caged" "$work/classes" "$work/train"

cat >"$work/src/caged/clojure.clj" <<'CLJ'
;; caged's launcher for Clojure submissions: see images/layers/clojure/post.sh.
(ns caged.clojure
  (:require [clojure.main :as main])
  (:import (clojure.lang Compiler$CompilerException LineNumberingPushbackReader LispReader$ReaderException
                         LispReader$Resolver)
           (java.io File FileInputStream InputStreamReader))
  (:gen-class))

(def ^:private main-file ".caged-clojure-main")

;; Reads without evaluating the ns forms: any alias is taken as it is written.
(def ^:private resolver
  (reify LispReader$Resolver
    (currentNS [_] 'user)
    (resolveClass [_ _] nil)
    (resolveAlias [_ alias] alias)
    (resolveVar [_ _] nil)))

(defn- read-forms
  "Every top-level form of the file at path, or a CompilerException as Compiler/load makes it."
  [^String path]
  (with-open [r (LineNumberingPushbackReader. (InputStreamReader. (FileInputStream. path) "UTF-8"))]
    (binding [*read-eval* false
              *reader-resolver* resolver
              *default-data-reader-fn* (fn [_ value] value)]
      (let [eof (Object.)]
        (loop [forms (transient [])]
          (let [form (try
                       (read {:eof eof} r)
                       (catch LispReader$ReaderException e
                         (throw (Compiler$CompilerException. path (.-line e) (.-column e) nil
                                                             Compiler$CompilerException/PHASE_READ (.getCause e)))))]
            (if (identical? form eof)
              (persistent! forms)
              (recur (conj! forms form)))))))))

(defn- names-main? [form]
  (cond
    (symbol? form) (= "-main" (name form))
    (map? form) (boolean (some names-main? (mapcat identity form)))
    (coll? form) (boolean (some names-main? form))
    :else false))

(defn- head [form]
  (when (and (seq? form) (symbol? (first form))) (name (first form))))

(defn- main-definition? [form]
  (and (#{"defn" "defn-" "def"} (head form))
       (symbol? (second form))
       (= "-main" (name (second form)))))

(defn- main-namespace
  "The namespace where the entry's forms define -main at top level, when no other form names it."
  [entry-forms other-forms]
  (loop [[form & more :as forms] entry-forms, current 'user, defined nil]
    (if (empty? forms)
      (when (and defined (not-any? names-main? other-forms)) defined)
      (let [h (head form)]
        (cond
          (and (= h "ns") (symbol? (second form)))
          (recur more (second form) defined)

          (and (= h "in-ns") (seq? (second form)) (= 'quote (first (second form))) (symbol? (second (second form))))
          (recur more (second (second form)) defined)

          (main-definition? form) (recur more current current)
          (#{"comment" "declare"} h) (recur more current defined)
          (names-main? form) nil
          :else (recur more current defined))))))

(defn- check [entry sources]
  (let [results (for [path (distinct (cons entry sources))]
                  (try
                    [path (read-forms path)]
                    (catch Compiler$CompilerException e
                      (println (-> e Throwable->map main/ex-triage main/ex-str))
                      nil)))
        results (doall results)]
    (.delete (File. ^String main-file))
    (if (some nil? results)
      1
      (let [entry-forms (second (first results))
            other-forms (mapcat second (rest results))]
        (when-let [ns-name (main-namespace entry-forms other-forms)]
          (spit main-file (str ns-name "\n")))
        0))))

;; clojure.main's message, then the stack trace of what the program threw (not of the compiler's
;; wrapper); a syntax error, unless the compiler ran out of memory or stack, has no trace.
(defn- report [^Throwable t]
  (binding [*out* *err*]
    (try
      (println (-> t Throwable->map main/ex-triage main/ex-str))
      (catch Throwable _))
    (flush))
  (let [cause (.getCause t)
        thrown (if (instance? Compiler$CompilerException t)
                 (when (or (= :execution (:clojure.error/phase (ex-data t))) (instance? Error cause)) cause)
                 t)]
    (some-> ^Throwable thrown .printStackTrace)))

(defn- run [^String entry]
  (let [f (File. ^String main-file)
        main-ns (when (.isFile f) (symbol (.trim ^String (slurp f))))]
    (main/with-bindings
      (in-ns 'user)
      ;; load-script takes a path starting with @ for a resource of the class path
      (main/load-script (if (.startsWith entry "@") (str "./" entry) entry))
      (when main-ns
        (when-let [v (some-> (find-ns main-ns) (ns-resolve '-main))]
          (v))))
    (flush)
    (shutdown-agents)
    0))

(defn -main [mode & args]
  (let [status (try
                 (case mode
                   "check" (check (first args) (rest args))
                   "run" (run (first args)))
                 (catch Throwable t
                   (try (flush) (catch Throwable _))
                   (report t)
                   1))]
    (when-not (zero? status)
      (System/exit status))))
CLJ

cd "$work"
# The jar also holds clojure.core.specs.alpha compiled ahead of time: Debian's (as Maven
# Central's) core.specs.alpha jar has only its source, which Clojure then compiles at the first
# macro call it checks (ns, defn, let, fn: nearly every program), 0.35 s of CPU of every run
# on the build VM. With the launcher's jar on the class path, RT.load takes the classes (newer
# than the source).
java -Xmx256m -XX:+UseSerialGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -cp "$clj:$work/src" \
  -Dclojure.compile.path="$work/classes" clojure.lang.Compile clojure.core.specs.alpha caged.clojure
jar --create --file "$dir/caged-clojure.jar" -C "$work/classes" caged -C "$work/classes" clojure/core/specs

# The class-data sharing archive: the classes that the start of Clojure (clojure.core, the
# compiler, clojure.main, spec) and a program using what contest code uses load, archived by
# the run of one with this layer's JVM: the run of an A+B 1.34 to 1.06 s of CPU, the compile's
# check 0.83 to 0.56 s (measured in the chroot on the build VM). The compile and the run pass it
# with -XX:SharedArchiveFile; their class paths start with the one it was made with (a class
# path that does not would make the JVM warn, on stderr with the language's -Xlog options, and
# load the classes from the jars).
cat >"$work/train/main.clj" <<'CLJ'
(ns train.main
  (:require [clojure.string :as str]
            [clojure.set :as set]))

(defrecord Edge [to w])

(defn- parse [line] (mapv #(Long/parseLong %) (str/split (str/trim line) #"\s+")))

(defn -main [& _]
  (let [lines (line-seq (java.io.BufferedReader. *in*))
        [n m] (parse (first lines))
        rows (map parse (take m (rest lines)))
        g (reduce (fn [g [a b w]] (update g a (fnil conj []) (->Edge b w))) {} rows)
        freq (frequencies (map first rows))
        s (into (sorted-set) (keys g))
        arr (long-array (inc n))
        q (conj clojure.lang.PersistentQueue/EMPTY 1)]
    (loop [i 0 acc 0] (when (< i n) (aset arr i (+ acc i)) (recur (inc i) (+ acc i))))
    (let [sb (StringBuilder.)]
      (doseq [[k v] (sort-by key freq)] (.append sb (format "%d:%d " k v)))
      (println (str/join " " [(count g) (apply max (vals freq)) (set/union s #{0}) (peek q)
                              (reduce + (map :w (mapcat val g))) (str sb) (aget arr (dec n))
                              (with-out-str (pr (frequencies "abca"))) (Math/floorMod -7 3)
                              (quot 7 2) (rem 7 2) (mod -7 2) (double 1/3) (bigint 5)])))))
CLJ
printf '4 3\n1 2 5\n2 3 7\n1 3 9\n' >"$work/train/input.txt"
jvm="java -Xmx256m -XX:+UseSerialGC -XX:CICompilerCount=2 -XX:-UsePerfData"
cp="$clj:$dir/caged-clojure.jar"
cd "$work/train"
$jvm -XX:TieredStopAtLevel=1 -cp "$cp" caged.clojure check main.clj main.clj
test "$(cat .caged-clojure-main)" = train.main
$jvm -XX:ArchiveClassesAtExit="$dir/clojure.jsa" -cp "$cp" caged.clojure run main.clj <input.txt >/dev/null
chmod 0644 "$dir/clojure.jsa" "$dir/caged-clojure.jar"
# The archive must be usable by this JVM as the compile and the run pass it (-Xshare:on fails
# otherwise), the run with the submission's directory after the archived class path.
$jvm -Xshare:on -XX:SharedArchiveFile="$dir/clojure.jsa" -XX:TieredStopAtLevel=1 -cp "$cp" caged.clojure check main.clj main.clj
out=$($jvm -Xshare:on -XX:SharedArchiveFile="$dir/clojure.jsa" -Xss64m -cp "$cp:." caged.clojure run main.clj <input.txt)
test "$out" = '2 2 #{0 1 2} 1 21 1:2 2:1  6 {\a 2, \b 1, \c 1} 2 3 1 1 0.3333333333333333 5'
cd /
rm -rf "$work"
