/** A made-up test result (schema version 1) for the graders' unit tests: every measurement 0, `extra` on top. */
import type { TestResult, TestVerdict } from '../../../src/judge/schema';

export function madeUpResult(index: number, verdict: TestVerdict, extra: Partial<TestResult> = {}): TestResult {
  return {
    index,
    name: null,
    verdict,
    judge0: { id: 0, description: '' },
    exitCode: 0,
    signal: null,
    stdout: '',
    stdoutEncoding: 'utf8',
    stdoutTruncated: false,
    stderr: '',
    stderrEncoding: 'utf8',
    stderrTruncated: false,
    cpuTimeMs: 0,
    wallTimeMs: 0,
    memoryBytes: 0,
    limitHit: null,
    message: '',
    points: 0,
    checkerMessage: null,
    ...extra,
  };
}
