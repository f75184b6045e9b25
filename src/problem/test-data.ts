/**
 * A package's test data as a tree of groups: `data/` is the root group, `data/sample` then
 * `data/secret` its children, every directory below a group a nested group; a group's entries
 * (test cases `NAME.in` with `NAME.ans`, and subgroups) in lexicographic order of their names.
 * `data/invalid_*` and `data/valid_output` (input and output validator tests) are skipped.
 *
 * `testdata.yaml` settings (the file may be named `test_group.yaml`, as later 2023-07 drafts
 * call it) are inherited key by key from the parent group and overridden by a group's own file:
 *   on_reject: break | continue               (default break)
 *   grading: default | custom                 (custom: legacy, the package's grader aggregates
 *                                             the group; grader_flags are then its arguments)
 *   grader_flags: first_error | worst_error | always_accept, accept_if_any_accepted,
 *                 sum | min | max | avg, ignore_sample   (default worst_error sum, as the
 *                 legacy format's default grader; first_error in 2023-07 packages); one
 *                 setting, inherited whole: a group's own flags start from the defaults
 *   accept_score (1), reject_score (0), range "MIN MAX" (unbounded)
 *   score_aggregation: pass-fail | sum | min  (2023-07), max_score (2023-07)
 *   output_validator_flags / output_validator_args: appended to problem.yaml's validator_flags
 *   input_validator_flags / input_validator_args, full_feedback: accepted, not used
 *   static_validation: refused unless false
 * `range`, `max_score` and `score_aggregation` belong to their own group and are not inherited.
 *
 * 2025-09 (the format's final text, https://icpc.io/problem-package-format/spec/2025-09.html):
 *   - test data groups are the subdirectories of `data/secret` holding a `test_group.yaml` (then
 *     every subdirectory must be one, and no test sits directly in secret); any other
 *     directory, and every directory inside a group or `sample`, only holds test cases of the
 *     group around it (its tests are that group's, named by their path);
 *   - test_group.yaml's `output_validator_args` replace the inherited ones; the problem's
 *     constants are substituted in its text first;
 *   - scoring (a `scoring` problem): `secret` defaults to `score_aggregation: sum` and
 *     `max_score: 100`, its groups to `pass-fail` and `unbounded`; a test case's maximum is the
 *     group's maximum over its N tests for `sum`, the group's maximum for `min`; every test of a
 *     `sum` or `min` group runs (no stopping at a rejected one); `require_pass` runs a group only
 *     when the groups it names passed (group-grading.ts);
 *   - `static_validation_score` (a group's own, not inherited) adds the group's static
 *     validation test case, `<group>/static_validation`, first among its children, judged by the
 *     package's static validator (staticCase has the format's rules); in a `sum` group the other
 *     test cases share max_score less its score;
 *   - a test case's `.files` directory is copied into the submission's working directory (TestCase.files).
 * 2023-07 and 2025-09: `args` (test_group.yaml's, inherited and replaced key-wise like the
 * other settings, or a test case's own) are the submission's command-line arguments; a test
 * case's own `NAME.yaml` (`output_validator_args` and `args` replacing its group's; `hint`,
 * `description`, `full_feedback`, the validators' and visualizers' args accepted, not used).
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors';
import { MAX_TEST_FILE_DEPTH, MAX_TEST_FILES } from '../judge/test-file-schema';
import type { GroupChild as GenericChild, GroupSettings, TestGroup as GenericGroup } from '../judge/group-grading';
import { flagWords } from './default-validator';
import type { PackageFiles } from './package-files';
import { substituteConstants, type LegacyGrading } from './problem-yaml';
import { checkYaml, parseYaml, yamlBoolean } from './yaml-file';

export type { Aggregation, GroupSettings, VerdictRule } from '../judge/group-grading';

export interface TestCase {
  /** "secret/group1/01": the path below data/ without ".in". */
  name: string;
  inPath: string;
  ansPath: string;
  /** Its own `NAME.yaml`'s output_validator_args, replacing its group's. */
  validatorFlags?: string[];
  /** The submission's command-line arguments (`args`: its own NAME.yaml's, else its group's); absent when none. */
  args?: string[];
  /**
   * 2025-09: the files of its `NAME.files` directory, put in the submission's working directory
   * for this test (`path` there, `rel` in the package); absent when it has none.
   */
  files?: TestFileRef[];
  /** A CMS task under GroupThreshold: its subtask's threshold, what its outcome must not pass (cms-scoring.ts). */
  cmsThreshold?: number;
  /** 2025-09 scoring: the test case's maximum score (Infinity in an unbounded group). */
  maxScore?: number;
  /** 2025-09 scoring: its group aggregates `pass-fail` (a score file of its validator is then a judge error). */
  passFail?: true;
  /**
   * 2025-09: the group's static validation test case (`static_validation_score`), its
   * `static_validator_args`: the static validator judges the submission's files; it has no
   * input or answer (inPath and ansPath are empty).
   */
  staticValidation?: { args: string[] };
}

/** How a package's test data is read: its format, and the problem's constants (2025-09). */
export interface TestDataFormat {
  format: 'legacy' | '2023-07' | '2025-09';
  scoring: boolean;
  constants: Record<string, Record<string, string>>;
  /** 2025-09: the package has a static validator (`static_validator/`). */
  staticValidator?: boolean;
  /** Legacy: the package has a grader (`graders/`). */
  grader?: boolean;
  /** Legacy: problem.yaml's grading keys, set in every group over its testdata.yaml (problemtools' order). */
  legacyGrading?: LegacyGrading | null;
}

export type GroupChild = GenericChild<TestCase>;
export type TestGroup = GenericGroup<TestCase>;

const score = z.number().finite();
const words = z.union([z.string(), z.array(z.string())]);
const argsMap = z.union([words, z.record(z.string(), words)]);
const testdataSchema = z.strictObject({
  on_reject: z.enum(['break', 'continue']).optional(),
  grading: z.enum(['default', 'custom']).optional(),
  grader_flags: z.string().optional(),
  accept_score: score.optional(),
  reject_score: score.optional(),
  range: z.string().optional(),
  score_aggregation: z.enum(['pass-fail', 'sum', 'min']).optional(),
  max_score: z.union([z.number().min(0).finite(), z.literal('unbounded')]).optional(),
  // An earlier 2023-07 draft's form of max_score and score_aggregation (the format's own scoring example).
  scoring: z
    .strictObject({
      score: z.union([z.number().min(0).finite(), z.literal('unbounded')]).optional(),
      aggregation: z.enum(['pass-fail', 'sum', 'min']).optional(),
    })
    .optional(),
  require_pass: words.optional(),
  args: words.optional(),
  input_validator_flags: words.optional(),
  input_validator_args: argsMap.optional(),
  output_validator_flags: words.optional(),
  output_validator_args: words.optional(),
  input_visualizer_args: words.optional(),
  output_visualizer_args: words.optional(),
  static_validator_args: words.optional(),
  static_validation_score: z.union([z.number(), z.literal('pass-fail')]).optional(),
  full_feedback: yamlBoolean.optional(),
  static_validation: z.unknown().optional(),
});

export interface TestFileRef {
  /** Below the working directory, "/"-separated. */
  path: string;
  /** In the package. */
  rel: string;
}

/**
 * The files below a test case's `NAME.files` directory, every one (hidden ones too: the format
 * copies "all files"), in name order; anything but files and directories is refused, as is a
 * tree the wire cannot carry (more than 1000 files, deeper than 16, a path over 1024 bytes).
 */
function listTestFiles(files: PackageFiles, dir: string): TestFileRef[] {
  if (files.kind(dir) !== 'dir') throw new InvalidRequestError("must be a directory (the test case's input files)", dir);
  const out: TestFileRef[] = [];
  const walk = (rel: string, prefix: string, depth: number): void => {
    for (const e of files.list(rel)) {
      const at = `${rel}/${e.name}`;
      const p = prefix ? `${prefix}/${e.name}` : e.name;
      if (depth > MAX_TEST_FILE_DEPTH || Buffer.byteLength(p) > 1024)
        throw new InvalidRequestError(`is deeper than ${MAX_TEST_FILE_DEPTH} levels or its path longer than 1024 bytes`, at);
      if (e.kind === 'dir') walk(at, p, depth + 1);
      else if (e.kind === 'file') out.push({ path: p, rel: at });
      else throw new InvalidRequestError('is neither a file nor a directory', at);
      if (out.length > MAX_TEST_FILES) throw new InvalidRequestError(`holds more than ${MAX_TEST_FILES} files`, dir);
    }
  };
  walk(dir, '', 1);
  return out;
}

/** A test case's own `NAME.yaml` (2023-07, 2025-09). */
const testCaseSchema = z.strictObject({
  args: words.optional(),
  input_validator_args: argsMap.optional(),
  output_validator_args: words.optional(),
  input_visualizer_args: words.optional(),
  output_visualizer_args: words.optional(),
  full_feedback: yamlBoolean.optional(),
  hint: z.string().optional(),
  description: z.string().optional(),
});

const wordList = (w: string | string[]) => (typeof w === 'string' ? flagWords(w) : w);

/** The submission's arguments of each group's settings (inherited from the parent's unless its file gives them). */
const argsOf = new WeakMap<GroupSettings, string[]>();

/** A group's own static validation test case (2025-09; not inherited): its maximum score or `pass-fail`, and its args. */
const staticOf = new WeakMap<GroupSettings, { score: number | 'pass-fail'; args: string[] }>();

/** The name of a group's static validation test case, below the group's. */
export const STATIC_VALIDATION_NAME = 'static_validation';

/** `args` as a list, within what a test case carries (src/judge/schema.ts: 64 of at most 4096 characters, no NUL). */
function submissionArgs(args: string | string[], file: string, key = 'args'): string[] {
  const list = wordList(args);
  if (list.length > 64 || list.some((a) => a.length > 4096 || a.includes('\0')))
    throw new InvalidRequestError(`${key}: at most 64 arguments of at most 4096 characters each, without NUL`, file);
  return list;
}

const SETTINGS_FILES = ['testdata.yaml', 'test_group.yaml'];
/** data/ directories of the format's that hold no test cases (examples for the validators). */
export const SKIPPED_DATA_DIRS = new Set(['invalid_input', 'invalid_answer', 'invalid_output', 'valid_output']);
/** data/bad: BAPCtools' older directory of invalid inputs beside sample/ and secret/, no test cases (a note says so: data-notes.ts). */
export const BAD_INPUTS_DIR = 'bad';

/** A group's settings file: `testdata.yaml`, or `test_group.yaml` (its name in later 2023-07 drafts); both is refused. */
function settingsFile(files: PackageFiles, dir: string): string | null {
  const [found, ...more] = SETTINGS_FILES.map((n) => `${dir}/${n}`).filter((f) => files.kind(f) === 'file');
  if (more.length) throw new InvalidRequestError(`holds both ${SETTINGS_FILES.join(' and ')}: keep one`, dir);
  return found ?? null;
}

/**
 * `dir`'s group settings. 2025-09 has no on_reject: in a scoring problem every test of a sum or
 * min group runs, and a rejected sample does not stop secret; a pass-fail group (or problem)
 * stops at its first rejection, after which its score is 0 whatever follows.
 */
function readSettings(files: PackageFiles, dir: string, parent: GroupSettings, fmt: TestDataFormat): GroupSettings {
  const own = settingsOf(files, dir, parent, fmt);
  if (fmt.format === '2025-09')
    own.onReject = fmt.scoring && (own.aggregation !== 'pass-fail' || dir === 'data/sample') ? 'continue' : 'break';
  return own;
}

function settingsOf(files: PackageFiles, dir: string, parent: GroupSettings, fmt: TestDataFormat): GroupSettings {
  return withLegacyGrading(ownSettings(files, dir, parent, fmt), fmt.legacyGrading);
}

/**
 * What grader_flags set, at their defaults: the legacy format's default grader (and
 * problemtools', Kattis's) aggregates verdicts by worst_error; 2023-07 and 2025-09 name no
 * verdict rule: the first rejection.
 */
function graderFlagDefaults(fmt: TestDataFormat): Pick<GroupSettings, 'verdictRule' | 'aggregation' | 'ignoreSample'> {
  return { verdictRule: fmt.format === 'legacy' ? 'worst_error' : 'first_error', aggregation: 'sum', ignoreSample: false };
}

function ownSettings(files: PackageFiles, dir: string, parent: GroupSettings, fmt: TestDataFormat): GroupSettings {
  // grader_flags' verdict rule and aggregation are inherited like the other settings.
  const aggregation = parent.aggregation === 'pass-fail' ? 'sum' : parent.aggregation;
  const own: GroupSettings = { ...parent, range: [-Infinity, Infinity], maxScore: null, aggregation, requirePass: [] };
  if (fmt.format === '2025-09') casesDefaults(own, dir);
  argsOf.set(own, argsOf.get(parent) ?? []);
  const file = settingsFile(files, dir);
  if (!file) return own;
  const text = files.read(file).toString('utf8');
  const t = checkYaml(testdataSchema, parseYaml(fmt.format === '2025-09' ? substituteConstants(text, fmt.constants) : text, file), file);
  if (t.grading === 'custom') own.customGrader = { flags: [] };
  else if (t.grading === 'default') delete own.customGrader;
  if (own.customGrader) customGrading(fmt, file);
  if (t.static_validation !== undefined && t.static_validation !== false)
    throw new InvalidRequestError('static_validation is not supported', file);
  if (t.args !== undefined) argsOf.set(own, submissionArgs(t.args, file));
  if (t.require_pass !== undefined) own.requirePass = wordList(t.require_pass);
  if (t.on_reject) own.onReject = t.on_reject;
  if (t.accept_score !== undefined) own.acceptScore = t.accept_score;
  if (t.reject_score !== undefined) own.rejectScore = t.reject_score;
  // A custom grader's flags are its own arguments, inherited like the other settings.
  if (own.customGrader && t.grader_flags !== undefined) own.customGrader = { flags: flagWords(t.grader_flags) };
  // grader_flags is one setting, inherited whole from the nearest group that has it (the
  // format's rule for every key): a group's own flags start again from the defaults.
  if (!own.customGrader && t.grader_flags !== undefined) {
    Object.assign(own, graderFlagDefaults(fmt));
    delete own.acceptIfAnyAccepted;
  }
  for (const f of own.customGrader ? [] : flagWords(t.grader_flags ?? '')) {
    if (f === 'first_error' || f === 'worst_error' || f === 'always_accept') own.verdictRule = f;
    else if (f === 'accept_if_any_accepted') own.acceptIfAnyAccepted = true;
    else if (f === 'sum' || f === 'min' || f === 'max' || f === 'avg') own.aggregation = f;
    else if (f === 'ignore_sample') own.ignoreSample = true;
    else throw new InvalidRequestError(`grader_flags: unknown flag ${JSON.stringify(f)}`, file);
  }
  if (t.scoring && (t.score_aggregation !== undefined || t.max_score !== undefined))
    throw new InvalidRequestError('give scoring (an earlier draft form) or score_aggregation and max_score, not both', file);
  const aggregationOf = t.score_aggregation ?? t.scoring?.aggregation;
  const maxOf = t.max_score ?? t.scoring?.score;
  if (aggregationOf) own.aggregation = aggregationOf;
  if (maxOf !== undefined) own.maxScore = maxOf === 'unbounded' ? Infinity : maxOf;
  if (t.range !== undefined) own.range = rangeOf(t.range, file);
  const out = t.output_validator_flags ?? t.output_validator_args;
  // 2025-09: a group's args replace the inherited ones; the older formats append them to problem.yaml's.
  if (out !== undefined) own.validatorFlags = [...(fmt.format === '2025-09' ? [] : parent.validatorFlags), ...wordList(out)];
  if (t.static_validation_score !== undefined || t.static_validator_args !== undefined)
    staticOf.set(own, staticCase(t, own, dir, file, fmt));
  return own;
}

/** Legacy problem.yaml's grading keys, over the group's own (problemtools sets them after reading testdata.yaml). */
function withLegacyGrading(own: GroupSettings, g: LegacyGrading | null | undefined): GroupSettings {
  if (!g) return own;
  if (g.acceptScore !== undefined) own.acceptScore = g.acceptScore;
  if (g.rejectScore !== undefined) own.rejectScore = g.rejectScore;
  if (g.range !== undefined) own.range = rangeOf(g.range, 'problem.yaml');
  if (g.onReject !== undefined) own.onReject = g.onReject;
  return own;
}

/** A `range`: "MIN MAX", each a number or inf, -inf, +inf. */
function rangeOf(text: string, file: string): [number, number] {
  const [lo, hi, extra] = flagWords(text).map((w) => Number(w.replace(/^\+?inf$/, 'Infinity').replace(/^-inf$/, '-Infinity')));
  if (lo === undefined || hi === undefined || extra !== undefined || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi)
    throw new InvalidRequestError(`range: must be "MIN MAX" (got ${JSON.stringify(text)})`, file);
  return [lo, hi];
}

/** Legacy `grading: custom`: only in a legacy scoring problem with a grader (the format's rules). */
function customGrading(fmt: TestDataFormat, file: string): void {
  if (fmt.format !== 'legacy')
    throw new InvalidRequestError('grading: custom is a legacy feature (2023-07 and 2025-09 have no graders)', file);
  if (!fmt.scoring) throw new InvalidRequestError('grading: custom needs a scoring problem (graders are for scoring problems only)', file);
  if (!fmt.grader) throw new InvalidRequestError('grading: custom needs a grader: the package has no graders/', file);
}

/**
 * 2025-09: a group's static validation test case, checked as the format's text says: a static
 * validator must exist; `static_validator_args` need a `static_validation_score`; a score (a
 * non-negative integer, at most the group's max_score) needs a scoring problem and a `sum` or
 * `min` group; `pass-fail` needs a pass-fail group or problem. It belongs to data/sample,
 * data/secret or a test data group.
 */
function staticCase(
  t: z.infer<typeof testdataSchema>,
  own: GroupSettings,
  dir: string,
  file: string,
  fmt: TestDataFormat,
): { score: number | 'pass-fail'; args: string[] } {
  const refuse = (why: string) => new InvalidRequestError(why, file);
  if (fmt.format !== '2025-09') throw refuse('static validation (static_validation_score) is a 2025-09 feature (problem_format_version)');
  if (dir === 'data') throw refuse('static validation belongs to data/sample, data/secret or a test data group, not data/');
  if (!fmt.staticValidator) throw refuse('static_validation_score needs a static validator: the package has no static_validator/');
  const score = t.static_validation_score;
  if (score === undefined) throw refuse('static_validator_args without static_validation_score');
  if (score === 'pass-fail') {
    if (fmt.scoring && own.aggregation !== 'pass-fail')
      throw refuse(
        `static_validation_score: pass-fail needs score_aggregation: pass-fail (this group's is ${own.aggregation}) or a pass-fail problem`,
      );
  } else {
    if (!Number.isInteger(score) || score < 0)
      throw refuse(`static_validation_score: must be a non-negative integer or pass-fail (got ${score})`);
    if (!fmt.scoring) throw refuse('static_validation_score: a score needs a scoring problem (give pass-fail)');
    if (own.aggregation === 'pass-fail')
      throw refuse("static_validation_score: a score needs sum or min aggregation (this group's is pass-fail)");
    if (own.maxScore !== null && score > own.maxScore)
      throw refuse(`static_validation_score (${score}) is above the group's max_score (${own.maxScore})`);
  }
  const args = t.static_validator_args === undefined ? [] : submissionArgs(t.static_validator_args, file, 'static_validator_args');
  return { score, args };
}

/**
 * 2025-09's defaults for `dir`'s group: `secret` sums up to 100, its groups are pass-fail and
 * unbounded; every group scores its test cases' scores (group-grading.ts `caseScores`).
 */
function casesDefaults(own: GroupSettings, dir: string): void {
  own.caseScores = true;
  own.aggregation = dir === 'data/secret' || dir === 'data' ? 'sum' : 'pass-fail';
  own.maxScore = dir === 'data/secret' ? 100 : dir === 'data' ? null : Infinity;
}

/** Whether directory `name` among a directory's `names` is a test case's `.files` (its `NAME.in` is there). */
function isFilesDir(name: string, names: ReadonlySet<string>): boolean {
  return name.endsWith('.files') && names.has(`${name.slice(0, -6)}.in`);
}

/** A test case's own `NAME.yaml`: its output validator args and args (2023-07, 2025-09); other keys checked and unused. */
function readTestCaseYaml(files: PackageFiles, rel: string): { flags?: string[]; args?: string[] } {
  const t = checkYaml(testCaseSchema, parseYaml(files.read(rel).toString('utf8'), rel), rel);
  return {
    ...(t.output_validator_args === undefined ? {} : { flags: wordList(t.output_validator_args) }),
    ...(t.args === undefined ? {} : { args: submissionArgs(t.args, rel) }),
  };
}

/**
 * The group of directory `dir`. Its subdirectories are groups of their own in every format but
 * 2025-09, where only secret's subdirectories with a test_group.yaml are; otherwise their test
 * cases are this group's.
 */
function readGroup(files: PackageFiles, dir: string, name: string, parent: GroupSettings, fmt: TestDataFormat): TestGroup {
  const settings = readSettings(files, dir, parent, fmt);
  const children: GroupChild[] = [];
  const subgroups = fmt.format !== '2025-09' || (dir === 'data/secret' && secretHasGroups(files));
  const collect = (at: string, prefix: string): void => {
    const entries = files.list(at);
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const rel = `${at}/${e.name}`;
      const childName = `${prefix}/${e.name}`;
      if (e.kind === 'dir' && isFilesDir(e.name, names)) {
        // 2025-09: its test case's input files (read with it below); earlier versions have none.
        if (fmt.format === 'legacy' || fmt.format === '2025-09') continue;
        throw new InvalidRequestError("a test case's .files directory is a 2025-09 feature (problem_format_version)", rel);
      }
      if (e.kind === 'dir' && subgroups) {
        children.push({ kind: 'group', group: readGroup(files, rel, childName, settings, fmt) });
      } else if (e.kind === 'dir') {
        if (settingsFile(files, rel) !== null)
          throw new InvalidRequestError('a test data group must be a direct subdirectory of data/secret (2025-09)', rel);
        collect(rel, childName);
      } else if (e.kind === 'file' && e.name.endsWith('.in')) {
        const base = e.name.slice(0, -3);
        if (!names.has(`${base}.ans`)) throw new InvalidRequestError(`has no matching ${base}.ans`, rel);
        const test: TestCase = { name: childName.slice(0, -3), inPath: rel, ansPath: `${at}/${base}.ans` };
        const own = fmt.format !== 'legacy' && names.has(`${base}.yaml`) ? readTestCaseYaml(files, `${at}/${base}.yaml`) : {};
        if (own.flags) test.validatorFlags = own.flags;
        if (fmt.format === '2025-09' && names.has(`${base}.files`)) test.files = listTestFiles(files, `${at}/${base}.files`);
        const args = own.args ?? argsOf.get(settings) ?? [];
        if (args.length) test.args = args;
        children.push({ kind: 'test', test });
      }
    }
  };
  collect(dir, name);
  const own = staticOf.get(settings);
  const staticTest: TestCase | null = own
    ? { name: `${name}/${STATIC_VALIDATION_NAME}`, inPath: '', ansPath: '', staticValidation: { args: own.args } }
    : null;
  if (staticTest) {
    const clash = children.find((c) => c.kind === 'test' && c.test.name === staticTest.name);
    if (clash)
      throw new InvalidRequestError(
        `is named as the group's static validation test case: rename it`,
        (clash as { test: TestCase }).test.inPath,
      );
    // Run first: it needs no test data, and the format lists it with the group.
    children.unshift({ kind: 'test', test: staticTest });
  }
  if (settings.caseScores) {
    // 2025-09: each test case's maximum score (group-grading.ts scores it); a sum group's test
    // cases share its max_score less the static validation's.
    const tests = children.flatMap((c) => (c.kind === 'test' && c.test !== staticTest ? [c.test] : []));
    const max = settings.maxScore ?? Infinity;
    const staticMax = typeof own?.score === 'number' ? own.score : 0;
    for (const t of tests) {
      t.maxScore = settings.aggregation === 'sum' ? (max - staticMax) / tests.length : max;
      if (settings.aggregation === 'pass-fail') t.passFail = true;
    }
    if (staticTest) {
      staticTest.maxScore = typeof own?.score === 'number' ? own.score : max;
      if (settings.aggregation === 'pass-fail') staticTest.passFail = true;
    }
  }
  return { name, settings, children };
}

/**
 * 2025-09: data/secret holds test data groups (subdirectories with a test_group.yaml); then every
 * subdirectory must be one and no test case may sit directly in secret.
 */
function secretHasGroups(files: PackageFiles): boolean {
  const entries = files.list('data/secret');
  const names = new Set(entries.map((e) => e.name));
  const dirs = entries.filter((e) => e.kind === 'dir' && !isFilesDir(e.name, names));
  const groups = dirs.filter((e) => settingsFile(files, `data/secret/${e.name}`) !== null);
  if (!groups.length) return false;
  const plain = dirs.find((e) => !groups.includes(e));
  if (plain)
    throw new InvalidRequestError(
      'data/secret holds test data groups, so each of its subdirectories must be one (this has no test_group.yaml)',
      `data/secret/${plain.name}`,
    );
  const loose = entries.find((e) => e.kind === 'file' && e.name.endsWith('.in'));
  if (loose)
    throw new InvalidRequestError(
      'data/secret holds test data groups, so no test case may sit directly in it',
      `data/secret/${loose.name}`,
    );
  return true;
}

/**
 * The test tree with every group running on after a rejection (on_reject: continue), so that
 * every test is judged. A 2025-09 package's verdicts and scores stay the same (its scoring
 * groups run every test anyway; a pass-fail group's verdict is its first rejection and its
 * score 0 either way); in a legacy or 2023-07 package, `worst_error` (legacy's default) and the
 * score aggregations then see every test. With `ignoreRequirePass`, no group waits on another
 * either (the time limit's derivation wants every test's time).
 */
export function runningEveryTest(g: TestGroup, opts: { ignoreRequirePass?: boolean } = {}): TestGroup {
  return {
    ...g,
    settings: { ...g.settings, onReject: 'continue', ...(opts.ignoreRequirePass ? { requirePass: [] } : {}) },
    // A child that stops its group when rejected (stopsOnReject) does not either.
    children: g.children.map((c) =>
      c.kind === 'group' ? { kind: 'group', group: runningEveryTest(c.group, opts) } : { kind: 'test', test: c.test },
    ),
  };
}

/** The root group `data` with `sample` first, then `secret`; problem-wide flags at the root. */
export function readTestData(
  files: PackageFiles,
  validatorFlags: string[],
  fmt: TestDataFormat = { format: 'legacy', scoring: false, constants: {} },
): TestGroup {
  if (files.kind('data') !== 'dir') throw new InvalidRequestError('the package has no data/ directory', 'data');
  const base: GroupSettings = {
    onReject: 'break',
    ...graderFlagDefaults(fmt),
    acceptScore: 1,
    rejectScore: 0,
    range: [-Infinity, Infinity],
    maxScore: null,
    validatorFlags,
    requirePass: [],
  };
  const settings = readSettings(files, 'data', base, fmt);
  const children: GroupChild[] = [];
  for (const e of files.list('data')) {
    if (e.kind === 'file' && (SETTINGS_FILES.includes(e.name) || !e.name.endsWith('.in'))) continue;
    if (e.kind === 'dir' && (SKIPPED_DATA_DIRS.has(e.name) || e.name === BAD_INPUTS_DIR)) continue;
    if (e.kind !== 'dir' || (e.name !== 'sample' && e.name !== 'secret'))
      throw new InvalidRequestError('data/ may hold only sample/ and secret/ (and testdata.yaml)', `data/${e.name}`);
  }
  for (const g of ['sample', 'secret']) {
    if (files.kind(`data/${g}`) === 'dir') children.push({ kind: 'group', group: readGroup(files, `data/${g}`, g, settings, fmt) });
  }
  const root: TestGroup = { name: 'data', settings, children };
  if (countTests(root) === 0) throw new InvalidRequestError('the package has no test cases (NAME.in with NAME.ans)', 'data');
  checkGroups(root, fmt);
  return root;
}

/** Every group's `require_pass` names an earlier group; 2025-09 scoring: a bounded secret needs bounded groups. */
function checkGroups(root: TestGroup, fmt: TestDataFormat): void {
  const seen = new Map<string, TestGroup>();
  const visit = (g: TestGroup, parent: TestGroup | null) => {
    for (const r of g.settings.requirePass) {
      const required = seen.get(r);
      if (!required || r === 'data' || parent === null)
        throw new InvalidRequestError(
          `require_pass: ${JSON.stringify(r)} is not a test data group before ${g.name} (nor sample)`,
          `data/${g.name}`,
        );
      if (fmt.format === '2025-09' && required.settings.aggregation !== 'pass-fail')
        throw new InvalidRequestError(`require_pass: ${r} must have pass-fail aggregation`, `data/${g.name}`);
    }
    if (
      fmt.format === '2025-09' &&
      fmt.scoring &&
      parent?.name === 'secret' &&
      g.settings.maxScore === Infinity &&
      parent.settings.maxScore !== Infinity
    )
      throw new InvalidRequestError(
        `needs a max_score: secret's is bounded (${parent.settings.maxScore}), so each of its groups' must be`,
        `data/${g.name}`,
      );
    seen.set(g.name, g);
    for (const c of g.children) if (c.kind === 'group') visit(c.group, g);
  };
  visit(root, null);
}

export function countTests(g: TestGroup): number {
  let n = 0;
  for (const c of g.children) n += c.kind === 'test' ? 1 : countTests(c.group);
  return n;
}
