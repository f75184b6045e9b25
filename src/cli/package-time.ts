/**
 * The time limit a problem package leaves the machine with (`caged problem push|pack`, and
 * `caged grade` through the queue). A worker never derives one: it would judge every submission of
 * the package for every job (docs/judging.md). So a package is checked before it is stored, not
 * when its first job fails:
 *
 *   its own (problem.yaml, .timelimit or domjudge-problem.ini)   → stored as it is;
 *   none, and --time S                                           → stored with a .timelimit of S;
 *   none, and --derive-time                                      → derived here from the package's
 *                                                                  submissions, as `caged judge`
 *                                                                  does (time-limit.ts), and
 *                                                                  stored with a .timelimit of it;
 *   none, and neither                                            → refused, saying so.
 *
 * --time is the fallback it is for `caged judge`: beside a package's own limit it is not used, and
 * a note says so. --derive-time beside a package's own limit, or beside --time, is refused.
 * A package caged cannot judge (an unsupported feature, a bad problem.yaml or test tree) is
 * refused here too, as `caged judge` would refuse it.
 */
import { InvalidRequestError } from '../errors';
import { configFile, loadPackage, type OwnTimeLimitSource, type ProblemPackage } from '../problem/problem-package';
import { NO_DMOJ_TIME_LIMIT } from '../problem/dmoj-package';

export interface PackageTimeLimit {
  seconds: number;
  from: OwnTimeLimitSource | '--time' | 'submissions';
  /** Set when the archive is to get a `.timelimit` of these seconds (PackOptions.timeLimitS). */
  add?: number;
  notes: string[];
}

export interface PackageTimeOptions {
  /** --time S. */
  time?: number;
  /** --derive-time. */
  derive: boolean;
  /** --derive-again: derive anew rather than take a kept derivation (time-limit-memo.ts). */
  again?: boolean;
  maxBytes: number;
  signal?: AbortSignal;
}

export const NO_LIMIT_FOR_WORKERS =
  'the package gives no time limit (no limits.time_limit in problem.yaml, no .timelimit file, no timelimit in domjudge-problem.ini), and workers do not derive one: ' +
  "give --time S, or --derive-time to derive it here from the package's submissions (as caged judge does)";

/**
 * The note for a --time beside the package's own limit, which wins (--time is the fallback for
 * a package that gives none): `caged judge`, `grade` and `problem push|pack` alike.
 */
export function unusedTimeNotes(time: number | undefined, limit: ProblemPackage['timeLimit']): string[] {
  if (time === undefined || limit === null || limit.from === '--time' || limit.from === 'submissions') return [];
  return [`--time ${time} not used: the package gives its time limit (${limit.seconds} s in ${limit.from})`];
}

export async function packageTimeLimit(dir: string, opts: PackageTimeOptions): Promise<PackageTimeLimit> {
  if (opts.derive && opts.time !== undefined) throw new InvalidRequestError('give one of --time and --derive-time', 'arguments');
  if (opts.again && !opts.derive) throw new InvalidRequestError('goes with --derive-time', '--derive-again');
  const pkg = loadPackage(dir, { maxBytes: opts.maxBytes, deferTimeLimit: true });
  if (pkg.config.unsupported.length)
    throw new InvalidRequestError(`not supported yet: ${pkg.config.unsupported.join(', ')}`, configFile(pkg));
  if (pkg.timeLimit) {
    const own = pkg.timeLimit;
    if (opts.derive)
      throw new InvalidRequestError(
        `the package gives its time limit (${own.seconds} s in ${own.from}): nothing to derive`,
        '--derive-time',
      );
    return { seconds: own.seconds, from: own.from, notes: unusedTimeNotes(opts.time, own) };
  }
  if (opts.time !== undefined) return { seconds: opts.time, from: '--time', add: opts.time, notes: [] };
  if (!opts.derive) throw new InvalidRequestError(pkg.config.format === 'dmoj' ? NO_DMOJ_TIME_LIMIT : NO_LIMIT_FOR_WORKERS, 'PROBLEM_DIR');
  // The sandbox and the judge are loaded only to derive (a push needs neither: no koffi, no image).
  const [{ Judge }, { Sandbox }, { packageReportBytes }, { keptTimeLimit }, { judgeOptionsFromEnv }] = await Promise.all([
    import('../judge/judge'),
    import('../sandbox/sandbox'),
    import('../problem/judge-package'),
    import('../problem/time-limit-memo'),
    import('./run'),
  ]);
  const env = judgeOptionsFromEnv();
  const judge = await Judge.create({
    ...env,
    sandbox: await Sandbox.create(),
    closeSandbox: true,
    reportOutputBytes: packageReportBytes(pkg, env.maxima),
  });
  try {
    const derived = await keptTimeLimit(
      judge,
      pkg,
      { maxima: env.maxima, hooks: { signal: opts.signal } },
      { again: opts.again === true, settings: env, maxBytes: opts.maxBytes },
    );
    const seconds = derived.timeLimit.seconds;
    return { seconds, from: 'submissions', add: seconds, notes: derived.notes };
  } finally {
    await judge.close();
  }
}
