/**
 * Which tests of a JSON submission are not run after a rejection (a verdict other than AC):
 * every later test with `stopOnFirstFailure`; the later tests of a group with `onReject:
 * "break"` (the IOI subtask, DMOJ's batch: once one of its tests fails, the group scores its
 * minimum whatever the rest do). A test is skipped by its groups only when every group it is in
 * has broken: one in no group, or also in a group still going, runs. "Later" is test order, the
 * order tests are handed out.
 *
 * The same rule serves twice: while the tests run, from what has finished so far (a test is not
 * started once it is known to be skipped), and once all have finished, in test order, from the
 * reported results only, so that the result does not depend on timing: with parallel tests a
 * later test may have run before an earlier one failed, and is reported skipped all the same.
 * What the first use skips, the second does too: a group it saw broken by a failed test is, in
 * the second, broken by that test or, if that test is itself reported skipped, by an earlier one.
 */
import type { InlineGroup } from './inline-groups';
import type { TestVerdict } from './schema';

interface Breaking {
  name: string;
  /** The first rejected test of the group so far (test order), or Infinity. */
  brokenAt: number;
}

export class TestSkips {
  private firstFailure = Infinity;
  /** Per test, the groups with `onReject: "break"` it is in (a failure of it breaks them). */
  private readonly breakingOf: ReadonlyArray<readonly Breaking[]>;
  /** Per test, whether it runs whatever its breaking groups do: it is in no group, or in one that never breaks. */
  private readonly runsAnyway: readonly boolean[];

  constructor(
    tests: number,
    groups: readonly Pick<InlineGroup, 'name' | 'tests' | 'onReject'>[],
    private readonly stopOnFirstFailure: boolean,
  ) {
    const breakingOf: Breaking[][] = Array.from({ length: tests }, () => []);
    const runsAnyway = Array.from({ length: tests }, () => true);
    const continuing = new Set<number>();
    for (const g of groups) {
      if (g.onReject !== 'break') {
        for (const t of g.tests) continuing.add(t);
        continue;
      }
      const breaking: Breaking = { name: g.name, brokenAt: Infinity };
      for (const t of g.tests) {
        if (t >= tests) continue;
        breakingOf[t]!.push(breaking);
        runsAnyway[t] = false;
      }
    }
    for (const t of continuing) if (t < tests) runsAnyway[t] = true;
    this.breakingOf = breakingOf;
    this.runsAnyway = runsAnyway;
  }

  /** Why test `index` is not to be run, from the verdicts recorded so far of earlier tests; null: it runs. */
  skipReason(index: number): string | null {
    if (this.stopOnFirstFailure && this.firstFailure < index) return `not run: test ${this.firstFailure + 1} failed (stopOnFirstFailure)`;
    if (this.runsAnyway[index] !== false) return null;
    const breaking = this.breakingOf[index]!;
    if (!breaking.every((g) => g.brokenAt < index)) return null;
    if (breaking.length === 1)
      return `not run: test ${breaking[0]!.brokenAt + 1} was rejected (onReject: break in group ${JSON.stringify(breaking[0]!.name)})`;
    const each = breaking.map((g) => `group ${JSON.stringify(g.name)} at test ${g.brokenAt + 1}`).join(', ');
    return `not run: every group of this test stopped at a rejected test (onReject: break): ${each}`;
  }

  /** Records the verdict of test `index`, which ran. */
  record(index: number, verdict: TestVerdict): void {
    if (verdict === 'AC') return;
    this.firstFailure = Math.min(this.firstFailure, index);
    for (const g of this.breakingOf[index] ?? []) g.brokenAt = Math.min(g.brokenAt, index);
  }
}
