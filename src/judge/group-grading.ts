/**
 * Runs a tree of test groups in order and grades it: per test and per group a verdict, and for
 * scoring problems a score. The tree is a problem package's (src/problem/test-data.ts) or a JSON
 * submission's `groups` (inline-groups.ts, graded on results already there). Running a test is
 * the caller's (`runOne`), so this file is pure policy, tested without containers.
 *
 * Order and stopping: a group's children (tests and subgroups) in lexicographic order; after a
 * child is rejected (verdict not AC), `on_reject: break` marks the group's remaining tests
 * SKIPPED (not run), `continue` runs them. A rejected subgroup counts as one rejected child.
 *
 * A group's verdict, from its children's (SKIPPED ones included): `first_error` the
 * first that is not AC; `worst_error` the worst by IE > SE > RE > MLE > TLE > OLE > WA >
 * SKIPPED (a legacy package's default, test-data.ts); `always_accept` AC. With the flag
 * `accept_if_any_accepted` (beside the rule, as the legacy format's default grader has it) the
 * group is AC when any child is, else the rule decides. An empty group is AC.
 *
 * A group's score (scoring problems): a test scores accept_score (1) when AC (or the score its
 * output validator wrote to score.txt, `custom score`), else reject_score
 * (0); the children's scores are aggregated with sum (default), min, max or avg (`pass-fail`:
 * the sum of the children's maxima when all are AC, else 0), then clamped to `range`. With
 * 2023-07's `max_score M` instead, each child counts as a fraction (a test 1 or 0, a subgroup
 * its score over its maximum) and the group scores M × (mean of the fractions for sum, their
 * minimum for min and pass-fail, their maximum for max). The maximum score is the same
 * computation with every test AC. In a scoring problem the sample group's score never counts
 * (its verdict does, unless the root has `ignore_sample`). Pass-fail problems score 1 when the
 * root is AC, else 0, out of 1.
 *
 * 2025-09 (`caseScores`): a test scores its maximum (TestCase.maxScore, set by test-data.ts)
 * when AC, or its validator's score.txt, else 0; a group with `pass-fail` aggregation scores its
 * max_score when every test is AC, else 0; `sum` the sum of its children's scores, `min` their
 * minimum, `product` (CMS's GroupMul) its max_score times the product of its children's shares
 * of their maxima; the root sums what it holds (secret). A group with `require_pass` runs only when
 * every group it names (an earlier one) was AC; otherwise its tests are SKIPPED and it scores 0.
 *
 * Legacy `grading: custom` (GroupSettings.customGrader): the group's verdict and score are the
 * caller's CustomGrade's (the package's grader), the score clamped to `range`.
 */
import type { TestResult, TestVerdict } from './schema';

export type VerdictRule = 'first_error' | 'worst_error' | 'always_accept';
export type Aggregation = 'sum' | 'min' | 'max' | 'avg' | 'pass-fail' | 'product';

export interface GroupSettings {
  onReject: 'break' | 'continue';
  verdictRule: VerdictRule;
  /** AC when any child is AC, the verdict rule deciding otherwise (grader_flags' accept_if_any_accepted). */
  acceptIfAnyAccepted?: boolean;
  aggregation: Aggregation;
  ignoreSample: boolean;
  acceptScore: number;
  rejectScore: number;
  range: [number, number];
  /**
   * 2023-07: the group's score is this times the aggregated fraction of its children. 2025-09
   * (`caseScores`): the group's maximum score (Infinity: unbounded).
   */
  maxScore: number | null;
  /** 2025-09: the format's final scoring model (see the file's comment). */
  caseScores?: boolean;
  /** Names of earlier groups that must be AC for this one to run (2023-07, 2025-09 `require_pass`). */
  requirePass: string[];
  /** Default validator flags of this group's tests (problem.yaml's, then the groups'). */
  validatorFlags: string[];
  /** Legacy `grading: custom`: the package's grader aggregates the group, given these `grader_flags`. */
  customGrader?: { flags: string[] };
}

/**
 * A group's settings with the formats' defaults (on_reject: break, first_error, sum, accept 1,
 * reject 0, no range, no max_score, nothing required, no flags), `over` changed.
 */
export function groupSettings(over: Partial<GroupSettings> = {}): GroupSettings {
  return {
    onReject: 'break',
    verdictRule: 'first_error',
    aggregation: 'sum',
    ignoreSample: false,
    acceptScore: 1,
    rejectScore: 0,
    range: [-Infinity, Infinity],
    maxScore: null,
    requirePass: [],
    validatorFlags: [],
    ...over,
  };
}

/**
 * A group's entry: a test (a package's TestCase, a JSON submission's test: inline-groups.ts) or a
 * subgroup. `stopsOnReject`: when it is judged and rejected, every child after it is SKIPPED,
 * in its group and in the groups above, whatever their on_reject (a DMOJ case worth 0 points, a
 * pretest: its rejection ends the judging, even from inside a batch).
 */
export type GroupChild<T> = ({ kind: 'test'; test: T } | { kind: 'group'; group: TestGroup<T> }) & { stopsOnReject?: true };

export interface TestGroup<T> {
  /** "data", "sample", "secret/group1". */
  name: string;
  settings: GroupSettings;
  children: GroupChild<T>[];
}

export interface GroupOutcome {
  name: string;
  verdict: TestVerdict;
  score: number;
  maxScore: number;
  /** Indices (in the result's `tests`) of the group's tests, its subgroups' included. */
  tests: number[];
}

export interface GradeResult {
  tests: TestResult[];
  /** Every group, the root ("data") first, in the order they were entered. */
  groups: GroupOutcome[];
  verdict: TestVerdict;
  score: number;
  maxScore: number;
}

export type RunOne<T> = (test: T, validatorFlags: string[], index: number) => Promise<TestResult>;
/**
 * A custom grader (GroupSettings.customGrader): the group's verdict and score from its judged
 * children's, in order (SKIPPED ones left out, as the legacy format's judging stops there).
 */
/**
 * A group's grade from its sub-results. `best`: the sub-results are the best there could be
 * (every child accepted at its maximum), asked for the group's maximum; a failure then is not
 * the judging's, and gives the default's maximum.
 */
export type CustomGrade<T> = (
  group: TestGroup<T>,
  results: ReadonlyArray<{ verdict: TestVerdict; score: number }>,
  best?: boolean,
) => Promise<{ verdict: TestVerdict; score: number }>;
export type SkipOne<T> = (test: T, index: number, why: string) => TestResult;
/** A test's score and maximum from its result; `packageTestScore` unless the caller gives one. */
export type TestScore<T> = (test: T, r: TestResult, s: GroupSettings) => { score: number; maxScore: number };

/** A package's test: accept_score when AC (or its validator's score.txt), else reject_score; out of accept_score. */
export function packageTestScore(test: unknown, r: TestResult, s: GroupSettings): { score: number; maxScore: number } {
  if (s.caseScores) {
    const max = (test as { maxScore?: number }).maxScore ?? 0;
    const accepted = r.validatorScore ?? (r.validatorScoreMultiplier === undefined ? max : r.validatorScoreMultiplier * max);
    return { score: r.verdict === 'AC' ? accepted : 0, maxScore: max };
  }
  // A custom validator's score.txt, when it wrote one, is the accepted test's score.
  const accepted = r.validatorScore ?? (r.validatorScoreMultiplier ?? 1) * s.acceptScore;
  return { score: r.verdict === 'AC' ? accepted : s.rejectScore, maxScore: s.acceptScore };
}

const SEVERITY: Record<TestVerdict, number> = { AC: 0, SKIPPED: 1, WA: 2, OLE: 3, TLE: 4, MLE: 5, RE: 6, SE: 7, IE: 8 };

interface Node {
  verdict: TestVerdict;
  score: number;
  maxScore: number;
  /** Excluded from the group's verdict (ignore_sample) or score (a scoring problem's sample). */
  inVerdict: boolean;
  inScore: boolean;
  /** A group: why a child flagged `stopsOnReject` inside it stops the judging (it was rejected). */
  stopped?: string;
}

function groupVerdict(s: Pick<GroupSettings, 'verdictRule' | 'acceptIfAnyAccepted'>, verdicts: TestVerdict[]): TestVerdict {
  const rule = s.verdictRule;
  if (rule === 'always_accept') return 'AC';
  if (s.acceptIfAnyAccepted && verdicts.includes('AC')) return 'AC';
  if (rule === 'worst_error') return verdicts.reduce<TestVerdict>((w, v) => (SEVERITY[v] > SEVERITY[w] ? v : w), 'AC');
  return verdicts.find((v) => v !== 'AC') ?? 'AC';
}

function aggregate(s: GroupSettings, nodes: Node[], best: boolean): number {
  const counted = nodes.filter((n) => n.inScore);
  const allAc = best || counted.every((n) => n.verdict === 'AC');
  if (s.caseScores) {
    const values = counted.map((n) => (best ? n.maxScore : n.score));
    if (s.maxScore === null || s.aggregation === 'sum') return values.reduce((a, b) => a + b, 0);
    if (s.aggregation === 'pass-fail') return allAc ? s.maxScore : 0;
    if (s.aggregation === 'product')
      return counted.reduce((p, n) => p * (best ? 1 : n.maxScore > 0 ? n.score / n.maxScore : 0), s.maxScore);
    return values.length ? Math.min(...values) : s.maxScore;
  }
  if (s.maxScore !== null) {
    const fractions = counted.map((n) => (best ? 1 : n.maxScore > 0 ? n.score / n.maxScore : n.verdict === 'AC' ? 1 : 0));
    if (!fractions.length) return s.maxScore;
    let f: number;
    if (s.aggregation === 'sum' || s.aggregation === 'avg') f = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    else if (s.aggregation === 'max') f = Math.max(...fractions);
    else f = Math.min(...fractions);
    return s.maxScore * f;
  }
  const values = counted.map((n) => (best ? n.maxScore : n.score));
  let v: number;
  if (!values.length) v = 0;
  else if (s.aggregation === 'sum') v = values.reduce((a, b) => a + b, 0);
  else if (s.aggregation === 'avg') v = values.reduce((a, b) => a + b, 0) / values.length;
  else if (s.aggregation === 'min') v = Math.min(...values);
  else if (s.aggregation === 'max') v = Math.max(...values);
  else v = allAc ? counted.reduce((a, n) => a + n.maxScore, 0) : 0;
  return Math.min(s.range[1], Math.max(s.range[0], v));
}

export async function gradeTree<T extends { name: string }>(
  root: TestGroup<T>,
  scoring: boolean,
  runOne: RunOne<T>,
  skipOne: SkipOne<T>,
  testScore: TestScore<T> = packageTestScore,
  customGrade?: CustomGrade<T>,
): Promise<GradeResult> {
  const tests: TestResult[] = [];
  const groups: GroupOutcome[] = [];

  const walk = async (g: TestGroup<T>, skipping: string | null, atRoot: boolean): Promise<Node> => {
    const outcome: GroupOutcome = { name: g.name, verdict: 'AC', score: 0, maxScore: 0, tests: [] };
    groups.push(outcome);
    const nodes: Node[] = [];
    const unmet = g.settings.requirePass.find((r) => groups.find((o) => o.name === r)?.verdict !== 'AC');
    let broke = skipping ?? (unmet === undefined ? null : `not run: ${unmet} did not pass (require_pass of ${g.name})`);
    const first = tests.length;
    let stopped: string | null = null;
    for (const child of g.children) {
      const node = await visit(g, child, broke, atRoot);
      nodes.push(node);
      // A rejected child that stops the judging, or a subgroup in which one was.
      const stops =
        child.stopsOnReject && node.verdict !== 'AC' && node.verdict !== 'SKIPPED'
          ? `not run: ${childName(child)}, worth no points, was rejected`
          : (node.stopped ?? null);
      stopped ??= stops;
      if (!broke && node.inVerdict && node.verdict !== 'AC' && g.settings.onReject === 'break') {
        broke = `not run: ${childName(child)} was rejected (on_reject: break in ${g.name})`;
      } else if (!broke && stops) {
        broke = stops;
      }
    }
    outcome.tests = Array.from({ length: tests.length - first }, (_, k) => first + k);
    outcome.verdict = groupVerdict(
      g.settings,
      nodes.filter((n) => n.inVerdict).map((n) => n.verdict),
    );
    outcome.score = scoring && unmet === undefined ? aggregate(g.settings, nodes, false) : 0;
    outcome.maxScore = scoring ? aggregate(g.settings, nodes, true) : 0;
    if (g.settings.customGrader && customGrade) {
      // Its score is clamped to `range`, the range of possible scores, whose top is its maximum
      // when finite; else the maximum is the grader's own score for every child accepted at its
      // maximum (PO's graders score groups on their own scale, with no range), the default's if
      // the grader does not accept that.
      const judged = nodes.filter((n) => n.verdict !== 'SKIPPED').map((n) => ({ verdict: n.verdict, score: n.score }));
      const graded = await customGrade(g, judged);
      const [lo, hi] = g.settings.range;
      outcome.verdict = graded.verdict;
      outcome.score = scoring && unmet === undefined ? Math.min(hi, Math.max(lo, graded.score)) : 0;
      if (scoring && Number.isFinite(hi)) outcome.maxScore = hi;
      else if (scoring) {
        const best = await customGrade(
          g,
          nodes.map((n) => ({ verdict: 'AC' as const, score: n.maxScore })),
          true,
        );
        if (best.verdict === 'AC') outcome.maxScore = Math.max(lo, best.score);
      }
    }
    return {
      verdict: outcome.verdict,
      score: outcome.score,
      maxScore: outcome.maxScore,
      inVerdict: true,
      inScore: true,
      ...(stopped ? { stopped } : {}),
    };
  };

  const visit = async (parent: TestGroup<T>, child: GroupChild<T>, skipping: string | null, atRoot: boolean): Promise<Node> => {
    if (child.kind === 'group') {
      const node = await walk(child.group, skipping, false);
      if (atRoot && child.group.name === 'sample') {
        node.inScore = !scoring;
        node.inVerdict = !parent.settings.ignoreSample;
      }
      return node;
    }
    const index = tests.length;
    const r = skipping ? skipOne(child.test, index, skipping) : await runOne(child.test, parent.settings.validatorFlags, index);
    tests.push(r);
    return { verdict: r.verdict, ...testScore(child.test, r, parent.settings), inVerdict: true, inScore: true };
  };

  const top = await walk(root, null, true);
  if (!scoring) return { tests, groups, verdict: top.verdict, score: top.verdict === 'AC' ? 1 : 0, maxScore: 1 };
  return { tests, groups, verdict: top.verdict, score: top.score, maxScore: top.maxScore };
}

function childName<T extends { name: string }>(c: GroupChild<T>): string {
  return c.kind === 'test' ? `test ${c.test.name}` : `group ${c.group.name}`;
}
