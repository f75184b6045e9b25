/**
 * What a legacy or 2023-07 package's own submission is expected to get, and whether a judgement
 * got it (`caged judge` reports it as `problem.expectations`, as it does for a 2025-09 package's
 * submissions.yaml: src/problem/submissions-yaml.ts).
 *
 * Two sources, as the tools that keep such packages read them:
 * - **The folder** (the format's "Example Submissions" table). Legacy: `accepted` (every test
 *   AC), `partially_accepted` (overall AC, not the best score; scoring problems: the best is
 *   the maximum, or with legacy `grading: objective: min` the bottom of the root's `range`),
 *   `wrong_answer` (some test WA, none TLE or RTE), `time_limit_exceeded` (some test TLE, none
 *   RTE), `run_time_error` (some test RTE). 2023-07 (the draft that became 2025-09): its
 *   submissions.yaml and default folders, as 2025-09's (submissions-yaml.ts). A folder DOMjudge
 *   names by one of its results (`compiler_error`, `no_output`, `output_limit`) expects that
 *   result; any other folder expects nothing.
 * - **DOMjudge's annotation** in the source: `@EXPECTED_RESULTS@: ` (case-insensitive) followed by
 *   a comma-separated list of results to the end of its line, and `@EXPECTED_SCORE@: ` followed by
 *   a number. DOMjudge's own rules: the first file of a directory submission (in name order) that
 *   has one gives it; a file with either twice gives none (the folder decides); the format's
 *   names are DOMjudge's (`ACCEPTED` is `CORRECT`, `WRONG_ANSWER` is `WRONG-ANSWER`,
 *   `TIME_LIMIT_EXCEEDED` is `TIMELIMIT`, `RUN_TIME_ERROR` is `RUN-ERROR`…); when the folder's
 *   result is among them, the folder's alone is expected, otherwise the annotation's (and the
 *   report says it contradicts the folder). The judgement's result is DOMjudge's: the first test
 *   (in order) that is not accepted decides it, as DOMjudge's equal result priorities do; WA with
 *   an empty output is `NO-OUTPUT` (not for an interactive problem); caged's MLE is `RUN-ERROR`
 *   (DOMjudge reports a program killed for its memory so; `MEMORY-LIMIT` is taken too).
 */
import type { JudgeResult, ProblemInfo } from '../judge/schema';
import type { ProblemConfig } from './problem-yaml';
import {
  checkExpectations,
  expectationsOf,
  readSubmissionsYaml,
  type ExpectationVerdict,
  type SubmissionExpectations,
} from './submissions-yaml';
import type { PackageFiles } from './package-files';

export type ExpectationReport = NonNullable<ProblemInfo['expectations']>;

/** DOMjudge's spelling of the format's folder names and of its results (SubmissionService's remap). */
const RESULT_NAMES: Readonly<Record<string, string>> = {
  ACCEPTED: 'CORRECT',
  WRONG_ANSWER: 'WRONG-ANSWER',
  TIME_LIMIT_EXCEEDED: 'TIMELIMIT',
  RUN_TIME_ERROR: 'RUN-ERROR',
  COMPILER_ERROR: 'COMPILER-ERROR',
  NO_OUTPUT: 'NO-OUTPUT',
  OUTPUT_LIMIT: 'OUTPUT-LIMIT',
};

/** The results a judgement can be compared with; any other name (CHECK-MANUALLY) is for a person. */
const KNOWN_RESULTS: ReadonlySet<string> = new Set([
  'CORRECT',
  'WRONG-ANSWER',
  'TIMELIMIT',
  'RUN-ERROR',
  'COMPILER-ERROR',
  'NO-OUTPUT',
  'OUTPUT-LIMIT',
  'MEMORY-LIMIT',
]);

/** A result or folder name as DOMjudge normalises it: trimmed, upper case, remapped. */
export function domjudgeResultName(name: string): string {
  const upper = name.trim().toUpperCase();
  return RESULT_NAMES[upper] ?? upper;
}

export interface Annotation {
  results: string[] | null;
  score: number | null;
}

const RESULTS_TAG = '@expected_results@: ';
const SCORE_TAG = '@expected_score@: ';

/**
 * The annotation of one source file: null when it has none, `'twice'` when a tag appears twice
 * (DOMjudge ignores such a file's annotation). `@EXPECTED_SCORE@` with something else than a
 * number is a list of results, as DOMjudge reads it.
 */
export function parseAnnotation(source: string): Annotation | 'twice' | null {
  const lower = source.toLowerCase();
  let results: string[] | null = null;
  let score: number | null = null;
  for (const tag of [RESULTS_TAG, SCORE_TAG]) {
    const at = lower.indexOf(tag);
    if (at < 0) continue;
    if (lower.indexOf(tag, at + tag.length) >= 0) return 'twice';
    const from = at + tag.length;
    const end = source.indexOf('\n', from);
    const text = source.slice(from, end < 0 ? undefined : end).trim();
    if (tag === SCORE_TAG && text !== '' && Number.isFinite(Number(text))) score = Number(text);
    else {
      if (results !== null) return 'twice';
      results = text.split(',').map(domjudgeResultName);
    }
  }
  return results === null && score === null ? null : { results, score };
}

/** What one package submission is expected to get, and where that was read. */
export type OwnExpectation =
  | { kind: 'rules'; from: string; rules: SubmissionExpectations; notBest?: NotBest }
  | { kind: 'results'; from: string; results: readonly string[]; score: number | null; note?: string };

/**
 * What a `partially_accepted` submission must not score ("Overall score must not be max of
 * range if objective is max and min of range if objective is min"): `max`, the result's maximum
 * score (the top of the root's range when it has one, else every test accepted); `min`, the
 * bottom of the root's range (-Infinity when it has none: no score is it, as problemtools has it).
 */
export type NotBest = { objective: 'max' } | { objective: 'min'; lowest: number };

/**
 * The legacy format's folders as requirements on the tests (the 2025-09 model's permitted and
 * required). `partially_accepted` asks nothing of the tests: its rule is on the whole ("Overall
 * verdict must be Accepted. Overall score must not be max of range"), which a scoring problem's
 * groups may reach with tests rejected (`accept_score`, `accept_if_any_accepted`): belowMaxScore.
 */
const LEGACY_FOLDERS: Readonly<Record<string, { permitted: ExpectationVerdict[]; required: ExpectationVerdict[] }>> = {
  accepted: { permitted: ['AC'], required: ['AC'] },
  partially_accepted: { permitted: ['AC', 'WA', 'TLE', 'RTE'], required: [] },
  wrong_answer: { permitted: ['AC', 'WA'], required: ['WA'] },
  time_limit_exceeded: { permitted: ['AC', 'WA', 'TLE'], required: ['TLE'] },
  run_time_error: { permitted: ['AC', 'WA', 'TLE', 'RTE'], required: ['RTE'] },
};

function legacyRules(folder: string): SubmissionExpectations | null {
  const f = LEGACY_FOLDERS[folder];
  if (!f) return null;
  return {
    expectations: [
      {
        tests: null,
        testPattern: null,
        permitted: new Set(f.permitted),
        required: new Set(f.required),
        lower: false,
        upper: false,
        why: folder,
      },
    ],
  };
}

/**
 * What the package's own submission at `rel` (below submissions/) is expected to get; null when
 * nothing says (a folder outside the format's table, no annotation). `sources`: the submission's
 * files in name order (one for a file submission), read for DOMjudge's annotation when it may apply. A 2025-09
 * package's is its submissions.yaml's alone.
 */
export function ownExpectation(
  config: Pick<ProblemConfig, 'format' | 'scoring'> & Partial<Pick<ProblemConfig, 'objective'>>,
  files: PackageFiles,
  rel: string,
  sources: () => ReadonlyArray<{ name: string; text: string }>,
  /** The root group's score range (data/testdata.yaml's `range`, or legacy problem.yaml's grading). */
  rootRange: readonly [number, number] = [-Infinity, Infinity],
): OwnExpectation | null {
  if (config.format === '2025-09')
    return { kind: 'rules', from: 'submissions.yaml', rules: expectationsOf(readSubmissionsYaml(files), rel) };
  const folder = rel.split('/')[0]!;
  let annotation: { at: string; a: Annotation } | null = null;
  for (const s of sources()) {
    const a = parseAnnotation(s.text);
    if (a === null) continue;
    if (a !== 'twice') annotation = { at: s.name, a };
    break;
  }
  const folderResult = domjudgeResultName(folder);
  const folderIsResult = KNOWN_RESULTS.has(folderResult) && folderResult !== 'MEMORY-LIMIT';
  if (annotation) {
    const { results, score } = annotation.a;
    const from = `@EXPECTED_${results ? 'RESULTS' : 'SCORE'}@ in ${annotation.at}`;
    if (results === null) return { kind: 'results', from, results: folderIsResult ? [folderResult] : [], score };
    if (folderIsResult && results.includes(folderResult)) return { kind: 'results', from, results: [folderResult], score };
    return {
      kind: 'results',
      from,
      results,
      score,
      ...(folderIsResult ? { note: `it names ${results.join(', ')}, which does not hold its folder's ${folderResult}` } : {}),
    };
  }
  if (config.format === '2023-07')
    return { kind: 'rules', from: 'submissions.yaml and the default folders', rules: expectationsOf(readSubmissionsYaml(files), rel) };
  const rules = legacyRules(folder);
  if (rules)
    return {
      kind: 'rules',
      from: `folder ${folder}`,
      rules,
      ...(folder === 'partially_accepted' && config.scoring
        ? { notBest: config.objective === 'min' ? { objective: 'min' as const, lowest: rootRange[0] } : { objective: 'max' as const } }
        : {}),
    };
  if (folderIsResult) return { kind: 'results', from: `folder ${folder}`, results: [folderResult], score: null };
  return null;
}

/**
 * The judgement's result as DOMjudge names it: `COMPILER-ERROR`, the first test not accepted
 * (`WRONG-ANSWER`, `NO-OUTPUT`, `TIMELIMIT`, `RUN-ERROR`, `OUTPUT-LIMIT`), `CORRECT`; null when
 * caged could not judge it (an internal error, or a first test not judged).
 */
export function domjudgeResult(result: JudgeResult, interactive: boolean): string | null {
  if (result.verdict === 'CE') return 'COMPILER-ERROR';
  const bad = result.tests.find((t) => t.verdict !== 'AC');
  if (!bad) return result.tests.length > 0 || result.verdict === 'AC' ? 'CORRECT' : null;
  switch (bad.verdict) {
    case 'WA':
      return !interactive && bad.stdout === '' && !bad.stdoutTruncated ? 'NO-OUTPUT' : 'WRONG-ANSWER';
    case 'TLE':
      return 'TIMELIMIT';
    case 'RE':
    case 'MLE':
    case 'SE':
      return 'RUN-ERROR';
    case 'OLE':
      return 'OUTPUT-LIMIT';
    case 'AC':
    case 'IE':
    case 'SKIPPED':
      return null;
  }
}

/** Whether `result` got what `e` expects (the same report as submissions.yaml's). */
export function checkOwnExpectation(
  e: OwnExpectation,
  result: JudgeResult,
  interactive: boolean,
  /** Why the package's tests are not all there (ProblemPackage.noSecretTests): a result the missing tests could give is not known. */
  incomplete?: string,
): ExpectationReport & { from: string } {
  if (e.kind === 'rules') {
    if (result.verdict === 'CE') return { status: 'failed', failed: ['it is CE: it did not compile'], unverified: [], from: e.from };
    const r = checkExpectations(e.rules, result, incomplete);
    const failed = [...r.failed];
    const best = e.notBest;
    if (best) {
      if (result.verdict !== 'AC') failed.push(`it is ${result.verdict}, not AC (partially_accepted)`);
      else if (best.objective === 'max' && result.score >= result.maxScore - 1e-9)
        failed.push(`it scored ${result.score}, the maximum, which partially_accepted must not`);
      else if (best.objective === 'min' && result.score <= best.lowest + 1e-9)
        failed.push(
          `it scored ${result.score}, the bottom of the range, the best score of a minimisation problem (objective: min), which partially_accepted must not`,
        );
    }
    return { status: failed.length ? 'failed' : r.status, failed, unverified: r.unverified, from: e.from };
  }
  const failed: string[] = [];
  const unverified: string[] = [];
  if (e.note) failed.push(e.note);
  const known = e.results.filter((r) => KNOWN_RESULTS.has(r));
  if (e.results.length && !known.length) unverified.push(`${e.results.join(', ')}: no result caged can compare (judged by a person)`);
  else if (known.length) {
    const got = domjudgeResult(result, interactive);
    const matches = got !== null && (known.includes(got) || (got === 'RUN-ERROR' && known.includes('MEMORY-LIMIT') && isMle(result)));
    if (got === null) unverified.push(`its result is not known (${result.verdict}), so not whether it is ${known.join(' or ')}`);
    // Every test there was accepted; one of those missing could have been the expected failure.
    else if (!matches && got === 'CORRECT' && incomplete)
      unverified.push(`it is CORRECT on the tests there, not ${known.join(' or ')}, but ${incomplete}`);
    else if (!matches) failed.push(`it is ${got}, not ${known.join(' or ')}`);
  }
  if (e.score !== null && Math.abs(result.score - e.score) > 1e-9) failed.push(`it scored ${result.score}, not ${e.score}`);
  return { status: failed.length ? 'failed' : unverified.length ? 'unverified' : 'met', failed, unverified, from: e.from };
}

function isMle(result: JudgeResult): boolean {
  return result.tests.find((t) => t.verdict !== 'AC')?.verdict === 'MLE';
}
