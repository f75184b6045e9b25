/**
 * A package's test data as a tree of groups: `data/` is the root group, `data/sample` then
 * `data/secret` its children, every directory below a group a nested group; a group's entries
 * (test cases `NAME.in` with `NAME.ans`, and subgroups) in lexicographic order of their names.
 * `data/invalid_*` and `data/valid_output` (input and output validator tests) are skipped.
 *
 * `testdata.yaml` settings (the file may be named `test_group.yaml`, as later 2023-07 drafts
 * call it) are inherited key by key from the parent group and overridden by a group's own file:
 *   on_reject: break | continue               (default break)
 *   grading: default                          (custom graders are refused)
 *   grader_flags: first_error | worst_error | accept_if_any_accepted | always_accept,
 *                 sum | min | max | avg, ignore_sample   (default first_error sum)
 *   accept_score (1), reject_score (0), range "MIN MAX" (unbounded)
 *   score_aggregation: pass-fail | sum | min  (2023-07), max_score (2023-07)
 *   output_validator_flags / output_validator_args: appended to problem.yaml's validator_flags
 *   input_validator_flags / input_validator_args, full_feedback: accepted, not used
 *   static_validation: refused unless false
 * `range`, `max_score` and `score_aggregation` belong to their own group and are not inherited.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors';
import type { GroupChild as GenericChild, GroupSettings, TestGroup as GenericGroup } from '../judge/group-grading';
import { flagWords } from './default-validator';
import type { PackageFiles } from './package-files';
import { checkYaml, parseYaml } from './yaml-file';

export type { Aggregation, GroupSettings, VerdictRule } from '../judge/group-grading';

export interface TestCase {
  /** "secret/group1/01": the path below data/ without ".in". */
  name: string;
  inPath: string;
  ansPath: string;
}

export type GroupChild = GenericChild<TestCase>;
export type TestGroup = GenericGroup<TestCase>;

const score = z.number().finite();
const words = z.union([z.string(), z.array(z.string())]);
const testdataSchema = z.strictObject({
  on_reject: z.enum(['break', 'continue']).optional(),
  grading: z.enum(['default', 'custom']).optional(),
  grader_flags: z.string().optional(),
  accept_score: score.optional(),
  reject_score: score.optional(),
  range: z.string().optional(),
  score_aggregation: z.enum(['pass-fail', 'sum', 'min']).optional(),
  max_score: z.number().min(0).finite().optional(),
  input_validator_flags: words.optional(),
  input_validator_args: words.optional(),
  output_validator_flags: words.optional(),
  output_validator_args: words.optional(),
  full_feedback: z.boolean().optional(),
  static_validation: z.unknown().optional(),
});

const SETTINGS_FILES = ['testdata.yaml', 'test_group.yaml'];
const SKIPPED_DATA_DIRS = new Set(['invalid_input', 'invalid_answer', 'invalid_output', 'valid_output']);

/** A group's settings file: `testdata.yaml`, or `test_group.yaml` (its name in later 2023-07 drafts); both is refused. */
function settingsFile(files: PackageFiles, dir: string): string | null {
  const [found, ...more] = SETTINGS_FILES.map((n) => `${dir}/${n}`).filter((f) => files.kind(f) === 'file');
  if (more.length) throw new InvalidRequestError(`holds both ${SETTINGS_FILES.join(' and ')}: keep one`, dir);
  return found ?? null;
}

function readSettings(files: PackageFiles, dir: string, parent: GroupSettings): GroupSettings {
  // grader_flags' verdict rule and aggregation are inherited like the other settings.
  const aggregation = parent.aggregation === 'pass-fail' ? 'sum' : parent.aggregation;
  const own: GroupSettings = { ...parent, range: [-Infinity, Infinity], maxScore: null, aggregation };
  const file = settingsFile(files, dir);
  if (!file) return own;
  const t = checkYaml(testdataSchema, parseYaml(files.read(file).toString('utf8'), file), file);
  if (t.grading === 'custom') throw new InvalidRequestError('grading: custom (custom graders) is not supported', file);
  if (t.static_validation !== undefined && t.static_validation !== false)
    throw new InvalidRequestError('static_validation is not supported', file);
  if (t.on_reject) own.onReject = t.on_reject;
  if (t.accept_score !== undefined) own.acceptScore = t.accept_score;
  if (t.reject_score !== undefined) own.rejectScore = t.reject_score;
  for (const f of flagWords(t.grader_flags ?? '')) {
    if (f === 'first_error' || f === 'worst_error' || f === 'accept_if_any_accepted' || f === 'always_accept') own.verdictRule = f;
    else if (f === 'sum' || f === 'min' || f === 'max' || f === 'avg') own.aggregation = f;
    else if (f === 'ignore_sample') own.ignoreSample = true;
    else throw new InvalidRequestError(`grader_flags: unknown flag ${JSON.stringify(f)}`, file);
  }
  if (t.score_aggregation) own.aggregation = t.score_aggregation;
  if (t.max_score !== undefined) own.maxScore = t.max_score;
  if (t.range !== undefined) {
    const [lo, hi, extra] = flagWords(t.range).map((w) => Number(w.replace(/^\+?inf$/, 'Infinity').replace(/^-inf$/, '-Infinity')));
    if (lo === undefined || hi === undefined || extra !== undefined || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi)
      throw new InvalidRequestError(`range: must be "MIN MAX" (got ${JSON.stringify(t.range)})`, file);
    own.range = [lo, hi];
  }
  const out = t.output_validator_flags ?? t.output_validator_args;
  if (out !== undefined) own.validatorFlags = [...parent.validatorFlags, ...(typeof out === 'string' ? flagWords(out) : out)];
  return own;
}

function readGroup(files: PackageFiles, dir: string, name: string, parent: GroupSettings): TestGroup {
  const settings = readSettings(files, dir, parent);
  const children: GroupChild[] = [];
  const entries = files.list(dir);
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries) {
    const rel = `${dir}/${e.name}`;
    const childName = name === 'data' ? e.name : `${name}/${e.name}`;
    if (e.kind === 'dir') {
      children.push({ kind: 'group', group: readGroup(files, rel, childName, settings) });
    } else if (e.kind === 'file' && e.name.endsWith('.in')) {
      const base = e.name.slice(0, -3);
      if (!names.has(`${base}.ans`)) throw new InvalidRequestError(`has no matching ${base}.ans`, rel);
      children.push({ kind: 'test', test: { name: childName.slice(0, -3), inPath: rel, ansPath: `${dir}/${base}.ans` } });
    }
  }
  return { name, settings, children };
}

/** The root group `data` with `sample` first, then `secret`; problem-wide flags at the root. */
export function readTestData(files: PackageFiles, validatorFlags: string[]): TestGroup {
  if (files.kind('data') !== 'dir') throw new InvalidRequestError('the package has no data/ directory', 'data');
  const base: GroupSettings = {
    onReject: 'break',
    verdictRule: 'first_error',
    aggregation: 'sum',
    ignoreSample: false,
    acceptScore: 1,
    rejectScore: 0,
    range: [-Infinity, Infinity],
    maxScore: null,
    validatorFlags,
  };
  const settings = readSettings(files, 'data', base);
  const children: GroupChild[] = [];
  for (const e of files.list('data')) {
    if (e.kind === 'file' && (SETTINGS_FILES.includes(e.name) || !e.name.endsWith('.in'))) continue;
    if (e.kind === 'dir' && SKIPPED_DATA_DIRS.has(e.name)) continue;
    if (e.kind !== 'dir' || (e.name !== 'sample' && e.name !== 'secret'))
      throw new InvalidRequestError('data/ may hold only sample/ and secret/ (and testdata.yaml)', `data/${e.name}`);
  }
  for (const g of ['sample', 'secret']) {
    if (files.kind(`data/${g}`) === 'dir') children.push({ kind: 'group', group: readGroup(files, `data/${g}`, g, settings) });
  }
  const root: TestGroup = { name: 'data', settings, children };
  if (countTests(root) === 0) throw new InvalidRequestError('the package has no test cases (NAME.in with NAME.ans)', 'data');
  return root;
}

export function countTests(g: TestGroup): number {
  let n = 0;
  for (const c of g.children) n += c.kind === 'test' ? 1 : countTests(c.group);
  return n;
}
