/**
 * A RunResult as the sandbox reports it, for the tests that classify runs without running
 * anything: a clean exit in 1 ms using 1 MiB, nothing hit, no output; `over` changes what a
 * test is about.
 */
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
