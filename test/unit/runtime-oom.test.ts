/**
 * A language's runtime reporting its own out-of-memory (the language's `memoryErrorMarkers` on
 * stderr) turns RE, and only RE, into MLE.
 */
import { classifyRun } from '../../src/judge/run-verdict';
import type { RunResult } from '../../src/sandbox/types';
import { runResult } from '../helpers/run-result';
import { repoLanguageRegistry } from './helpers/language-table';

describe("a runtime's own out-of-memory", () => {
  const run = (r: Partial<RunResult>): RunResult => runResult({ exitCode: 1, ...r });
  const markers = ['java.lang.OutOfMemoryError'];
  it('RE with the marker on stderr is MLE', () => {
    const c = classifyRun(
      run({ stderr: Buffer.from('Exception in thread "main" java.lang.OutOfMemoryError: Java heap space') }),
      { cpuTimeMs: 1000 },
      markers,
    );
    expect(c.verdict).toBe('MLE');
    expect(c.message).toMatch(/ran out of the heap/);
  });
  it('a success, a TLE or a forbidden system call with the marker stays what it was', () => {
    const stderr = Buffer.from('java.lang.OutOfMemoryError');
    expect(classifyRun(run({ exitCode: 0, stderr }), { cpuTimeMs: 1000 }, markers).verdict).toBe('OK');
    expect(classifyRun(run({ limitHit: 'cpu', signal: 'SIGKILL', stderr }), { cpuTimeMs: 1000 }, markers).verdict).toBe('TLE');
    expect(classifyRun(run({ forbiddenSyscall: 'ptrace', stderr }), { cpuTimeMs: 1000 }, markers).verdict).toBe('SE');
    expect(classifyRun(run({ stderr }), { cpuTimeMs: 1000 }).verdict).toBe('RE');
  });
  it('a run that hit its process limit is RE even with the marker (the JVM cannot start a thread)', () => {
    const stderr = Buffer.from(
      'java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached',
    );
    const c = classifyRun(run({ limitHit: 'pids', stderr }), { cpuTimeMs: 1000 }, markers);
    expect(c.verdict).toBe('RE');
    expect(c.limitHit).toBe('pids');
  });
  it('a JVM that cannot start under the memory limit is MLE in every JVM language (its start-up error on stderr, as DMOJ reads it)', () => {
    const registry = repoLanguageRegistry();
    const stderr = Buffer.from('Error occurred during initialization of VM\nToo small maximum heap\n');
    for (const id of ['java', 'kotlin', 'scala', 'groovy', 'clojure']) {
      const l = registry.get(id);
      expect(l.run).toContain('-XX:+DisplayVMOutputToStderr');
      expect(classifyRun(run({ stderr }), { cpuTimeMs: 1000 }, l.memoryErrorMarkers ?? []).verdict).toBe('MLE');
    }
  });
});
