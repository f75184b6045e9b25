/**
 * A CMS task's test cases and score type (cms-package.ts), as CMS's Italian YAML loader
 * (cmscontrib/loaders/italy_yaml.py) and score types (cms/grading/scoretypes) read them, into
 * caged's test tree (the 2025-09 scoring model of group-grading.ts: `caseScores`).
 *
 * Test case i (from 0) is `input/input<i>.txt` with `output/output<i>.txt`, its codename
 * `%03d` of i (`000`, `001`…, what the score type's regular expressions match). Their number
 * and the score type come from, in CMS's order:
 *   - task.yaml's `score_type`, `score_type_parameters` and `n_input`, when all three are given;
 *   - else `gen/GEN`: a line with something before its `#` is a test case, as is a `# COPY:`
 *     line; a `# ST: <points>` line starts a subtask of the test cases after it (their points
 *     must add up to 100, as CMS's loader asserts). With subtasks the score type is GroupMin,
 *     without it is Sum; task.yaml's `n_input`, where given, must agree;
 *   - else `n_input`: Sum.
 * Sum gives each test case `total_value` (default 100) divided by their number.
 *
 * Score types: `Sum` (a number: each test's points, its checker's outcome 0..1 of them),
 * `GroupMin` and `GroupMul` (a list of `[points, tests]` or `{max_score, testcases}`, tests
 * being a count of consecutive test cases by codename, a regular expression their codenames
 * must start matching, or a list of codenames): a subtask scores its points times the least
 * (GroupMin) or the product (GroupMul) of its test cases' outcomes. A test case may be in several
 * subtasks (regular expressions or lists that overlap, as CMS allows): it is in each subtask's
 * group, and judged once (judge-package.ts). `GroupThreshold` (`[points, tests, threshold]` or
 * `{max_score, testcases, threshold}`): a subtask scores its points when every test case's
 * outcome, a measure, is within (0, threshold], else nothing (its test cases carry the
 * threshold: cms-checker.ts's thresholdVerdict; the white diff's outcome is 1 or 0). A test
 * case in no subtask is judged and scores nothing, as in CMS. Every test case runs (CMS judges them all): no group stops at a rejection.
 */
import { InvalidRequestError } from '../errors';
import { groupSettings } from '../judge/group-grading';
import type { PackageFiles } from './package-files';
import type { TestCase, TestGroup } from './test-data';

export const GEN = 'gen/GEN';

/** The test cases' count and score type, before the files are looked at. */
export interface CmsScoring {
  count: number;
  scoreType: string;
  parameters: unknown;
  /** Where they came from, for messages: task.yaml or gen/GEN. */
  from: string;
}

/** A test case of gen/GEN: the generator's arguments, or the file `# COPY:` names; its subtask (cmsMake's: 0 before any `# ST:`, then 1, 2, …). */
export interface GenCase {
  /** Its line in gen/GEN, from 1. */
  line: number;
  args: string[] | null;
  copy: string | null;
  subtask: number;
}

/** gen/GEN's test cases and subtasks (CMS's reading, above). */
export function readGen(text: string): { count: number; subtasks: [number, number][] | null; cases: GenCase[] } {
  const subtasks: [number, number][] = [];
  const cases: GenCase[] = [];
  let inSubtask = 0;
  let points: number | null = null;
  text.split('\n').forEach((raw, k) => {
    const line = raw.trim();
    const hash = line.indexOf('#');
    const test = (hash < 0 ? line : line.slice(0, hash)).trim();
    const comment = hash < 0 ? '' : line.slice(hash + 1).trim();
    const copy = comment.startsWith('COPY:');
    const st = comment.startsWith('ST:');
    if ([test !== '', copy, st].filter(Boolean).length > 1)
      throw new InvalidRequestError(`line ${k + 1}: a test case and a command on one line (CMS refuses it)`, GEN);
    if (test || copy) {
      cases.push({
        line: k + 1,
        args: test ? test.split(/\s+/) : null,
        copy: copy ? comment.slice(5).trim() : null,
        subtask: subtasks.length + (points === null ? 0 : 1),
      });
      inSubtask++;
    }
    if (!st) return;
    const p = Number(comment.slice(3).trim());
    if (!comment.slice(3).trim() || !Number.isFinite(p) || p < 0)
      throw new InvalidRequestError(`line ${k + 1}: "# ST:" must give the subtask's points (got ${JSON.stringify(comment)})`, GEN);
    if (points === null) {
      if (inSubtask > 0) throw new InvalidRequestError(`line ${k + 1}: test cases before the first "# ST:" belong to no subtask`, GEN);
    } else subtasks.push([points, inSubtask]);
    points = p;
    inSubtask = 0;
  });
  if (points === null) return { count: cases.length, subtasks: null, cases };
  subtasks.push([points, inSubtask]);
  const total = subtasks.reduce((a, [p]) => a + p, 0);
  if (Math.abs(total - 100) > 1e-9)
    throw new InvalidRequestError(`its subtasks' points add up to ${total}, not 100 (CMS's loader refuses that)`, GEN);
  return { count: cases.length, subtasks, cases };
}

/** The codename of test case i: CMS's `%03d`. */
export function codename(i: number): string {
  return String(i).padStart(3, '0');
}

interface Subtask {
  points: number;
  /** Indices of its test cases. */
  tests: number[];
  /** GroupThreshold: its threshold (the third item, or `threshold`). */
  threshold?: number;
}

function subtaskOf(raw: unknown, k: number, codes: string[], where: string, thresholds: boolean): Subtask {
  let points: unknown;
  let target: unknown;
  let limit: unknown;
  if (Array.isArray(raw) && raw.length >= 2) [points, target, limit] = raw as unknown[];
  else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    points = (raw as Record<string, unknown>).max_score;
    target = (raw as Record<string, unknown>).testcases;
    limit = (raw as Record<string, unknown>).threshold;
  } else throw new InvalidRequestError(`subtask ${k}: must be [points, test cases] or {max_score, testcases}`, where);
  if (typeof points !== 'number' || !Number.isFinite(points) || points < 0)
    throw new InvalidRequestError(`subtask ${k}: its points must be a number ≥ 0 (got ${JSON.stringify(points)})`, where);
  if (thresholds && (typeof limit !== 'number' || !Number.isFinite(limit)))
    throw new InvalidRequestError(
      `subtask ${k}: GroupThreshold takes [points, test cases, threshold] or {max_score, testcases, threshold} (got ${JSON.stringify(limit ?? null)})`,
      where,
    );
  const threshold = thresholds ? { threshold: limit as number } : {};
  if (typeof target === 'string') {
    let re: RegExp;
    try {
      // Python's re.match: anchored at the start only.
      re = new RegExp(`^(?:${target})`);
    } catch (err) {
      throw new InvalidRequestError(
        `subtask ${k}: ${JSON.stringify(target)} is not a regular expression (${(err as Error).message})`,
        where,
      );
    }
    const tests = codes.flatMap((c, i) => (re.test(c) ? [i] : []));
    if (!tests.length) throw new InvalidRequestError(`subtask ${k}: no test case's codename matches ${JSON.stringify(target)}`, where);
    return { points, tests, ...threshold };
  }
  if (typeof target === 'number') return { points, tests: [], ...threshold }; // a count: subtasksOf takes them in order
  if (Array.isArray(target)) {
    const tests = target.map((c) => {
      const i = typeof c === 'string' ? codes.indexOf(c) : -1;
      if (i < 0) throw new InvalidRequestError(`subtask ${k}: ${JSON.stringify(c)} is not a test case's codename (000, 001, …)`, where);
      return i;
    });
    return { points, tests, ...threshold };
  }
  throw new InvalidRequestError(`subtask ${k}: its test cases must be a count, a regular expression or a list of codenames`, where);
}

/** The subtasks of a GroupMin/GroupMul/GroupThreshold parameter list; counts take consecutive test cases by codename. */
function subtasksOf(parameters: unknown, count: number, where: string, thresholds: boolean): Subtask[] {
  if (!Array.isArray(parameters) || !parameters.length) throw new InvalidRequestError('must be a non-empty list of subtasks', where);
  const codes = Array.from({ length: count }, (_, i) => codename(i));
  const counts = parameters.map((p: unknown): unknown =>
    Array.isArray(p) ? (p as unknown[])[1] : (p as Record<string, unknown> | null)?.testcases,
  );
  if (counts.every((c) => typeof c === 'number')) {
    let next = 0;
    const out = parameters.map((p, k) => {
      const n = counts[k] as number;
      if (!Number.isInteger(n) || n < 0)
        throw new InvalidRequestError(`subtask ${k}: its count of test cases must be an integer ≥ 0`, where);
      if (next + n > count) throw new InvalidRequestError(`its subtasks take ${next + n} test cases or more; the task has ${count}`, where);
      const s = subtaskOf(p, k, codes, where, thresholds);
      const tests = Array.from({ length: n }, (_, i) => next + i);
      next += n;
      return { ...s, tests };
    });
    return out;
  }
  if (counts.some((c) => typeof c === 'number'))
    throw new InvalidRequestError('its subtasks must all give their test cases the same way (counts, regular expressions or lists)', where);
  return parameters.map((p, k) => subtaskOf(p, k, codes, where, thresholds));
}

/** The test tree of a CMS task with `count` test cases (checked to exist by the caller). */
export function cmsTestTree(s: CmsScoring, notes: string[], unsupported: string[], outputOnly = false): TestGroup {
  const where = `${s.from} score_type_parameters`;
  const test = (i: number, maxScore: number, threshold?: number): TestCase => ({
    name: codename(i),
    inPath: `input/input${i}.txt`,
    ansPath: `output/output${i}.txt`,
    maxScore,
    ...(threshold !== undefined ? { cmsThreshold: threshold } : {}),
    // Output-only: the test's run prints the answer file named after its codename (cms-package.ts).
    ...(outputOnly ? { args: [`output_${codename(i)}.txt`] } : {}),
  });
  const root: TestGroup = { name: 'data', settings: groupSettings({ onReject: 'continue', caseScores: true }), children: [] };
  if (s.scoreType === 'Sum') {
    const each = s.parameters;
    if (typeof each !== 'number' || !Number.isFinite(each) || each < 0)
      throw new InvalidRequestError(`Sum takes each test case's points, a number ≥ 0 (got ${JSON.stringify(each)})`, where);
    for (let i = 0; i < s.count; i++) root.children.push({ kind: 'test', test: test(i, each) });
    return root;
  }
  if (s.scoreType !== 'GroupMin' && s.scoreType !== 'GroupMul' && s.scoreType !== 'GroupThreshold') {
    unsupported.push(`score_type ${JSON.stringify(s.scoreType)} (CMS's are Sum, GroupMin, GroupMul, GroupThreshold)`);
    return root;
  }
  const thresholds = s.scoreType === 'GroupThreshold';
  const subtasks = subtasksOf(s.parameters, s.count, where, thresholds);
  const inSubtask = new Set(subtasks.flatMap((st) => st.tests));
  subtasks.forEach((st, k) => {
    const group: TestGroup = {
      name: `subtask ${k}`,
      settings: groupSettings({
        onReject: 'continue',
        caseScores: true,
        // GroupThreshold: every test case correct (each AC or not: cms-checker.ts's thresholdVerdict), as the least.
        aggregation: s.scoreType === 'GroupMul' ? 'product' : 'min',
        maxScore: st.points,
      }),
      children: [...new Set(st.tests)]
        .sort((a, b) => a - b)
        .map((i) => ({ kind: 'test' as const, test: test(i, st.points, st.threshold) })),
    };
    root.children.push({ kind: 'group', group });
  });
  const none: string[] = [];
  for (let i = 0; i < s.count; i++)
    if (!inSubtask.has(i)) {
      root.children.push({ kind: 'test', test: test(i, 0) });
      none.push(codename(i));
    }
  if (none.length)
    notes.push(
      `test cases in no subtask are judged and score nothing, as in CMS: ${none.slice(0, 5).join(', ')}${none.length > 5 ? ', …' : ''}`,
    );
  return root;
}

/** Every test case's input and answer is in the package (a task whose gen/ has not been run has none). */
export function checkTestFiles(files: PackageFiles, count: number, from: string): void {
  if (count < 1) throw new InvalidRequestError('the task has no test case', from);
  const missing: string[] = [];
  for (let i = 0; i < count; i++)
    for (const p of [`input/input${i}.txt`, `output/output${i}.txt`]) if (files.kind(p) !== 'file') missing.push(p);
  if (missing.length)
    throw new InvalidRequestError(
      `${from} gives ${count} test cases, and the package does not hold ${missing.length} of their files (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): generate them first (CMS's cmsMake)`,
      'input/',
    );
}
