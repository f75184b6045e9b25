# post.sh of the kotlin layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Debian 12's Kotlin is 1.3.31, older than the standard library contest code is written for:
# `readln()` (1.6), `removeLast()` (1.4), `lowercase()` and `Char.code` (1.5) do not compile
# there. This builds a small library of those functions, as the newer standard library defines
# them, declared in the standard library's own packages (-Xallow-kotlin-package): the default
# imports find them, and a submission's own function of the same name (a `readln` of its own,
# common in code written before 1.6) is declared closer and takes precedence, with no conflict.
# The language's compile and run commands put it on the class path (images/languages/kotlin).
set -eu
src=/tmp/caged-kotlin-compat
jar=/usr/share/java/caged-kotlin-compat.jar
mkdir -p "$src" /usr/share/java

cat >"$src/io.kt" <<'KT'
@file:JvmName("CagedCompatIoKt")

package kotlin.io

/** Kotlin 1.6: a line of standard input; past its end, an exception (the standard library's ReadAfterEOFException is a RuntimeException). */
fun readln(): String = readLine() ?: throw RuntimeException("EOF has already been reached")

/** Kotlin 1.6: a line of standard input, or null past its end. */
fun readlnOrNull(): String? = readLine()
KT

cat >"$src/collections.kt" <<'KT'
@file:JvmName("CagedCompatCollectionsKt")

package kotlin.collections

fun <T> MutableList<T>.removeFirst(): T = if (isEmpty()) throw NoSuchElementException("List is empty.") else removeAt(0)

fun <T> MutableList<T>.removeLast(): T = if (isEmpty()) throw NoSuchElementException("List is empty.") else removeAt(lastIndex)

fun <T> MutableList<T>.removeFirstOrNull(): T? = if (isEmpty()) null else removeAt(0)

fun <T> MutableList<T>.removeLastOrNull(): T? = if (isEmpty()) null else removeAt(lastIndex)

fun <T : Comparable<T>> Iterable<T>.maxOrNull(): T? = max()

fun <T : Comparable<T>> Iterable<T>.minOrNull(): T? = min()

fun <T : Comparable<T>> Array<out T>.maxOrNull(): T? = max()

fun <T : Comparable<T>> Array<out T>.minOrNull(): T? = min()

fun IntArray.maxOrNull(): Int? = max()

fun IntArray.minOrNull(): Int? = min()

fun LongArray.maxOrNull(): Long? = max()

fun LongArray.minOrNull(): Long? = min()

fun DoubleArray.maxOrNull(): Double? = max()

fun DoubleArray.minOrNull(): Double? = min()

inline fun <T, R : Comparable<R>> Iterable<T>.maxByOrNull(selector: (T) -> R): T? = maxBy(selector)

inline fun <T, R : Comparable<R>> Iterable<T>.minByOrNull(selector: (T) -> R): T? = minBy(selector)

/** Kotlin 1.4: the largest value of `selector` over the elements; none: NoSuchElementException. */
inline fun <T, R : Comparable<R>> Iterable<T>.maxOf(selector: (T) -> R): R {
    val it = iterator()
    if (!it.hasNext()) throw NoSuchElementException()
    var best = selector(it.next())
    while (it.hasNext()) {
        val v = selector(it.next())
        if (v > best) best = v
    }
    return best
}

inline fun <T, R : Comparable<R>> Iterable<T>.minOf(selector: (T) -> R): R {
    val it = iterator()
    if (!it.hasNext()) throw NoSuchElementException()
    var best = selector(it.next())
    while (it.hasNext()) {
        val v = selector(it.next())
        if (v < best) best = v
    }
    return best
}

/**
 * Kotlin 1.4: the sum of `selector` over the elements, in its type (Int, Long or Double). One
 * function for the three, as 1.3 cannot choose an overload by a lambda's result.
 */
inline fun <T, reified R : Number> Iterable<T>.sumOf(selector: (T) -> R): R =
    when (R::class) {
        Int::class -> { var s = 0; for (e in this) s += selector(e) as Int; s as R }
        Long::class -> { var s = 0L; for (e in this) s += selector(e) as Long; s as R }
        Double::class -> { var s = 0.0; for (e in this) s += selector(e) as Double; s as R }
        else -> throw UnsupportedOperationException("sumOf of ${R::class}")
    }
KT

cat >"$src/text.kt" <<'KT'
@file:JvmName("CagedCompatTextKt")

package kotlin.text

fun String.lowercase(): String = toLowerCase(java.util.Locale.ROOT)

fun String.uppercase(): String = toUpperCase(java.util.Locale.ROOT)

fun Char.lowercaseChar(): Char = Character.toLowerCase(this)

fun Char.uppercaseChar(): Char = Character.toUpperCase(this)

fun Char.lowercase(): String = toString().lowercase()

fun Char.uppercase(): String = toString().uppercase()

fun Char.digitToInt(): Int = digitToInt(10)

fun Char.digitToInt(radix: Int): Int = digitToIntOrNull(radix) ?: throw IllegalArgumentException("Char $this is not a digit in the given radix=$radix")

fun Char.digitToIntOrNull(): Int? = digitToIntOrNull(10)

fun Char.digitToIntOrNull(radix: Int): Int? = Character.digit(this.toInt(), radix).takeIf { it >= 0 }

fun Int.digitToChar(): Char = digitToChar(10)

fun Int.digitToChar(radix: Int): Char {
    if (this < 0 || this >= radix) throw IllegalArgumentException("Digit $this does not represent a valid digit in radix $radix")
    return if (this < 10) '0' + this else 'A' + (this - 10)
}
KT

cat >"$src/kotlin.kt" <<'KT'
@file:JvmName("CagedCompatNumbersKt")

package kotlin

/** Kotlin 1.5: Char's code, its UTF-16 code unit. */
val Char.code: Int get() = this.toInt()

// Kotlin 1.5's floored `mod` cannot be given: 1.3's Int and Long have a `mod` member of their
// own (deprecated as an error, "use rem"), and a member wins over an extension.

/** Kotlin 1.5: floored division (the quotient rounded towards negative infinity). */
fun Int.floorDiv(other: Int): Int = Math.floorDiv(this, other)

fun Long.floorDiv(other: Long): Long = Math.floorDiv(this, other)

fun Int.countOneBits(): Int = Integer.bitCount(this)

fun Long.countOneBits(): Int = java.lang.Long.bitCount(this)

fun Int.countLeadingZeroBits(): Int = Integer.numberOfLeadingZeros(this)

fun Long.countLeadingZeroBits(): Int = java.lang.Long.numberOfLeadingZeros(this)

fun Int.countTrailingZeroBits(): Int = Integer.numberOfTrailingZeros(this)

fun Long.countTrailingZeroBits(): Int = java.lang.Long.numberOfTrailingZeros(this)
KT

kotlinc -J-Xmx512m -J-XX:+UseSerialGC -Xallow-kotlin-package -nowarn -d "$jar" "$src"/*.kt
rm -rf "$src"
test -s "$jar"
