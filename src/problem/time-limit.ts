/**
 * A time limit derived from the package's own submissions, for a package that gives none
 * (no `limits.time_limit`, no `.timelimit`, no `--time`), as the problem package format says
 * (2023-07, "Problem timing"):
 *
 *   the time multipliers specify safety margins relative to the slowest accepted submission,
 *   T_ac, and the fastest time_limit_exceeded submission, T_tle; the time limit must satisfy
 *   T_ac × ac_to_time_limit ≤ time_limit and time_limit × time_limit_to_tle ≤ T_tle (T_tle is
 *   infinity without a time_limit_exceeded submission); without a time_limit, it is the
 *   smallest integer multiple of time_resolution that satisfies both; it is an error if no
 *   such multiple exists.
 *
 * A submission's time is the largest CPU time over the test cases it ran (the format's time
 * limit is CPU time per test case). Each submission of `submissions/accepted/` and
 * `submissions/time_limit_exceeded/` is judged once under a probe limit, caged's CPU maximum
 * (`maxima.cpuTimeMs`): an accepted one must be AC under it (else the limit cannot be derived:
 * refused, naming it); a time_limit_exceeded one that reaches it took at least the probe limit:
 * the second inequality is checked against that as far as caged can run anything, and a bound
 * past it is taken as met, with a note. Legacy packages use the same rule with time_multiplier as ac_to_time_limit and
 * time_safety_margin as time_limit_to_tle (problemtools' own mapping) and a resolution of 1 s.
 *
 * 2025-09 ("Example submissions", "Timelimit inference"): the submissions that bound the limit
 * are those submissions/submissions.yaml's requirements (and the folders' defaults: accepted,
 * wrong_answer and run_time_error from below, time_limit_exceeded from above) make bound it,
 * in any folder, each over the tests its requirement names (boundsFromExpectations); the
 * yaml's `language` and `entrypoint` choose how a submission is read.
 *
 * A submission is one file in a language caged knows by its extension, or a directory of
 * files holding one such language's sources (the entry: the language's source file name, else
 * the only source); anything else is skipped, with a note. A `.py` whose #! line names Python 2
 * is judged by python2, as problemtools runs it with a Python 2 (skipped, with a note, by an image
 * without python2).
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { Judge } from '../judge/judge';
import type { JudgeResult } from '../judge/schema';
import { namesPython2, python2Of, type Language } from '../judge/languages';
import { DEFAULT_MAXIMA } from '../judge/limits';
import { compilerFirstError } from './compile-failures';
import { judgePackage, type JudgePackageOptions } from './judge-package';
import { withPackageConstants } from './package-sources';
import { directorySubmission, fileSubmission } from './package-submission';
import type { PackageSubmission } from './package-submission';
import { juryLanguages, packageLanguages } from './extensions';
import type { ProblemPackage } from './problem-package';
import { NO_DMOJ_TIME_LIMIT } from './dmoj-package';
import {
  expectationsOf,
  expectationVerdict,
  inScope,
  languageAndEntry,
  languageOfName,
  readSubmissionsYaml,
  type Expectation,
  type SubmissionExpectations,
} from './submissions-yaml';
import { runningEveryTest } from './test-data';

export interface TimedSubmission {
  /** Below `submissions/`, e.g. `accepted/fast.py`. */
  path: string;
  verdict: string;
  /** Each test's verdict, of those that ran. */
  verdicts: string[];
  /** Largest CPU time of a test case, ms. */
  maxCpuMs: number;
}

export interface DerivedTimeLimit {
  timeLimit: { seconds: number; from: 'submissions' };
  /** One line each: how the limit was derived, submissions skipped. */
  notes: string[];
  runs: TimedSubmission[];
}

/**
 * The package's submission at `rel` (a file or a directory), or a reason it is skipped; languages
 * by the image's extensions (a Prolog `.pl` excepted: packageLanguages; Python as PyPy:
 * juryLanguages), a directory's entry as
 * directorySubmission finds it (package-submission.ts).
 */
export function readPackageSubmission(
  judge: Judge,
  pkg: ProblemPackage,
  rel: string,
  expected: Pick<SubmissionExpectations, 'language' | 'entrypoint'> = {},
): PackageSubmission | { skipped: string } {
  const files = pkg.files;
  const kind = files.kind(rel);
  const image = juryLanguages(packageLanguages(judge, (p) => (files.kind(p) === 'file' ? files.read(p) : null)));
  const langOf = (name: string) => languageOfName(image, name);
  const inDir = (name: string) => langOf(`${rel}/${name}`);
  // submissions.yaml's language and entry point (2025-09), as --lang and --entry.
  const given = (names: { single: string } | { names: readonly string[] }): { lang?: string; entry?: string } | { skipped: string } => {
    try {
      return languageAndEntry(expected, rel.replace(/^submissions\//, ''), names, image);
    } catch (err) {
      if (err instanceof InvalidRequestError) return { skipped: `${rel}: ${err.message}` };
      throw err;
    }
  };
  // A Python 2 program (its #! line names python2) is judged by python2; skipped where the image has none.
  const python2 = (name: string): Language | { skipped: string } => {
    try {
      return python2Of((id, field) => judge.language(id, field), name, 'submission');
    } catch (err) {
      if (err instanceof InvalidRequestError) return { skipped: err.message };
      throw err;
    }
  };
  if (kind === 'file') {
    const chosen = given({ single: path.basename(rel) });
    if ('skipped' in chosen) return chosen;
    const language = chosen.lang ?? langOf(rel);
    if (!language) return { skipped: `${rel}: not a language caged knows by its extension` };
    const source = files.read(rel).toString('utf8');
    const spec = chosen.lang === undefined && namesPython2(source) ? python2(rel) : judge.language(language, 'submission');
    if ('skipped' in spec) return spec;
    return withPackageConstants(fileSubmission(spec, rel, source), pkg.config.constants);
  }
  if (kind !== 'dir') return { skipped: `${rel}: neither a file nor a directory` };
  // All its files and subdirectories (problemtools), at their paths in it.
  let names: string[];
  try {
    names = files.filesBelow(rel);
  } catch (err) {
    if (err instanceof InvalidRequestError) return { skipped: err.message };
    throw err;
  }
  const chosen = given({ names });
  if ('skipped' in chosen) return chosen;
  const languages = new Set(names.map(inDir).filter((l): l is string => l !== undefined));
  const [detected, ...more] = [...languages];
  const language = chosen.lang ?? (chosen.entry !== undefined ? inDir(chosen.entry) : more.length ? undefined : detected);
  if (!language) return { skipped: `${rel}: not one language caged knows (${[...languages].join(', ') || 'none'})` };
  const py2 =
    chosen.lang === undefined && names.find((n) => inDir(n) === language && namesPython2(files.read(`${rel}/${n}`).toString('utf8')));
  const spec = py2 ? python2(`${rel}/${py2}`) : judge.language(language, 'submission');
  if ('skipped' in spec) return spec;
  const sub = directorySubmission(spec, names, (n) => files.read(`${rel}/${n}`), chosen.entry);
  return 'refused' in sub ? { skipped: `${rel}: ${sub.refused}` } : withPackageConstants(sub, pkg.config.constants);
}

const s3 = (ms: number) => `${Math.round(ms) / 1000} s`;

/**
 * The note for a submission this image cannot compile (a jury's Kotlin newer than the image's,
 * say): skipped as a program in a language caged lacks is, named with the compiler's first error.
 */
function notCompiled(rel: string, r: JudgeResult): string {
  return `skipped ${rel}: it does not compile here (${r.language.id}: ${compilerFirstError(r)}), so it does not bound the time limit`;
}

/** A submission's timing that bounds the limit: from below (its slowest test) or from above. */
interface Bound {
  path: string;
  ms: number;
  /** How it is named in the notes ("accepted", "wrong_answer (not permitted TLE)", a glob's requirement). */
  which: string;
  /** Upper bounds: it reached the probe limit, so it took at least that. */
  atProbe?: boolean;
}

/** Judges the package's submissions that bound the time limit and derives it; refuses when it cannot. */
export async function timeLimitFromSubmissions(
  judge: Judge,
  pkg: ProblemPackage,
  opts: JudgePackageOptions = {},
): Promise<DerivedTimeLimit> {
  // A DMOJ problem has no submissions of its own to derive it from.
  if (pkg.config.format === 'dmoj') throw new InvalidRequestError(NO_DMOJ_TIME_LIMIT, 'PROBLEM_DIR');
  const probeMs = opts.maxima?.cpuTimeMs ?? DEFAULT_MAXIMA.cpuTimeMs;
  const probe: ProblemPackage = { ...pkg, timeLimit: { seconds: probeMs / 1000, from: 'submissions' } };
  // Every test of a lower-bounding rejected submission runs: its slowest test may come after its first rejection.
  const probeAll: ProblemPackage = { ...probe, data: runningEveryTest(pkg.data, { ignoreRequirePass: true }) };
  const notes: string[] = [];
  const runs: TimedSubmission[] = [];
  const timed = async (rel: string, sub: PackageSubmission, everyTest: boolean): Promise<{ t: TimedSubmission; r: JudgeResult }> => {
    const r = await judgePackage(judge, everyTest ? probeAll : probe, sub, { ...opts, ownSubmission: true });
    const ran = r.tests.filter((x) => x.verdict !== 'SKIPPED');
    const t = { path: rel, verdict: r.verdict, verdicts: ran.map((x) => x.verdict), maxCpuMs: Math.max(0, ...ran.map((x) => x.cpuTimeMs)) };
    runs.push(t);
    return { t, r };
  };
  const { lowers, uppers } =
    pkg.config.format === '2025-09'
      ? await boundsFromExpectations(judge, pkg, probeMs, notes, timed)
      : await boundsFromFolders(judge, pkg, probeMs, notes, timed);
  return { ...limitWithin(pkg, lowers, uppers, probeMs, notes), notes, runs };
}

type Timed = (rel: string, sub: PackageSubmission, everyTest: boolean) => Promise<{ t: TimedSubmission; r: JudgeResult }>;

/** The submissions of `submissions/<folder>/` (hidden entries are not submissions, as the format says), read or skipped with a note. */
function folderSubmissions(
  judge: Judge,
  pkg: ProblemPackage,
  folder: string,
  notes: string[],
  expected?: (rel: string) => SubmissionExpectations,
) {
  const out: { rel: string; sub: PackageSubmission; expected?: SubmissionExpectations }[] = [];
  for (const e of pkg.files.list(`submissions/${folder}`)) {
    if (e.name.startsWith('.')) continue;
    const rel = `${folder}/${e.name}`;
    const exp = expected?.(rel);
    if (exp && !exp.expectations.some((x) => x.lower || x.upper)) continue;
    const sub = readPackageSubmission(judge, pkg, `submissions/${rel}`, exp);
    if ('skipped' in sub) notes.push(`skipped ${sub.skipped}`);
    else out.push({ rel, sub, ...(exp ? { expected: exp } : {}) });
  }
  return out;
}

/**
 * 2023-07 and legacy packages: `accepted/` bounds the limit from below (each must be AC, or
 * not compile here: skipped with a note), `time_limit_exceeded/` from above.
 */
async function boundsFromFolders(judge: Judge, pkg: ProblemPackage, probeMs: number, notes: string[], timed: Timed) {
  const lowers: Bound[] = [];
  for (const { rel, sub } of folderSubmissions(judge, pkg, 'accepted', notes)) {
    const { t, r } = await timed(rel, sub, false);
    if (t.verdict === 'CE') {
      notes.push(notCompiled(rel, r));
      continue;
    }
    if (t.verdict !== 'AC')
      throw new InvalidRequestError(
        `cannot derive the time limit: submissions/${rel} is ${t.verdict}, not AC, under the probe limit of ${s3(probeMs)} (caged's CPU maximum); give one with --time S`,
        'PROBLEM_DIR',
      );
    lowers.push({ path: rel, ms: t.maxCpuMs, which: 'accepted' });
  }
  if (!lowers.length)
    throw new InvalidRequestError(
      'the package gives no time limit and has no accepted submission caged can run to derive one (submissions/accepted/): give one with --time S',
      'PROBLEM_DIR',
    );
  // The time_limit_exceeded submissions bound it from above; one that got another verdict is not a timing.
  const uppers: Bound[] = [];
  for (const { rel, sub } of folderSubmissions(judge, pkg, 'time_limit_exceeded', notes)) {
    const { t } = await timed(rel, sub, false);
    if (t.verdict === 'TLE' || t.verdict === 'AC')
      uppers.push({
        path: rel,
        ms: t.verdict === 'TLE' ? Math.max(t.maxCpuMs, probeMs) : t.maxCpuMs,
        which: 'time_limit_exceeded',
        atProbe: t.verdict === 'TLE',
      });
    else notes.push(`${rel} is ${t.verdict} under the probe limit: not used for the time limit`);
  }
  return { lowers, uppers };
}

/**
 * 2025-09 ("Timelimit inference"): every submission that a requirement of submissions.yaml (or
 * the folders' defaults) makes bound the time limit, each such requirement over the tests it
 * names: one that permits no TLE (or says `use_for_time_limit: lower`) from below by its
 * slowest test there, one that requires TLE (or says `upper`) from above. A submission with a
 * lower bound runs every test. A lower bound met by a TLE under the probe limit is refused; one
 * broken otherwise is refused for a requirement of all AC (an accepted submission), else noted
 * and not used. A submission that does not compile here is skipped with a note (notCompiled).
 */
async function boundsFromExpectations(judge: Judge, pkg: ProblemPackage, probeMs: number, notes: string[], timed: Timed) {
  const rules = readSubmissionsYaml(pkg.files);
  const lowers: Bound[] = [];
  const uppers: Bound[] = [];
  const folders = pkg.files.list('submissions').filter((e) => e.kind === 'dir' && !e.name.startsWith('.'));
  for (const folder of folders) {
    for (const { rel, sub, expected } of folderSubmissions(judge, pkg, folder.name, notes, (r) => expectationsOf(rules, r))) {
      const bounding = expected!.expectations.filter((x) => x.lower || x.upper);
      const { t, r } = await timed(
        rel,
        sub,
        bounding.some((x) => x.lower),
      );
      const allAc = (x: Expectation) => x.tests === null && x.permitted.size === 1 && x.permitted.has('AC');
      if (t.verdict === 'CE') {
        notes.push(notCompiled(rel, r));
        continue;
      }
      if (t.verdict === 'IE') {
        if (bounding.some(allAc))
          throw new InvalidRequestError(
            `cannot derive the time limit: submissions/${rel} is ${t.verdict}, not AC; give one with --time S`,
            'PROBLEM_DIR',
          );
        notes.push(`${rel} is ${t.verdict}: not used for the time limit`);
        continue;
      }
      for (const x of bounding) {
        const scope = x.tests === null ? '' : ` on ${x.tests}`;
        const tests = r.tests.filter((v) => v.verdict !== 'SKIPPED' && v.name !== null && inScope(x, v.name));
        if (!tests.length) {
          notes.push(`${rel}: no test ran${scope || ''}, so it does not bound the time limit there`);
          continue;
        }
        const ms = Math.max(0, ...tests.map((v) => v.cpuTimeMs));
        const bad = tests.find((v) => {
          const e = expectationVerdict(v.verdict);
          return e === null || !x.permitted.has(e);
        });
        if (x.lower) {
          const tle = tests.find((v) => v.verdict === 'TLE');
          if (tle)
            throw new InvalidRequestError(
              `cannot derive the time limit: submissions/${rel} is TLE under the probe limit of ${s3(probeMs)} (caged's CPU maximum) on ${tle.name ?? '?'}, and it bounds the time limit from below; give one with --time S`,
              'PROBLEM_DIR',
            );
          if (bad && allAc(x))
            throw new InvalidRequestError(
              `cannot derive the time limit: submissions/${rel} is ${bad.verdict}, not AC, on ${bad.name ?? '?'} under the probe limit of ${s3(probeMs)} (caged's CPU maximum); give one with --time S`,
              'PROBLEM_DIR',
            );
          if (bad) notes.push(`${rel} got ${bad.verdict}${scope}, which its requirements do not permit: not used for the time limit`);
          else lowers.push({ path: rel, ms, which: allAc(x) ? folder.name : `${folder.name} (${x.why}${scope})` });
        } else if (bad) {
          notes.push(
            `${rel} got ${bad.verdict}${scope} under the probe limit, which its requirements do not permit: not used for the time limit`,
          );
        } else {
          const atProbe = tests.some((v) => v.verdict === 'TLE');
          uppers.push({ path: rel, ms: atProbe ? Math.max(ms, probeMs) : ms, which: `${folder.name} (${x.why}${scope})`, atProbe });
        }
      }
    }
  }
  if (!lowers.length)
    throw new InvalidRequestError(
      'the package gives no time limit and no submission caged can run bounds one from below (submissions/accepted/, or a requirement without TLE in submissions/submissions.yaml): give one with --time S',
      'PROBLEM_DIR',
    );
  return { lowers, uppers };
}

/**
 * The smallest multiple of time_resolution at least the slowest lower bound × ac_to_time_limit
 * that the fastest upper bound allows (× time_limit_to_tle); refused when none does. An upper
 * bound stopped at the probe limit took at least that: a limit past it is taken as met.
 */
function limitWithin(pkg: ProblemPackage, lowers: Bound[], uppers: Bound[], probeMs: number, notes: string[]) {
  const { acToTimeLimit, timeLimitToTle, resolutionS } = pkg.config.limits.timing;
  // The notes name the keys as the package's format does: a legacy problem.yaml says
  // time_multiplier and time_safety_margin, and has no time_resolution (whole seconds).
  const legacy = pkg.config.format === 'legacy';
  const acKey = legacy ? 'time_multiplier' : 'ac_to_time_limit';
  const tleKey = legacy ? 'time_safety_margin' : 'time_limit_to_tle';
  const resolution = legacy ? `a whole number of seconds` : `a multiple of time_resolution ${resolutionS} s`;
  const slowest = lowers.reduce((a, b) => (b.ms > a.ms ? b : a));
  const fastestTle = uppers.length ? uppers.reduce((a, b) => (b.ms < a.ms ? b : a)) : null;
  const tleMs = fastestTle ? fastestTle.ms : Infinity;
  const steps = Math.max(1, Math.ceil(((slowest.ms / 1000) * acToTimeLimit) / resolutionS - 1e-9));
  const seconds = Math.round(steps * resolutionS * 1e6) / 1e6;
  const lower = `slowest ${slowest.which} ${s3(slowest.ms)} (${slowest.path}) × ${acKey} ${acToTimeLimit}`;
  // A submission stopped at the probe limit took at least that: a bound past it cannot be
  // checked here, and is not refuted (problemtools runs such a submission at time_limit ×
  // time_limit_to_tle and wants TLE; caged runs nothing past its CPU maximum).
  const pastProbe = fastestTle?.atProbe === true && seconds * timeLimitToTle > probeMs / 1000 + 1e-9;
  // 2023-07 and later: no multiple satisfying both bounds is an error (the spec's words). A
  // legacy package (whose spec says nothing of it) keeps the limit its accepted submissions give,
  // with a note, as problemtools computes it from them alone and judges on: a time_limit_exceeded
  // submission passing within it is that submission's failure (problemtools' error for it), one
  // TLE at it but faster than its margin "sensitive to time limit" (Rocky Mountain 2020's
  // papersnowflakes).
  const passes = !pastProbe && seconds > tleMs / 1000 + 1e-9;
  if (legacy && passes && fastestTle) {
    notes.unshift(
      `time limit ${seconds} s from the submissions: ${lower}, rounded up to ${resolution}; the fastest time_limit_exceeded submission (${fastestTle.path}) took ${s3(tleMs)}, within it: it is not TLE at this limit (problemtools reports that as its error and judges on)`,
    );
    return { timeLimit: { seconds, from: 'submissions' as const } };
  }
  if (!legacy && !pastProbe && seconds * timeLimitToTle > tleMs / 1000 + 1e-9)
    throw new InvalidRequestError(
      `no time limit satisfies the package's submissions: at least ${seconds} s (${lower}, ${resolution}), but the fastest time_limit_exceeded submission (${fastestTle?.path ?? ''}) took ${s3(tleMs)}, less than ${seconds} s × ${tleKey} ${timeLimitToTle}; give one with --time S`,
      'PROBLEM_DIR',
    );
  const withinMargin = !pastProbe && seconds * timeLimitToTle > tleMs / 1000 + 1e-9;
  const upper = !fastestTle
    ? '; no time_limit_exceeded submission'
    : withinMargin
      ? `; fastest time_limit_exceeded ${s3(tleMs)} (${fastestTle.path}) is TLE at ${seconds} s but within its margin, less than ${seconds} s × ${tleKey} ${timeLimitToTle}: sensitive to the time limit`
      : pastProbe
        ? `; ${seconds} s × ${tleKey} ${timeLimitToTle} is past caged's CPU maximum ${s3(probeMs)}: ${fastestTle.path} took at least that, taken as slow enough`
        : `; fastest time_limit_exceeded ${fastestTle.atProbe ? '≥ ' : ''}${s3(tleMs)} (${fastestTle.path}) ≥ ${seconds} s × ${tleKey} ${timeLimitToTle}`;
  notes.unshift(`time limit ${seconds} s from the submissions: ${lower}, rounded up to ${resolution}${upper}`);
  return { timeLimit: { seconds, from: 'submissions' as const } };
}
