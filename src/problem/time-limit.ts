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
 * 2025-09 ("Example submissions", "Timelimit inference"): a submission that is not permitted
 * TLE bounds the limit from below, so `wrong_answer/` and `run_time_error/` count with
 * `accepted/` (their slowest test of all: each of their tests runs, none is skipped after a
 * rejection); one of them that reaches the probe limit, or gets a verdict its folder does not
 * permit (TLE, say), is refused as an accepted one is. `submissions.yaml` is not read: the
 * folders' default rules apply.
 *
 * A submission is one file in a language caged knows by its extension, or a directory of
 * files holding one such language's sources (the entry: the language's source file name, else
 * the only source); anything else is skipped, with a note, as is a `.py` whose #! line names
 * Python 2 (problemtools runs those with a Python 2; no caged image has one).
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { Judge } from '../judge/judge';
import { namesPython2 } from '../judge/languages';
import { DEFAULT_MAXIMA } from '../judge/limits';
import {
  directorySubmission,
  fileSubmission,
  judgePackage,
  withPackageConstants,
  type JudgePackageOptions,
  type PackageSubmission,
} from './judge-package';
import type { ProblemPackage } from './problem-package';
import type { TestGroup } from './test-data';

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
 * by the image's extensions (`judge.languageOfFile`), a directory's entry as directorySubmission
 * finds it (judge-package.ts).
 */
export function readPackageSubmission(judge: Judge, pkg: ProblemPackage, rel: string): PackageSubmission | { skipped: string } {
  const files = pkg.files;
  const kind = files.kind(rel);
  const langOf = (name: string): string | undefined => {
    try {
      return judge.languageOfFile(name, 'submission');
    } catch {
      return undefined;
    }
  };
  const python2 = (name: string) => `${name}: a Python 2 program (its #! line names python2), a language caged does not have`;
  if (kind === 'file') {
    const language = langOf(rel);
    if (!language) return { skipped: `${rel}: not a language caged knows by its extension` };
    const source = files.read(rel).toString('utf8');
    if (namesPython2(source)) return { skipped: python2(rel) };
    return withPackageConstants(fileSubmission(judge.language(language, 'submission'), rel, source), pkg.config.constants);
  }
  if (kind !== 'dir') return { skipped: `${rel}: neither a file nor a directory` };
  const entries = files.list(rel);
  if (entries.some((e) => e.kind !== 'file')) return { skipped: `${rel}: holds subdirectories` };
  const names = entries.map((e) => e.name);
  const languages = new Set(names.map(langOf).filter((l): l is string => l !== undefined));
  const [language, ...more] = [...languages];
  if (!language || more.length) return { skipped: `${rel}: not one language caged knows (${[...languages].join(', ') || 'none'})` };
  const py2 = names.find((n) => langOf(n) === language && namesPython2(files.read(`${rel}/${n}`).toString('utf8')));
  if (py2) return { skipped: python2(`${rel}/${py2}`) };
  const sub = directorySubmission(judge.language(language, 'submission'), names, (n) => files.read(`${rel}/${n}`));
  return 'refused' in sub ? { skipped: `${rel}: ${sub.refused}` } : withPackageConstants(sub, pkg.config.constants);
}

const s3 = (ms: number) => `${Math.round(ms) / 1000} s`;

/** The test tree with every group running on after a rejection and no group waiting on another. */
function runningEveryTest(g: TestGroup): TestGroup {
  return {
    ...g,
    settings: { ...g.settings, onReject: 'continue', requirePass: [] },
    children: g.children.map((c) => (c.kind === 'group' ? { kind: 'group', group: runningEveryTest(c.group) } : c)),
  };
}

/** Judges the package's accepted and time_limit_exceeded submissions and derives the time limit; refuses when it cannot. */
export async function timeLimitFromSubmissions(
  judge: Judge,
  pkg: ProblemPackage,
  opts: JudgePackageOptions = {},
): Promise<DerivedTimeLimit> {
  const probeMs = opts.maxima?.cpuTimeMs ?? DEFAULT_MAXIMA.cpuTimeMs;
  const probe: ProblemPackage = { ...pkg, timeLimit: { seconds: probeMs / 1000, from: 'submissions' } };
  const { acToTimeLimit, timeLimitToTle, resolutionS } = pkg.config.limits.timing;
  const notes: string[] = [];
  const runs: TimedSubmission[] = [];
  // Every test of a lower-bounding rejected submission runs: its slowest test may come after its first rejection.
  const probeAll: ProblemPackage = { ...probe, data: runningEveryTest(pkg.data) };
  const judgeFolder = async (
    folder: 'accepted' | 'time_limit_exceeded' | 'wrong_answer' | 'run_time_error',
  ): Promise<TimedSubmission[]> => {
    const out: TimedSubmission[] = [];
    for (const e of pkg.files.list(`submissions/${folder}`)) {
      if (e.name.startsWith('.')) continue; // hidden (.gitkeep): not a submission, as the format says
      const rel = `submissions/${folder}/${e.name}`;
      const sub = readPackageSubmission(judge, pkg, rel);
      if ('skipped' in sub) {
        notes.push(`skipped ${sub.skipped}`);
        continue;
      }
      const r = await judgePackage(judge, folder === 'wrong_answer' || folder === 'run_time_error' ? probeAll : probe, sub, opts);
      const ran = r.tests.filter((t) => t.verdict !== 'SKIPPED');
      const timed = {
        path: `${folder}/${e.name}`,
        verdict: r.verdict,
        verdicts: ran.map((t) => t.verdict),
        maxCpuMs: Math.max(0, ...ran.map((t) => t.cpuTimeMs)),
      };
      out.push(timed);
      runs.push(timed);
    }
    return out;
  };
  const accepted = await judgeFolder('accepted');
  if (!accepted.length)
    throw new InvalidRequestError(
      'the package gives no time limit and has no accepted submission caged can run to derive one (submissions/accepted/): give one with --time S',
      'PROBLEM_DIR',
    );
  const failed = accepted.find((a) => a.verdict !== 'AC');
  if (failed)
    throw new InvalidRequestError(
      `cannot derive the time limit: submissions/${failed.path} is ${failed.verdict}, not AC, under the probe limit of ${s3(probeMs)} (caged's CPU maximum); give one with --time S`,
      'PROBLEM_DIR',
    );
  const lowering: TimedSubmission[] = [...accepted];
  if (pkg.config.format === '2025-09')
    for (const [folder, permitted] of [
      ['wrong_answer', ['AC', 'WA']],
      ['run_time_error', ['AC', 'RE', 'MLE', 'OLE', 'SE']],
    ] as const) {
      for (const t of await judgeFolder(folder)) {
        if (t.verdict === 'CE' || t.verdict === 'IE') {
          notes.push(`${t.path} is ${t.verdict}: not used for the time limit`);
          continue;
        }
        // Its verdict is its first rejection's; a TLE anywhere would be that or a later one: look at every test.
        const seen = new Set(t.verdicts);
        const bad = [...seen].find((v) => !(permitted as readonly string[]).includes(v));
        if (bad === 'TLE')
          throw new InvalidRequestError(
            `cannot derive the time limit: submissions/${t.path} is TLE under the probe limit of ${s3(probeMs)} (caged's CPU maximum), and a ${folder} submission bounds the time limit from below; give one with --time S`,
            'PROBLEM_DIR',
          );
        if (bad) notes.push(`${t.path} got ${bad}, which its folder does not permit: not used for the time limit`);
        else lowering.push(t);
      }
    }
  const slowest = lowering.reduce((a, b) => (b.maxCpuMs > a.maxCpuMs ? b : a));
  // The time_limit_exceeded submissions bound it from above; one that got another verdict is not a timing.
  const tle = (await judgeFolder('time_limit_exceeded')).filter((t) => {
    if (t.verdict === 'TLE' || t.verdict === 'AC') return true;
    notes.push(`time_limit_exceeded/${path.basename(t.path)} is ${t.verdict} under the probe limit: not used for the time limit`);
    return false;
  });
  const fastestTle = tle.length ? tle.reduce((a, b) => (b.maxCpuMs < a.maxCpuMs ? b : a)) : null;
  const tleMs = fastestTle ? (fastestTle.verdict === 'TLE' ? Math.max(fastestTle.maxCpuMs, probeMs) : fastestTle.maxCpuMs) : Infinity;
  const steps = Math.max(1, Math.ceil(((slowest.maxCpuMs / 1000) * acToTimeLimit) / resolutionS - 1e-9));
  const seconds = Math.round(steps * resolutionS * 1e6) / 1e6;
  const which = slowest.path.startsWith('accepted/') ? 'accepted' : `${slowest.path.split('/')[0]} (not permitted TLE)`;
  const lower = `slowest ${which} ${s3(slowest.maxCpuMs)} (${slowest.path}) × ac_to_time_limit ${acToTimeLimit}`;
  // A submission stopped at the probe limit took at least that: a bound past it cannot be
  // checked here, and is not refuted (problemtools runs such a submission at time_limit ×
  // time_limit_to_tle and wants TLE; caged runs nothing past its CPU maximum).
  const pastProbe = fastestTle?.verdict === 'TLE' && seconds * timeLimitToTle > probeMs / 1000 + 1e-9;
  if (!pastProbe && seconds * timeLimitToTle > tleMs / 1000 + 1e-9)
    throw new InvalidRequestError(
      `no time limit satisfies the package's submissions: at least ${seconds} s (${lower}, a multiple of time_resolution ${resolutionS} s), but the fastest time_limit_exceeded submission (${fastestTle?.path ?? ''}) took ${s3(tleMs)}, less than ${seconds} s × time_limit_to_tle ${timeLimitToTle}; give one with --time S`,
      'PROBLEM_DIR',
    );
  const upper = !fastestTle
    ? '; no time_limit_exceeded submission'
    : pastProbe
      ? `; ${seconds} s × time_limit_to_tle ${timeLimitToTle} is past caged's CPU maximum ${s3(probeMs)}: ${fastestTle.path} took at least that, taken as slow enough`
      : `; fastest time_limit_exceeded ${fastestTle.verdict === 'TLE' ? '≥ ' : ''}${s3(tleMs)} (${fastestTle.path}) ≥ ${seconds} s × time_limit_to_tle ${timeLimitToTle}`;
  notes.unshift(
    `time limit ${seconds} s from the submissions: ${lower}, rounded up to a multiple of time_resolution ${resolutionS} s${upper}`,
  );
  return { timeLimit: { seconds, from: 'submissions' }, notes, runs };
}
