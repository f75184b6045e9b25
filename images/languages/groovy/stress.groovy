// Stress of Groovy on the JVM: 8 threads building lists and maps with closures, a recursion
// 100 000 deep through Groovy's dynamic calls. Prints OK.
int depth(int n) { n == 0 ? 0 : depth(n - 1) + 1 }

long[] sums = new long[8]
def threads = (0..<8).collect { t ->
    Thread.start {
        long s = 0
        for (int i = 0; i < 1000; i++) {
            def m = [a: i, b: t]
            s += (0..<10).collect { j -> i + j }.last() + m.size()
        }
        sums[t] = s
    }
}
threads*.join()
long expected = 8L * (999L * 1000L / 2 + 9L * 1000L + 2L * 1000L)
println(sums.sum() == expected && depth(100000) == 100000 ? "OK" : "FAIL")
