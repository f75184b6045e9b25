// Stress of Kotlin on the JVM: 8 threads allocating lists, a recursion 100 000 deep. Prints OK.
import kotlin.concurrent.thread

fun depth(n: Int): Int = if (n == 0) 0 else depth(n - 1) + 1

fun main() {
    val sums = LongArray(8)
    val threads = (0 until 8).map { t ->
        thread {
            var s = 0L
            for (i in 0 until 100000) s += List(10) { j -> i + j }.last()
            sums[t] = s
        }
    }
    threads.forEach { it.join() }
    val expected = 8L * (99999L * 100000L / 2 + 9L * 100000L)
    println(if (sums.sum() == expected && depth(100000) == 100000) "OK" else "FAIL")
}
