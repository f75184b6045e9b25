// Kotlin 1.3 with caged's compatibility library (images/layers/kotlin/post.sh): functions of the
// newer standard library, and a program's own function of the same name beside them.
private fun readlnOrNull(): String? = null

fun main() {
    val xs = mutableListOf(3, 1, 2)
    xs.removeLast()
    val ok = xs.maxOrNull() == 3 && xs.sumOf { it.toLong() } == 4L && 'A'.code == 65 && "Ab".lowercase() == "ab" &&
        '7'.digitToInt() == 7 && (-7).floorDiv(2) == -4 && readlnOrNull() == null
    println(if (ok) "OK" else "compat")
}
