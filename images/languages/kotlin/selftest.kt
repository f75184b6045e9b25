// Kotlin 2 (JetBrains' compiler, images/layers/kotlin): syntax and library of the newer
// language that Debian's 1.3 could not compile (trailing commas, buildList, floored mod,
// readlnOrNull, Char.code, kotlin.time).
import kotlin.time.Duration.Companion.milliseconds

fun main() {
    val xs = buildList {
        add(3)
        add(1)
        add(2)
    }.toMutableList()
    xs.removeLast()
    val (most, sum) = Pair(
        xs.maxOrNull(),
        xs.sumOf { it.toLong() },
    )
    val ok = most == 3 && sum == 4L && 'A'.code == 65 && "Ab".lowercase() == "ab" && (-7).mod(3) == 2 &&
        1500.milliseconds.inWholeSeconds == 1L && readlnOrNull() == null
    println(if (ok) "OK" else "kotlin")
}
