/**
 * DMOJ's Java agent (java_sandbox.jar, given to every Java run) enforces a problem's
 * `hints: [nobigmath]`: a submission that uses java.math.BigInteger or BigDecimal fails with
 * DMOJ's `ca.dmoj.java.BigIntegerDisallowedException` (BigDecimal…), which DMOJ's judge reports
 * as the feedback of an IR. caged compiles a loader with such a Java submission and runs it as
 * its main class. DMOJ's agent stops the run when the class is first loaded; the loader looks
 * before main runs, in the submission's compiled classes (every `.class` the compile left in
 * /box): one that names either class, as a type, a method's descriptor or a reflection string,
 * fails. Stricter than DMOJ only for a reference no run reaches. The loader then runs the
 * submission's own main class (found as for any Java submission), its exceptions unwrapped, with
 * the same arguments.
 *
 * The agent's other rules need nothing here: its `nobuf` (init.yml `unbuffered`) makes System.out
 * write through at every print, which Java's own System.out already does (it flushes after every
 * print: autoflush); its ban on sun.misc.Unsafe is not copied: the box's memory limit holds what
 * Unsafe allocates (an MLE, not a crash of the host).
 */
import { InvalidRequestError } from '../errors';
import type { Language } from '../judge/languages';
import { programFiles } from '../judge/program-files';
import type { PackageSubmission } from './package-submission';
import { withIncluded } from './package-sources';

/** The loader's file, in a package of its own (its class caged.DmojJava): no submission class shares its name. */
export const JAVA_LOADER = 'caged/DmojJava.java';

function javaLoader(mainClass: string): string {
  return `package caged;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/** Added by caged: DMOJ's Java agent's nobigmath for this problem, then the submission's main. */
public final class DmojJava {
    private static final String MAIN = ${JSON.stringify(mainClass)};
    private static final String[][] DISALLOWED = {
        {"java/math/BigInteger", "java.math.BigInteger", "ca.dmoj.java.BigIntegerDisallowedException"},
        {"java/math/BigDecimal", "java.math.BigDecimal", "ca.dmoj.java.BigDecimalDisallowedException"},
    };

    public static void main(String[] args) throws Throwable {
        noBigMath();
        Method main = Class.forName(MAIN, false, DmojJava.class.getClassLoader()).getMethod("main", String[].class);
        main.setAccessible(true);
        MethodHandle handle = MethodHandles.lookup().unreflect(main);
        handle.invokeExact(args);
    }

    private static void noBigMath() throws IOException {
        Path self = Paths.get("caged", "DmojJava.class");
        try (Stream<Path> walk = Files.walk(Paths.get("."))) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path name = p.normalize();
                if (!name.toString().endsWith(".class") || name.equals(self) || !Files.isRegularFile(p)) continue;
                String bytes = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                // The class named first (javac's constant pool follows the code's order): the one
                // DMOJ's agent would meet first (BigDecimal's toBigInteger after new BigDecimal).
                String[] first = null;
                int at = Integer.MAX_VALUE;
                for (String[] rule : DISALLOWED) {
                    for (int k = 0; k < 2; k++) {
                        int i = bytes.indexOf(rule[k]);
                        if (i >= 0 && i < at) {
                            at = i;
                            first = rule;
                        }
                    }
                }
                if (first != null) {
                    System.err.println("Exception in thread \\"main\\" " + first[2] + ": " + first[1]
                        + " is not allowed in this problem (init.yml hints: nobigmath); " + name + " uses it");
                    System.err.flush();
                    Runtime.getRuntime().halt(1);
                }
            }
        }
    }
}
`;
}

/**
 * A Java submission (`entry: java-main`) with the loader added and made its entry, when the
 * problem says nobigmath; another language, or a Java submission without a main class (the plan
 * says CE for it), as it is. A file of its own by the loader's name is refused.
 */
export function withNoBigMath<S extends PackageSubmission>(on: boolean, s: S, language: Language): S {
  if (!on || language.entry !== 'java-main') return s;
  // The submission's files and main class as the plan reads them; one it refuses or finds no main
  // class in is left as it is, for the plan to say why.
  let read: ReturnType<typeof programFiles>;
  try {
    read = programFiles(language, s);
  } catch (err) {
    if (err instanceof InvalidRequestError) return s;
    throw err;
  }
  const mainClass = read.language.mainClass;
  if (mainClass === undefined) return s;
  if (read.files.some((f) => f.name === JAVA_LOADER))
    throw new InvalidRequestError(`names a file ${JAVA_LOADER}, which caged adds (init.yml hints: nobigmath)`, 'SUBMISSION');
  const loader = { name: JAVA_LOADER, data: Buffer.from(javaLoader(mainClass)) };
  const { source: _source, sourceEncoding: _encoding, ...rest } = s;
  return { ...rest, ...withIncluded(s, [loader], language), entry: JAVA_LOADER } as S;
}
