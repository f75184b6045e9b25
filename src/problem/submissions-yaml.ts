/**
 * `submissions/submissions.yaml` of a 2025-09 package ("Example submissions"): what the
 * package's own submissions are expected to get, and their language and entry point.
 *
 * Its top-level keys are globs over the paths below `submissions/` (a file, or a directory
 * submission); each maps to `language`, `entrypoint`, `authors`, `model_solution`, the
 * requirements `permitted`, `required`, `score`, `message`, `use_for_time_limit`, and, under
 * keys naming test data groups or test cases (globs over paths below `data/`), the same
 * requirements for only those tests. The format's default requirements for the directories
 * (`accepted`, `rejected`, `wrong_answer`, `time_limit_exceeded`, `run_time_error`,
 * `brute_force`) always apply; a key naming such a directory changes the keys it gives and
 * inherits the others. Every requirement of every glob matching a submission applies to it.
 *
 * Globs: `*` matches within one name (never `/`), `{a,b}` expands (nested too; blanks around
 * the alternatives are dropped, as BAPCtools does), a trailing `/` is ignored, `**` and `[…]`
 * are refused (the format does not support them); a glob matches a path when it matches the
 * path itself or one of its parent directories (`accepted` matches `accepted/a.py`).
 *
 * Used by the time limit's derivation (time-limit.ts: `lower`/`upper` bounds) and by `caged
 * judge`, which reports whether a package submission met its requirements (checkExpectations).
 */
import { z } from 'zod';
import { InvalidRequestError } from '../errors';
import { kotlinFileClass } from '../judge/entry-point';
import type { JudgeResult, ProblemInfo } from '../judge/schema';
import { FORMAT_CODES, languageIdOfCode, type KnownLanguages } from './extensions';
import type { PackageFiles } from './package-files';
import { checkYaml, parseYaml, yamlBoolean } from './yaml-file';

export const SUBMISSIONS_YAML = 'submissions/submissions.yaml';

/** The format's four verdicts of expectations; caged's others are read as one of them (expectationVerdict). */
export const EXPECTATION_VERDICTS = ['AC', 'WA', 'TLE', 'RTE'] as const;
export type ExpectationVerdict = (typeof EXPECTATION_VERDICTS)[number];

/** Requirements on a set of test cases (all of a submission's, or those a test glob names). */
export interface Expectation {
  /** The test glob as written; null: every test case. */
  tests: string | null;
  testPattern: RegExp | null;
  permitted: ReadonlySet<ExpectationVerdict>;
  /** At least one test case must get one of these (default: `permitted`). */
  required: ReadonlySet<ExpectationVerdict>;
  /** The score (of the submission, or of each group the test glob names): [low, high], inclusive. */
  score?: [number, number];
  /** A substring of the judge message of at least one test case. */
  message?: string;
  /** Bounds the time limit from below (a `permitted` without TLE, or `use_for_time_limit: lower`). */
  lower: boolean;
  /** Bounds it from above (`required: [TLE]`, or `use_for_time_limit: upper`). */
  upper: boolean;
  /** Why it bounds the time limit, for notes: `not permitted TLE`, `required TLE`, `use_for_time_limit: lower`… */
  why: string;
}

export interface SubmissionRule {
  /** The glob as written (or a default directory's name). */
  glob: string;
  pattern: RegExp;
  language?: string;
  entrypoint?: string;
  expectations: Expectation[];
}

/** What applies to one submission: every matching rule's requirements, and its language and entry point. */
export interface SubmissionExpectations {
  language?: string;
  entrypoint?: string;
  expectations: Expectation[];
}

const verdictList = z.array(z.enum(EXPECTATION_VERDICTS)).min(1);
const requirementKeys = {
  permitted: verdictList.optional(),
  required: verdictList.optional(),
  score: z.union([z.number(), z.tuple([z.number(), z.number()])]).optional(),
  message: z.string().optional(),
  use_for_time_limit: z.union([yamlBoolean, z.enum(['lower', 'upper'])]).optional(),
};
const requirementsSchema = z.strictObject(requirementKeys);
const person = z.union([z.string(), z.record(z.string(), z.unknown())]);
const ruleKeys = {
  ...requirementKeys,
  language: z.string().min(1).optional(),
  entrypoint: z.string().min(1).optional(),
  authors: z.union([person, z.array(person)]).optional(),
  model_solution: yamlBoolean.optional(),
};
type Requirements = z.output<typeof requirementsSchema>;

/** The format's defaults ("Default directories"). */
const DEFAULTS: Readonly<Record<string, Requirements>> = {
  accepted: { permitted: ['AC'] },
  rejected: { required: ['RTE', 'TLE', 'WA'] },
  wrong_answer: { permitted: ['AC', 'WA'], required: ['WA'] },
  time_limit_exceeded: { permitted: ['AC', 'TLE'], required: ['TLE'] },
  run_time_error: { permitted: ['AC', 'RTE'], required: ['RTE'] },
  brute_force: { permitted: ['AC', 'RTE', 'TLE'], required: ['RTE', 'TLE'] },
};

const MAX_EXPANSIONS = 1000;

/** The alternatives of a glob's braces, expanded (`a{b,c{d,e}}` → `ab`, `acd`, `ace`). */
function expandBraces(glob: string, where: string): string[] {
  const open = glob.indexOf('{');
  if (open < 0) {
    if (glob.includes('}')) throw new InvalidRequestError(`glob ${JSON.stringify(glob)} has a "}" without its "{"`, where);
    return [glob];
  }
  let depth = 0;
  let close = -1;
  const commas: number[] = [];
  for (let i = open; i < glob.length; i++) {
    const c = glob[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      close = i;
      break;
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) throw new InvalidRequestError(`glob ${JSON.stringify(glob)} has a "{" without its "}"`, where);
  const bounds = [open, ...commas, close];
  const alternatives = bounds.slice(1).map((end, i) => glob.slice(bounds[i]! + 1, end).trim());
  const out: string[] = [];
  for (const alt of alternatives) {
    for (const tail of expandBraces(alt + glob.slice(close + 1), where)) {
      out.push(glob.slice(0, open) + tail);
      if (out.length > MAX_EXPANSIONS)
        throw new InvalidRequestError(`glob ${JSON.stringify(glob)} expands to more than ${MAX_EXPANSIONS} patterns`, where);
    }
  }
  return out;
}

/** A glob as the format reads it: matching a path or any of its parent directories. */
export function compileGlob(glob: string, where: string): RegExp {
  if (glob.includes('**') || glob.includes('[') || glob.includes(']'))
    throw new InvalidRequestError(`glob ${JSON.stringify(glob)}: "**" and "[…]" are not supported by the format`, where);
  const trimmed = glob.endsWith('/') ? glob.slice(0, -1) : glob;
  if (!trimmed) throw new InvalidRequestError('an empty glob matches nothing', where);
  const escape = (s: string) => s.replace(/[.+?^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  const alternatives = expandBraces(trimmed, where).map(escape);
  return new RegExp(`^(?:${alternatives.join('|')})(?:/|$)`);
}

function expectation(r: Requirements, tests: string | null, where: string): Expectation {
  const permitted = new Set<ExpectationVerdict>(r.permitted ?? EXPECTATION_VERDICTS);
  const required = new Set<ExpectationVerdict>(r.required ?? [...permitted]);
  const use = r.use_for_time_limit;
  let lower = !permitted.has('TLE');
  let upper = required.size === 1 && required.has('TLE');
  let why = lower ? 'not permitted TLE' : upper ? 'required TLE' : '';
  if (use === false || use === 'lower' || use === 'upper') {
    lower = use === 'lower';
    upper = use === 'upper';
    why = use === false ? '' : `use_for_time_limit: ${use}`;
  }
  if (lower && upper) throw new InvalidRequestError('bounds the time limit from below and from above at once', where);
  const score: [number, number] | undefined =
    r.score === undefined ? undefined : typeof r.score === 'number' ? [r.score, r.score] : r.score;
  if (score && score[0] > score[1]) throw new InvalidRequestError(`score range [${score.join(', ')}] is empty`, where);
  return {
    tests,
    testPattern: tests === null ? null : compileGlob(tests, where),
    permitted,
    required,
    ...(score ? { score } : {}),
    ...(r.message !== undefined ? { message: r.message } : {}),
    lower,
    upper,
    why,
  };
}

/** One top-level entry: its own keys, and its test globs (keys starting with sample, secret, `*` or `{`). */
function readRule(glob: string, value: unknown, base: Requirements | undefined): SubmissionRule {
  const where = `${SUBMISSIONS_YAML} (${glob})`;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidRequestError('must be a map of requirements', where);
  const own: Record<string, unknown> = {};
  const testGlobs: [string, unknown][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (Object.hasOwn(ruleKeys, k)) own[k] = v;
    else if (/^(sample|secret|\*|\{)/.test(k)) testGlobs.push([k, v]);
    else
      throw new InvalidRequestError(
        `unknown key ${JSON.stringify(k)} (not a requirement, nor a test group's glob: those start with sample or secret)`,
        where,
      );
  }
  const rule = checkYaml(z.strictObject(ruleKeys), own, where);
  const root: Requirements = { ...base };
  for (const k of Object.keys(requirementKeys) as (keyof Requirements)[])
    if (rule[k] !== undefined) (root as Record<string, unknown>)[k] = rule[k];
  const expectations = [expectation(root, null, where)];
  for (const [tests, v] of testGlobs)
    expectations.push(expectation(checkYaml(requirementsSchema, v, `${where} ${tests}`), tests, `${where} ${tests}`));
  return {
    glob,
    pattern: compileGlob(glob, where),
    ...(rule.language !== undefined ? { language: rule.language } : {}),
    ...(rule.entrypoint !== undefined ? { entrypoint: rule.entrypoint } : {}),
    expectations,
  };
}

/** The rules of a 2025-09 package: the format's defaults, changed and added to by its submissions.yaml if it has one. */
export function readSubmissionsYaml(files: PackageFiles): SubmissionRule[] {
  const given = files.kind(SUBMISSIONS_YAML) === 'file' ? parseYaml(files.read(SUBMISSIONS_YAML).toString('utf8'), SUBMISSIONS_YAML) : {};
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new InvalidRequestError('must be a map of globs', SUBMISSIONS_YAML);
  const entries = new Map<string, unknown>(Object.entries(given));
  const rules: SubmissionRule[] = [];
  for (const [dir, base] of Object.entries(DEFAULTS)) {
    const glob = [...entries.keys()].find((k) => k.replace(/\/$/, '') === dir);
    rules.push(readRule(dir, glob === undefined ? {} : entries.get(glob), base));
    if (glob !== undefined) entries.delete(glob);
  }
  for (const [glob, value] of entries) rules.push(readRule(glob, value, undefined));
  return rules;
}

/** What applies to the submission at `rel` (below `submissions/`); two matching rules naming different languages or entry points are refused. */
export function expectationsOf(rules: readonly SubmissionRule[], rel: string): SubmissionExpectations {
  const matching = rules.filter((r) => r.pattern.test(rel));
  const one = (key: 'language' | 'entrypoint'): string | undefined => {
    const values = [...new Set(matching.flatMap((r) => (r[key] === undefined ? [] : [r[key]])))];
    if (values.length > 1)
      throw new InvalidRequestError(`gives submissions/${rel} more than one ${key} (${values.join(', ')})`, SUBMISSIONS_YAML);
    return values[0];
  };
  const language = one('language');
  const entrypoint = one('entrypoint');
  return {
    ...(language !== undefined ? { language } : {}),
    ...(entrypoint !== undefined ? { entrypoint } : {}),
    expectations: matching.flatMap((r) => r.expectations),
  };
}

/** caged's verdict of a test as one of the format's four; null for those that say nothing of the submission (IE, SKIPPED, CE). */
export function expectationVerdict(v: string): ExpectationVerdict | null {
  if (v === 'AC' || v === 'WA' || v === 'TLE') return v;
  if (v === 'RE' || v === 'MLE' || v === 'OLE' || v === 'SE') return 'RTE';
  return null;
}

/** Whether glob `pattern` names `name` itself, not one of its parents. */
function exactly(pattern: RegExp, name: string): boolean {
  return pattern.exec(name)?.[0].length === name.length;
}

/** Whether test `name` (below data/, no `.in`) is one `e` speaks of. */
export function inScope(e: Expectation, name: string): boolean {
  return e.testPattern === null || e.testPattern.test(name);
}

/**
 * Whether `e` speaks of data/sample's tests alone (every alternative of its glob is below
 * `sample`): missing secret data cannot decide such a rule.
 */
function samplesOnly(e: Expectation): boolean {
  if (e.tests === null) return false;
  const glob = e.tests.endsWith('/') ? e.tests.slice(0, -1) : e.tests;
  return expandBraces(glob, 'submissions.yaml').every((a) => a === 'sample' || a.startsWith('sample/'));
}

/**
 * The requirements `result` (a package judgement) fails, one line each, and those it cannot
 * tell: a test skipped after a rejection might have given a required verdict, or one not
 * permitted. caged's verdicts are read as the format's four (expectationVerdict).
 */
export function checkExpectations(
  expected: SubmissionExpectations,
  result: JudgeResult,
  /** Why the package's tests are not all there (data/secret holds no test case): what some test must get is then not known. */
  incomplete?: string,
): NonNullable<ProblemInfo['expectations']> {
  const failed: string[] = [];
  const unknown: string[] = [];
  for (const e of expected.expectations) {
    const scope = e.tests === null ? 'its tests' : `tests ${e.tests}`;
    const missing = samplesOnly(e) ? undefined : incomplete;
    const tests = result.tests.filter((t) => t.name !== null && inScope(e, t.name));
    const verdicts = tests.map((t) => ({ name: t.name, v: expectationVerdict(t.verdict), raw: t.verdict }));
    const bad = verdicts.find((t) => t.v !== null && !e.permitted.has(t.v));
    if (bad) failed.push(`${bad.name ?? '?'} is ${bad.raw}, not one of ${[...e.permitted].join(', ')} (permitted for ${scope})`);
    const open = tests.some((t) => t.verdict === 'SKIPPED' || t.verdict === 'IE');
    if (!bad && open && e.permitted.size < EXPECTATION_VERDICTS.length)
      unknown.push(`some of ${scope} were not judged: not known whether all are ${[...e.permitted].join(' or ')} (permitted)`);
    // An empty set requires nothing (the legacy partially_accepted: its rule is on the whole).
    if (e.required.size > 0 && !verdicts.some((t) => t.v !== null && e.required.has(t.v))) {
      const why = `none of ${scope} is ${[...e.required].join(' or ')} (required)`;
      if (open) unknown.push(`${why}, but some were not judged`);
      else if (missing) unknown.push(`${why}, but ${missing}`);
      else failed.push(why);
    }
    if (e.message !== undefined && !tests.some((t) => (t.checkerMessage ?? '').includes(e.message!))) {
      const why = `no judge message of ${scope} holds ${JSON.stringify(e.message)}`;
      if (open) unknown.push(`${why}, but some were not judged`);
      else if (missing) unknown.push(`${why}, but ${missing}`);
      else failed.push(why);
    }
    if (e.score) {
      const [lo, hi] = e.score;
      const scored =
        e.tests === null
          ? [{ name: 'the submission', score: result.score }]
          : (result.groups ?? []).filter((g) => exactly(e.testPattern!, g.name)).map((g) => ({ name: g.name, score: g.score }));
      if (!scored.length) unknown.push(`no group matches ${e.tests ?? ''} to check its score`);
      for (const s of scored)
        if (s.score < lo - 1e-9 || s.score > hi + 1e-9)
          failed.push(`${s.name} scored ${s.score}, not ${lo === hi ? lo : `in [${lo}, ${hi}]`}`);
    }
  }
  return { status: failed.length ? 'failed' : unknown.length ? 'unverified' : 'met', failed, unverified: unknown };
}

/** The language a file name's extension selects, or undefined for one no language has. */
export function languageOfName(languages: Pick<KnownLanguages, 'languageOfFile'>, name: string): string | undefined {
  try {
    return languages.languageOfFile(name, 'submission');
  } catch {
    return undefined;
  }
}

/**
 * submissions.yaml's `language` and `entrypoint` for submission `rel` as caged's --lang and
 * --entry: the caged language of the format's code (among `languages`, the one a file name's
 * extension selects when it has that code), and for a directory the file the entry point
 * names (itself, the one file whose name without extension it is: Java's `Main`, or whose Kotlin
 * file class it is: `MainKt`). A
 * language caged lacks, or an entry point naming no file, is refused.
 */
export function languageAndEntry(
  expected: Pick<SubmissionExpectations, 'language' | 'entrypoint'>,
  rel: string,
  files: { single: string } | { names: readonly string[] },
  languages: KnownLanguages,
): { lang?: string; entry?: string } {
  if (expected.language === undefined && expected.entrypoint === undefined) return {};
  const languageOf = (name: string) => languageOfName(languages, name);
  const where = `submissions/${rel}`;
  let entry: string | undefined;
  const e = expected.entrypoint;
  if (e !== undefined) {
    const names = 'single' in files ? [files.single] : files.names;
    const stem = (n: string) => n.replace(/\.[^.]*$/, '');
    // A file's name, its stem (Java's `Main`), or the file class Kotlin makes of it (`MainKt`, the format's default).
    const hits = names.includes(e) ? [e] : names.filter((n) => stem(n) === e || (n.endsWith('.kt') && kotlinFileClass(n, '') === e));
    if (hits.length !== 1)
      throw new InvalidRequestError(
        `submissions.yaml gives ${where} the entry point ${JSON.stringify(e)}, which names no one file of it`,
        SUBMISSIONS_YAML,
      );
    if ('names' in files) entry = hits[0];
  }
  if (expected.language === undefined) return entry === undefined ? {} : { entry };
  const sample = 'single' in files ? files.single : (entry ?? files.names.find((n) => languageOf(n) !== undefined));
  const ids = languages.languages().map((l) => l.id);
  const lang = languageIdOfCode(expected.language, ids, sample === undefined ? undefined : languageOf(sample));
  if (lang === null)
    throw new InvalidRequestError(
      FORMAT_CODES.has(expected.language)
        ? `submissions.yaml gives ${where} the language ${JSON.stringify(expected.language)}, which this worker's image has no language for`
        : `submissions.yaml gives ${where} the language ${JSON.stringify(expected.language)}, which is no language code of the format (its languages table: python3, cpp, java, kotlin, c, …)`,
      SUBMISSIONS_YAML,
    );
  return { lang, ...(entry === undefined ? {} : { entry }) };
}
