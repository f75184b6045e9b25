# post.sh of the groovy layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Builds caged's compiler driver for Groovy submissions, the class caged.GroovyCompile in
# /usr/lib/caged/groovy/caged-groovy.jar, and a class-data sharing archive of the classes a
# Groovy compile and a Groovy program's run load (/usr/lib/caged/groovy/groovy.jsa).
#
# Judge0 compiles `groovyc script.groovy` and runs `java -cp ".:groovy/lib/*" script`: the
# script class, named after the file. A file that holds only classes (a `class Main` with
# `static void main`, as Java programmers write Groovy) has no script class, and that run
# cannot start it. The driver compiles like groovyc (org.codehaus.groovy.tools.FileSystemCompiler:
# a CompilationUnit over every source, classes into /box, groovyc's messages) and then names the
# class to run in /box/.caged-groovy-main: the entry's script class when the entry has
# top-level statements, else the first class of the entry (in source order) with a
# `public static void main(String[])` (Groovy's `static main(args)` is one); none is a compile
# error. The run reads that name and execs java on it.
#
# The compile and the run call the JVM directly (groovyc's script starts it through
# GroovyStarter, which loads every jar of groovy/lib), with Groovy's own jar and the modules a
# program may use (JSON, XML, templates, NIO): Debian's other jars (Ant, Ivy, JUnit, Swing
# console, servlets) are left out of the class path.
#
# Groovy 2.4 predates the module system: building a class's meta-class it makes every method
# accessible, and on Java 17 (which denies reflective access to the JDK's internals) the
# methods it cannot open are left out silently, so that `int[].clone()` (Object.clone, which
# Groovy calls reflectively) is a MissingMethodException. The compile and the run open the
# packages of java.base that Groovy code calls into (--add-opens ... =ALL-UNNAMED), as Java 8
# had them; no warning is printed either way.
set -eu
dir=/usr/lib/caged/groovy
work=/tmp/caged-groovy
lib=/usr/share/groovy/lib
cp="/usr/share/java/groovy.jar:$lib/groovy-json.jar:$lib/groovy-xml.jar:$lib/groovy-templates.jar:$lib/groovy-nio.jar"
rm -rf "$dir" "$work"
mkdir -p "$dir" "$work/src/caged" "$work/classes" "$work/train"

cat >"$work/src/caged/GroovyCompile.java" <<'JAVA'
// caged's compiler driver for Groovy submissions: see images/layers/groovy/post.sh.
package caged;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.codehaus.groovy.ast.ClassNode;
import org.codehaus.groovy.ast.ModuleNode;
import org.codehaus.groovy.control.CompilationFailedException;
import org.codehaus.groovy.control.CompilationUnit;
import org.codehaus.groovy.control.CompilerConfiguration;

public final class GroovyCompile {
    static final String MAIN_FILE = ".caged-groovy-main";

    public static void main(String[] args) throws Exception {
        // args: ENTRY SOURCE... (the entry is one of the sources; compiled once).
        Set<String> sources = new LinkedHashSet<>();
        for (String a : args) sources.add(a);
        String entry = args[0];
        Files.deleteIfExists(Paths.get(MAIN_FILE));
        CompilerConfiguration config = new CompilerConfiguration();
        config.setTargetDirectory(new File("."));
        config.setSourceEncoding("UTF-8");
        CompilationUnit unit = new CompilationUnit(config);
        for (String s : sources) unit.addSource(new File(s));
        try {
            unit.compile();
        } catch (CompilationFailedException e) {
            System.out.print(e.getMessage());
            System.out.flush();
            System.exit(1);
        }
        String main = mainClass(unit, new File(entry).getCanonicalFile());
        if (main == null) {
            System.out.println(entry + ": nothing to run: no top-level statements and no class with "
                    + "public static void main(String[]) (static main(args))");
            System.exit(1);
        }
        Files.write(Paths.get(MAIN_FILE), (main + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The entry's script class, else its first class with public static void main(String[]). */
    static String mainClass(CompilationUnit unit, File entry) throws IOException {
        List<ClassNode> classes = new ArrayList<>();
        for (ModuleNode module : unit.getAST().getModules()) {
            if (new File(module.getContext().getName()).getCanonicalFile().equals(entry)) classes.addAll(module.getClasses());
        }
        for (ClassNode c : classes) {
            if (c.isScript()) return c.getName();
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] { new File(".").toURI().toURL() },
                GroovyCompile.class.getClassLoader())) {
            for (ClassNode c : classes) {
                try {
                    Method m = Class.forName(c.getName(), false, loader).getMethod("main", String[].class);
                    int mod = m.getModifiers();
                    if (Modifier.isStatic(mod) && Modifier.isPublic(mod) && m.getReturnType() == void.class) return c.getName();
                } catch (ReflectiveOperationException | LinkageError e) {
                    // no such method, or a class that cannot be loaded: not the one to run
                }
            }
        }
        return null;
    }
}
JAVA

cat >"$work/src/caged/GroovyTrain.java" <<'JAVA'
// Used by images/layers/groovy/post.sh only: compiles a program with GroovyCompile and runs
// its main class in the same JVM, whose classes make the class-data sharing archive.
package caged;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

public final class GroovyTrain {
    public static void main(String[] args) throws Exception {
        GroovyCompile.main(args);
        String main = new String(Files.readAllBytes(Paths.get(GroovyCompile.MAIN_FILE)), StandardCharsets.UTF_8).trim();
        try (URLClassLoader loader = new URLClassLoader(new URL[] { new File(".").toURI().toURL() },
                GroovyTrain.class.getClassLoader())) {
            Class.forName(main, true, loader).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        }
    }
}
JAVA

javac -J-Xmx256m -J-XX:+UseSerialGC -J-XX:-UsePerfData --release 8 -nowarn -encoding UTF-8 \
  -cp /usr/share/java/groovy.jar -d "$work/classes" "$work/src/caged/GroovyCompile.java" "$work/src/caged/GroovyTrain.java"
jar --create --file "$dir/caged-groovy.jar" -C "$work/classes" caged

# The class-data sharing archive: the classes that one JVM loads compiling a program that uses
# what contest code uses and then running it (caged.GroovyTrain), archived with this layer's
# JVM: 0.55 to 0.33 s of CPU for a compile, 0.77 to 0.50 s for the run of a small program
# (measured in the chroot on the build VM). The compile and the run pass it with
# -XX:SharedArchiveFile; their class paths start with the one it was made with (a class path
# that does not would make the JVM warn, on stderr with the language's -Xlog options, and load
# the classes from the jars).
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.math=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.regex=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED"
cat >"$work/train/main.groovy" <<'GROOVY'
import java.util.PriorityQueue

class Edge { int to; long w }

def reader = new BufferedReader(new InputStreamReader(System.in))
def (n, m) = reader.readLine().trim().split(/\s+/).collect { it as int }
def g = (0..n).collect { [] }
m.times {
    def (a, b, w) = reader.readLine().tokenize()*.toLong()
    g[a as int] << new Edge(to: b as int, w: w)
}
long[] dist = new long[n + 1]
Arrays.fill(dist, Long.MAX_VALUE)
dist[1] = 0
def pq = new PriorityQueue<List>({ x, y -> x[0] <=> y[0] } as Comparator)
pq.add([0L, 1])
while (pq) {
    def (d, u) = pq.poll()
    if (d > dist[u]) continue
    for (Edge e in g[u]) {
        if (d + e.w < dist[e.to]) { dist[e.to] = d + e.w; pq.add([dist[e.to], e.to]) }
    }
}
def freq = [:].withDefault { 0 }
"abracadabra".each { freq[it]++ }
def sb = new StringBuilder()
sb << dist[2..n].join(' ') << ' ' << freq.sort { -it.value }.keySet().first()
println sb
printf("%d %.2f %s%n", (1..10).sum(), Math.sqrt(2), [3, 1, 2].sort().reverse())
int[] arr = [5, 4]
println "${arr.clone().toList()} ${2G ** 70} ${(1..5).inject(1) { a, b -> a * b }} ${10.intdiv(3)} ${new TreeMap([b: 1, a: 2]).firstKey()}"
GROOVY
printf '3 3\n1 2 5\n2 3 7\n1 3 20\n' >"$work/train/input.txt"
jvm="java -Xmx256m -XX:+UseSerialGC -XX:CICompilerCount=2 -XX:-UsePerfData"
ccp="$cp:$dir/caged-groovy.jar"
cd "$work/train"
$jvm $opens -XX:ArchiveClassesAtExit="$dir/groovy.jsa" -cp "$ccp" caged.GroovyTrain main.groovy <input.txt >/dev/null
rm -f ./*.class .caged-groovy-main
chmod 0644 "$dir/groovy.jsa" "$dir/caged-groovy.jar"
# The archive must be usable by this JVM as the compile and the run pass it (-Xshare:on fails
# otherwise), the run with the submission's directory after the archived class path.
$jvm $opens -Xshare:on -XX:SharedArchiveFile="$dir/groovy.jsa" -XX:TieredStopAtLevel=1 -cp "$ccp" caged.GroovyCompile main.groovy
test "$(cat .caged-groovy-main)" = main
out=$($jvm $opens -Xshare:on -XX:SharedArchiveFile="$dir/groovy.jsa" -Xss64m -cp "$ccp:." main <input.txt)
test "$out" = "5 12 a
55 1.41 [3, 2, 1]
[5, 4] 1180591620717411303424 120 3 a"
cd /
rm -rf "$work"
