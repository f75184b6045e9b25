/**
 * The exception a failed run's runtime named on stderr (src/judge/thrown-on-stderr.ts), added to
 * an RE's message; the verdict is untouched (src/judge/run-verdict.ts).
 */
import { classifyRun } from '../../src/judge/run-verdict';
import { thrownOnStderr } from '../../src/judge/thrown-on-stderr';
import { runResult } from '../helpers/run-result';

const named = (text: string) => thrownOnStderr(Buffer.from(text));

describe('the exception named on stderr', () => {
  it("is the JVM's, C++'s terminate and a Python traceback's last line", () => {
    expect(
      named(
        'Exception in thread "main" java.lang.ArrayIndexOutOfBoundsException: Index 1 out of bounds for length 1\n\tat Seed2.main(Seed2.java:4)\n',
      ),
    ).toBe('java.lang.ArrayIndexOutOfBoundsException');
    expect(named('Exception in thread "main" пакет.Ошибка\n')).toBe('пакет.Ошибка');
    expect(named("terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc\n")).toBe('std::bad_alloc');
    expect(
      named(
        'Traceback (most recent call last):\n  File "main.py", line 1, in <module>\n    1 / 0\nZeroDivisionError: division by zero\n\n',
      ),
    ).toBe('ZeroDivisionError');
    expect(named('Traceback (most recent call last):\n  File "a.py", line 3\nStopIteration\n')).toBe('StopIteration');
  });
  it('is none for other text, and reads only the ends of a long stderr', () => {
    expect(named('')).toBeNull();
    expect(named('Segmentation fault\n')).toBeNull();
    // No control character from the program reaches the message.
    expect(named("terminate called after throwing an instance of '\x1b[2Jx'\n")).toBeNull();
    expect(named('ZeroDivisionError: no traceback before it\n')).toBeNull();
    const long = `Traceback (most recent call last):\n${'x'.repeat(10 ** 6)}\nValueError: bad\n`;
    expect(named(long)).toBe('ValueError');
    expect(named(`${'y'.repeat(10 ** 6)}\nException in thread "main" java.lang.Error\n`)).toBe('java.lang.Error');
    expect(named(`${'y'.repeat(10 ** 6)}\nException in thread "main" java.lang.Error\n${'z'.repeat(10 ** 6)}`)).toBeNull();
  });
  it("goes into an RE's message, never into another verdict", () => {
    const stderr = Buffer.from('Exception in thread "main" java.lang.RuntimeException\n');
    expect(classifyRun(runResult({ exitCode: 1, stderr }), { cpuTimeMs: 1000 })).toMatchObject({
      verdict: 'RE',
      message: 'exit code 1 (java.lang.RuntimeException on stderr)',
    });
    expect(classifyRun(runResult({ exitCode: 0, stderr }), { cpuTimeMs: 1000 }).verdict).toBe('OK');
    expect(
      classifyRun(runResult({ exitCode: null, signal: 'SIGSYS', forbiddenSyscall: 'ptrace', stderr }), { cpuTimeMs: 1000 }).message,
    ).not.toMatch(/on stderr/);
  });
});
