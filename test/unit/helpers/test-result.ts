/** A made-up test result (schema version 1) for the graders' unit tests: every measurement 0, `extra` on top. */
import { skippedTest } from '../../../src/judge/result';
import type { TestResult, TestVerdict } from '../../../src/judge/schema';

export function madeUpResult(index: number, verdict: TestVerdict, extra: Partial<TestResult> = {}): TestResult {
  // A skipped test's empty entry, with the verdict and measurements asked for.
  return { ...skippedTest(index, { name: null }, ''), verdict, judge0: { id: 0, description: '' }, exitCode: 0, ...extra };
}
