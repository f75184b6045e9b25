/**
 * The per-test cost of a container that is not the program's own run: launch, rootfs, teardown,
 * checking. Measured from outside the judge: the time between two consecutive progress reports
 * minus the program's wall time in the result. Only meaningful while tests run one after
 * another, so nothing is reported when the progress times are not in test order.
 */
import type { JudgeResult } from '../judge/schema';

export function launchOverheadsSeconds(startedMs: number, progressAtMs: readonly (number | undefined)[], result: JudgeResult): number[] {
  const out: number[] = [];
  // Before the first test come validation and the compile step, which has its own launch:
  // the first gap counts only when there is no compile step.
  let prev: number | undefined = result.compile === undefined ? startedMs : undefined;
  for (let i = 0; i < result.tests.length; i++) {
    const at = progressAtMs[i];
    const test = result.tests[i];
    if (at === undefined || test === undefined || test.verdict === 'SKIPPED') return out;
    if (prev !== undefined) {
      const gapMs = at - prev;
      if (gapMs < 0) return [];
      out.push(Math.max(0, gapMs - test.wallTimeMs) / 1000);
    }
    prev = at;
  }
  return out;
}
