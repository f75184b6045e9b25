/**
 * The exception a failed run's runtime named on its stderr, for the RE's message (DMOJ shows it
 * as the feedback of an IR): the JVM's `Exception in thread "main" java.lang.ArithmeticException`
 * (Java, Kotlin, Scala), C++'s `terminate called after throwing an instance of 'std::bad_alloc'`,
 * and the last line of a Python traceback (`ZeroDivisionError: division by zero`). It only names:
 * the verdict stays what the sandbox measured (a program printing a name gains nothing).
 *
 * The stderr is as long as the program made it (up to its cap): only its first and last 16 KiB
 * are read, with patterns that cannot backtrack beyond a line.
 */
const EDGE = 16 * 1024;
const JVM = /Exception in thread "[^"\n]{0,200}" ([\p{L}\p{Nl}\p{Nd}\p{Sc}\p{Pc}.]{1,300})/u;
// A type's name: printable, no control character reaches the message.
const CXX = /terminate called after throwing an instance of '([^'\p{Cc}]{1,300})'/u;
const PYTHON_HEADER = 'Traceback (most recent call last):';
const PYTHON_LAST = /^([A-Za-z_][\w.]{0,200})(?::|$)/;

export function thrownOnStderr(stderr: Buffer): string | null {
  if (stderr.length === 0) return null;
  const head = stderr.toString('utf8', 0, Math.min(stderr.length, EDGE));
  const tail = stderr.length <= EDGE ? head : stderr.toString('utf8', stderr.length - EDGE);
  // Each end read once (a short stderr is both).
  const ends = tail === head ? [head] : [head, tail];
  for (const pattern of [JVM, CXX])
    for (const text of ends) {
      const m = pattern.exec(text);
      if (m) return m[1]!;
    }
  if (ends.some((text) => text.includes(PYTHON_HEADER))) {
    const lines = tail.split('\n');
    let k = lines.length - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const last = k >= 0 ? PYTHON_LAST.exec(lines[k]!.trim()) : null;
    if (last) return last[1]!;
  }
  return null;
}
