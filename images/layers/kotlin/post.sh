# post.sh of the kotlin layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Debian 12 packages Kotlin 1.3.31 (2019), older than the language contest code is written in
# (trailing commas, readln, buildList, floored mod, kotlin.time). This layer installs JetBrains'
# own compiler distribution instead, the one the npm registry carries as the package
# `kotlin-compiler` (the same bin/ and lib/ as the release zip): downloaded on the build host and
# checked against the sha256 pinned in layer.json (images/lib/layer-build.sh), then unpacked
# here into /opt/kotlinc. It runs on the jdk layer's OpenJDK 17.
#
# The compile (images/languages/kotlin/language.json) takes the standard library's API as of
# Kotlin 2.0 (-api-version 2.0): 2.1 made functions deprecated since 1.5 errors (toUpperCase(),
# toLowerCase(), Char.toUpperCase()), which code written before 1.5 calls; they stay warnings.
# The language itself is 2.4's.
#
# The compile runs the compiler's jar with the JVM
# directly: kotlinc's script would start a JVM for `java -version` first, and its class
# preloader holds the whole compiler in the heap (it needs over 160 MiB more). A class-data
# sharing archive of the classes a compile loads, made here with this layer's JVM, halves the
# compile's CPU time (3.3 to 1.8 s for a small program, measured on the build VM); a JVM that
# cannot use it (another JVM build) loads the classes from the jar as usual.
set -eu
tgz=/tmp/caged-downloads/kotlin-compiler-2.4.20.tgz
home=/opt/kotlinc
work=/tmp/caged-kotlin
rm -rf "$work" "$home"
mkdir -p "$work" "$home"
tar -xzf "$tgz" -C "$work" --no-same-owner --no-same-permissions
cp -R "$work/package/bin" "$work/package/lib" "$work/package/license" "$work/package/build.txt" "$home/"
rm -rf "$work"
# What a JVM compile never uses: Windows scripts, the JavaScript/Wasm compilers' launchers and
# libraries, and the sources jars.
rm -f "$home"/bin/*.bat "$home/bin/kotlinc-js" "$home/bin/kotlinc-js-runner.js" "$home/bin/kotlinc-wasm" \
  "$home"/lib/*-sources.jar "$home"/lib/*.klib
chown -R 0:0 "$home"
find "$home" -type d -exec chmod 0755 {} +
find "$home" -type f -exec chmod 0644 {} +
chmod 0755 "$home"/bin/*
for tool in kotlinc kotlinc-jvm kotlin; do ln -sf "$home/bin/$tool" "/usr/local/bin/$tool"; done
test "$(cat "$home/build.txt")" = 2.4.20

# The class-data sharing archive: the classes loaded by compiles of a program that uses what
# contest code uses (collections, lambdas, strings, data and enum classes, when, generics).
jvm="java -Xmx448m -XX:+UseSerialGC -XX:CICompilerCount=2 -XX:-UsePerfData -XX:TieredStopAtLevel=1"
kotlinc_jvm() {
  $jvm "$@" -cp "$home/lib/kotlin-compiler.jar" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler -api-version 2.0 -Xsuppress-version-warnings \
    -d "$work" "$work/Main.kt"
}
mkdir -p "$work"
cat >"$work/Main.kt" <<'KT'
import java.io.BufferedReader
import java.io.InputStreamReader
import java.util.PriorityQueue
import kotlin.math.abs
import kotlin.math.max

data class Edge(val to: Int, val w: Long)

enum class Kind { A, B }

fun <T : Comparable<T>> best(xs: List<T>): T? = xs.maxOrNull()

fun main() {
    val br = BufferedReader(InputStreamReader(System.`in`))
    val n = br.readLine()?.trim()?.toIntOrNull() ?: 0
    val g = Array(n) { mutableListOf<Edge>() }
    val dist = LongArray(n) { Long.MAX_VALUE }
    val pq = PriorityQueue<Pair<Long, Int>>(compareBy { it.first })
    val seen = HashMap<String, Int>()
    val words = buildList { repeat(3) { add("w$it") } }
    for (w in words) seen[w] = seen.getOrDefault(w, 0) + 1
    val k = when (n % 2) {
        0 -> Kind.A
        else -> Kind.B
    }
    val s = StringBuilder()
    s.append(words.joinToString(" ")).append(' ').append(abs(-n)).append(max(1, n)).append(k.name)
    println("$s ${best(listOf(3, 1, 2))} ${g.size} ${dist.size} ${pq.size} ${(-7).mod(3)} ${readlnOrNull()}")
}
KT
kotlinc_jvm -XX:ArchiveClassesAtExit="$home/lib/kotlin-compiler.jsa"
chmod 0644 "$home/lib/kotlin-compiler.jsa"
# The archive must be usable by this JVM as the compile passes it (-Xshare:on fails otherwise).
kotlinc_jvm -Xshare:on -XX:SharedArchiveFile="$home/lib/kotlin-compiler.jsa"
rm -rf "$work"
