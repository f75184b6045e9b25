/**
 * A RunResult as the sandbox reports it, for the tests that classify runs without running
 * anything: a clean exit in 1 ms using 1 MiB, nothing hit, no output; `over` changes what a
 * test is about.
 */
import type { PairResult } from '../../src/sandbox/run-pair';
import type { RunResult } from '../../src/sandbox/types';

export function runResult(over: Partial<RunResult> = {}): RunResult {
  return {
    exitCode: 0,
    signal: null,
    cpuTimeMs: 1,
    wallTimeMs: 1,
    memoryBytes: 1 << 20,
    limitHit: null,
    forbiddenSyscall: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    stdoutTruncated: false,
    stderrTruncated: false,
    oomKills: 0,
    memoryLimitHits: 0,
    ...over,
  };
}

/**
 * An interactive pair's result (Sandbox.runPair): both sides as runResult gives them (no memory
 * used), the interactor ending first, at 1 ms and 2 ms; `over` changes the rest.
 */
export function pairResult(interactor: Partial<RunResult>, submission: Partial<RunResult>, over: Partial<PairResult> = {}): PairResult {
  return {
    interactor: runResult({ memoryBytes: 0, ...interactor }),
    submission: runResult({ memoryBytes: 0, ...submission }),
    firstEnded: 'interactor',
    interactorEndMs: 1,
    submissionEndMs: 2,
    submissionKilledAfterGrace: false,
    submissionCpuAtRejectionMs: null,
    submissionFloodedAfterAccept: false,
    ...over,
  };
}
