/**
 * `caged grade PROBLEM SUBMISSION… [--out FILE.csv|.json|.html]… [--local] [--rejudge]
 * [--concurrency N] [--json] [--time S | --derive-time] [--memory MB] [--lang-of .EXT=LANG,…] [--state DIR]
 * [--all-tests] [--image MANIFEST]`:
 * grades a batch (a class's homework, a contest's submissions) against one problem.
 *
 * PROBLEM is a problem package (a directory with problem.yaml: checked and pushed to Redis like
 * `caged problem push`, with its `--time` and `--derive-time`; judged like `caged judge`, and with
 * `--local` a time limit it lacks is derived once for the batch)
 * or a directory of tests (NAME.in with NAME.ans or NAME.out; `--time`/`--memory` set their
 * limits). SUBMISSION: see grade-inputs.ts. `--all-tests` (a package): every test is judged, none
 * skipped after a rejection, as `caged judge --all-tests` (the submissions' `allTests`).
 *
 * Through the queue by default (CAGED_REDIS_URL, CAGED_QUEUE, CAGED_PREFIX): the batch is one
 * BullMQ flow and every worker takes part (src/client/grade.ts); resumable: the same command
 * again judges only what is missing, `--rejudge` judges all again. `--local` judges in this
 * process, `--concurrency N` at a time (default 1), keeping results under `--state DIR`
 * (default $XDG_CACHE_HOME/caged/grade) for the same resumption (src/grade/local-batch.ts).
 *
 * Ctrl-C (SIGINT) or SIGTERM interrupts: the submissions not started are withdrawn, the running
 * ones finish and are kept; exit status 130 (143 for SIGTERM); a second signal kills at once. Otherwise 0 once the
 * batch is graded, whatever the verdicts; 2 for bad arguments; 1 when caged failed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CagedClient } from '../client/client';
import { GradeInterruptedError, type GradeEntry, type GradeProblem, type GradeResult } from '../client/grade';
import { loadConfig } from '../config';
import { InvalidRequestError } from '../errors';
import { gradeLocally } from '../grade/local-batch';
import { writeReports, reportKind } from '../grade/write-reports';
import { DEFAULT_MANIFEST, Judge } from '../judge/judge';
import { LanguageRegistry } from '../judge/languages';
import { loadManifest } from '../rootfs/manifest';
import type { JudgeResult, SubmissionInput } from '../judge/schema';
import { outsideLanguages, packageLanguages, type ImageLanguages } from '../problem/extensions';
import { judgePackage, packageReportBytes } from '../problem/judge-package';
import { overCodeLimit, sourceBytes } from '../problem/package-sources';
import { packageSubmissionOf } from '../problem/package-submission';
import { isPackageRoot, openPackagePath } from '../problem/package-path';
import { DEFAULT_MAX_PUSH_BYTES, digestOf, packProblem } from '../problem/package-store';
import { configFile, loadPackage, type ProblemPackage } from '../problem/problem-package';
import { PackageFiles } from '../problem/package-files';
import { isPolygonPackage } from '../problem/polygon-package';
import { runningEveryTest } from '../problem/test-data';
import { keptTimeLimit } from '../problem/time-limit-memo';
import { checkRedisReachable, redisConnection } from '../queue/connection';
import { Sandbox } from '../sandbox/sandbox';
import { numberFlag, parseArgs, positiveNumber, stringFlag, type ParsedArgs } from './args';
import { collectEntries, parseLanguageOverrides, submissionPaths, type OwnSubmissions } from './grade-inputs';
import { GradeProgressView, type ProgressMode } from './grade-progress';
import { readIfFile, resolveSubmission } from './judge';
import { checkOwnExpectation, type OwnExpectation } from '../problem/expected-results';
import { packageTimeLimit, unusedTimeNotes } from './package-time';
import { judgeOptionsFromEnv } from './run';
import { readTestDir } from './test-dir';
import { terminalSafe } from './terminal-safe';
import { GRADE_USAGE } from './usage';

/** Exit status of an interrupted batch (128 + SIGINT). */
export const INTERRUPTED = 130;

/** `--out` may be repeated; the rest goes to the strict parser. */
function splitOuts(argv: readonly string[]): { outs: string[]; rest: string[] } {
  const outs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') {
      const v = argv[++i];
      if (v === undefined) throw new InvalidRequestError('needs a value', '--out');
      outs.push(v);
    } else if (a.startsWith('--out=')) {
      outs.push(a.slice('--out='.length));
    } else {
      rest.push(a);
    }
  }
  return { outs, rest };
}

function isPackage(dir: string): boolean {
  return isPackageRoot(dir);
}

/**
 * The package's own example submissions (below its submissions/), read as `caged judge` reads
 * them (resolveSubmission); what the package expects of each is kept in `expected`, by path.
 */
function packageSubmissions(
  problemDir: string,
  languages: ImageLanguages,
  pkg: () => ProblemPackage,
  expected: Map<string, OwnExpectation | null>,
): OwnSubmissions {
  const root = fs.realpathSync(problemDir);
  // A Polygon package's own are its solutions (problem.xml names them: resolveSubmission).
  const subsDir = path.join(root, isPolygonPackage(PackageFiles.open(root)) ? 'solutions' : 'submissions');
  return {
    owns: (p) => {
      const absolute = path.resolve(p);
      const real = path.join(fs.realpathSync(path.dirname(absolute)), path.basename(absolute));
      if (!real.startsWith(subsDir + path.sep)) return false;
      const target = fs.realpathSync(absolute);
      if (!target.startsWith(root + path.sep)) throw new InvalidRequestError(`is a link pointing outside the package (to ${target})`);
      return true;
    },
    read: (p, lang) => {
      const r = resolveSubmission(pkg(), p, languages, lang);
      expected.set(p, r.expected);
      return { submission: r.submission, everyTest: r.everyTest };
    },
  };
}

export interface ExpectationCounts {
  met: number;
  failed: number;
  unverified: number;
  /** Rows expected something whose full result was not at hand (refused, failed, not kept). */
  unchecked: number;
}

/**
 * Each of the package's own rows checked against what its package expects of it, as `caged
 * judge` checks one (expected-results.ts): the report goes into the row's kept result
 * (`problem.expectations`), the counts and one line per failed row are returned.
 */
export function checkOwnRows(
  result: GradeResult,
  expected: ReadonlyArray<OwnExpectation | null>,
  interactive: boolean,
  /** ProblemPackage.noSecretTests. */
  incomplete?: string,
): { counts: ExpectationCounts; failed: string[] } {
  const counts: ExpectationCounts = { met: 0, failed: 0, unverified: 0, unchecked: 0 };
  const failed: string[] = [];
  result.summary.rows.forEach((row, i) => {
    const e = expected[i];
    if (!e) return;
    const r = result.results[i];
    if (!r?.problem) {
      counts.unchecked++;
      return;
    }
    const report = checkOwnExpectation(e, r, interactive, incomplete);
    result.results[i] = { ...r, problem: { ...r.problem, expectations: report } };
    counts[report.status]++;
    if (report.status === 'failed') failed.push(`${row.name}: ${report.failed.join('; ')} (${report.from})`);
  });
  return { counts, failed };
}

/** The limits of a tests directory's submissions, from --time and --memory. */
function testLimits(args: ParsedArgs): SubmissionInput['limits'] {
  const limits: NonNullable<SubmissionInput['limits']> = {};
  if (args.flags.has('time')) limits.cpuTimeMs = numberFlag(args, 'time', 1000, 0);
  if (args.flags.has('memory')) limits.memoryBytes = numberFlag(args, 'memory', 2 ** 20, 0);
  return Object.keys(limits).length ? limits : undefined;
}

function testsProblem(dir: string, args: ParsedArgs): GradeProblem {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new InvalidRequestError(`not a directory: ${dir}`, 'PROBLEM');
  const limits = testLimits(args);
  return {
    name: path.basename(path.resolve(dir)),
    testcases: readTestDir(dir, { noExpected: false, flag: 'PROBLEM' }).testcases,
    ...(limits ? { limits } : {}),
  };
}

function defaultStateDir(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'caged', 'grade');
}

export async function gradeCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { outs, rest } = splitOuts(argv);
  const args = parseArgs(
    rest,
    ['concurrency', 'time', 'memory', 'state', 'image', 'lang-of'],
    ['local', 'rejudge', 'json', 'help', 'derive-time', 'derive-again', 'all-tests'],
  );
  if (args.flags.has('help')) {
    out.write(`usage: ${GRADE_USAGE}\n`);
    return 0;
  }
  for (const f of outs) reportKind(f);
  const [given, ...subArgs] = args.positional;
  if (!given || !subArgs.length) throw new InvalidRequestError(`give PROBLEM and at least one SUBMISSION (${GRADE_USAGE})`, 'arguments');
  // A package archive (.zip, .kpp) is graded from its extracted copy, removed at the end.
  const opened = openPackagePath(given);
  try {
    return await gradeIn(opened.dir, subArgs, args, outs, out);
  } finally {
    opened.close();
  }
}

async function gradeIn(
  problemDir: string,
  subArgs: string[],
  args: ParsedArgs,
  outs: ReturnType<typeof splitOuts>['outs'],
  out: NodeJS.WritableStream,
): Promise<number> {
  const local = args.flags.has('local');
  if (!local && (args.flags.has('concurrency') || args.flags.has('state')))
    throw new InvalidRequestError('--concurrency and --state go with --local (through the queue, the workers decide)', 'arguments');
  if (local && args.flags.has('derive-time'))
    throw new InvalidRequestError(
      '--derive-time goes without --local (here a package without a time limit gets one derived anyway)',
      'arguments',
    );
  if (args.flags.has('all-tests') && !isPackage(problemDir))
    throw new InvalidRequestError('is for a problem package (a directory of tests runs every test)', '--all-tests');
  for (const flag of ['derive-time', 'derive-again'])
    if (args.flags.has(flag) && !isPackage(problemDir))
      throw new InvalidRequestError(
        "is for a problem package (a directory of tests has its limits from --time or the workers' defaults)",
        `--${flag}`,
      );
  const concurrency = numberFlag(args, 'concurrency', 1, 1);
  const { maxSourceBytes } = loadConfig(process.env, ['maxSourceBytes']);
  // Languages by extension from the image's manifest (through the queue: the one every worker serves).
  const registry = LanguageRegistry.fromManifest(
    await loadManifest(stringFlag(args, 'image') ?? process.env.CAGED_IMAGE ?? DEFAULT_MANIFEST),
  );
  // As for `caged judge`: a `.pl` file that reads as Prolog is Prolog, not Perl; against a
  // package, a C++ file is the newest C++ (packageLanguages).
  const languages = packageLanguages(
    {
      languages: () => registry.list(),
      languageOfFile: (f: string, field?: string) => registry.ofFile(f, field).id,
      language: (id: string, field?: string) => registry.get(id, field),
    },
    readIfFile,
    { newestCpp: isPackage(problemDir) },
  );
  // A package is read once, at its first need: its own submissions here, or --local's judging.
  const time = positiveNumber(stringFlag(args, 'time'), '--time');
  let loaded: ProblemPackage | undefined;
  const pkg = isPackage(problemDir)
    ? () => (loaded ??= loadPackage(problemDir, { deferTimeLimit: true, ...(time === undefined ? {} : { fallbackTimeLimitS: time }) }))
    : null;
  const paths = submissionPaths(subArgs);
  const expectedOf = new Map<string, OwnExpectation | null>();
  const collected = collectEntries(
    paths,
    maxSourceBytes,
    languages,
    parseLanguageOverrides(stringFlag(args, 'lang-of')),
    pkg ? packageSubmissions(problemDir, languages, pkg, expectedOf) : undefined,
  );
  // A row outside the problem's languages or over its code limit is refused here, as the worker would refuse its job.
  const allowed = pkg ? pkg().config.languages : null;
  const entries = collected.map((e): GradeEntry => {
    if (e.refused !== undefined) return e;
    const why = outsideLanguages(e.language, allowed) ?? (pkg ? overCodeLimit(pkg(), sourceBytes(e)) : null);
    return why ? { name: e.name, language: e.language, refused: why } : e;
  });
  const mode: ProgressMode = args.flags.has('json') ? 'json' : process.stderr.isTTY ? 'bar' : 'lines';
  const view = new GradeProgressView(mode, out, process.stderr);
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    // Once: a second signal finds no handler and kills the process.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    received = signal;
    if (mode !== 'json') process.stderr.write(`\ninterrupting (${signal}): withdrawing the submissions not started (again to kill)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  const opts = {
    onProgress: (p: Parameters<GradeProgressView['update']>[0]) => view.update(p),
    rejudge: args.flags.has('rejudge'),
    signal: abort.signal,
  };
  let result: GradeResult;
  try {
    result = local
      ? await gradeHere(problemDir, pkg, entries, args, { ...opts, concurrency, maxSourceBytes })
      : await gradeThroughQueue(problemDir, entries, args, {
          ...opts,
          // The full results of the package's own rows too, to check them against what it expects.
          keepResults: outs.some((f) => reportKind(f) === '.json') || [...expectedOf.values()].some((e) => e !== null),
        });
  } catch (err) {
    view.finish();
    if (!(err instanceof GradeInterruptedError)) throw err;
    if (mode === 'json') out.write(`${JSON.stringify({ event: 'interrupted', done: err.done, total: err.total, running: err.running })}\n`);
    else process.stderr.write(terminalSafe(`caged: ${err.message}\n`));
    return received === 'SIGTERM' ? 128 + os.constants.signals.SIGTERM : INTERRUPTED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  view.finish();
  const seconds = (Date.now() - started) / 1000;
  const expected = paths.map((p) => expectedOf.get(p) ?? null);
  const own =
    pkg && expected.some((e) => e !== null)
      ? checkOwnRows(result, expected, pkg().config.validation.interactive, pkg().noSecretTests)
      : null;
  writeReports(outs, { ...result, generatedAt: new Date().toISOString(), seconds });
  const s = result.summary;
  if (mode === 'json') {
    out.write(
      `${JSON.stringify({ event: 'done', batchId: s.batchId, total: s.rows.length, judged: result.judged, reused: result.reused, counts: s.counts, ...(own ? { expectations: own.counts } : {}), seconds, reports: outs })}\n`,
    );
  } else {
    const counts = Object.entries(s.counts)
      .map(([v, n]) => `${v} ${n}`)
      .join(', ');
    const lines = [
      `graded ${s.rows.length} submissions in ${seconds.toFixed(1)} s: ${counts} (judged ${result.judged}, reused ${result.reused})`,
    ];
    if (own) {
      const c = own.counts;
      lines.push(
        `expected of the package's own: ${c.met} met, ${c.failed} failed, ${c.unverified} unverified${c.unchecked ? `, ${c.unchecked} without a result to check` : ''}`,
      );
      for (const f of own.failed) lines.push(`  failed: ${f}`);
      if (c.unverified)
        lines.push('  (unverified: tests skipped after a rejection could still break a requirement; --all-tests judges them)');
    }
    for (const f of outs) lines.push(`report: ${f}`);
    out.write(terminalSafe(`${lines.join('\n')}\n`));
  }
  return 0;
}

interface RunOpts {
  onProgress: (p: Parameters<GradeProgressView['update']>[0]) => void;
  rejudge: boolean;
  signal: AbortSignal;
}

async function gradeThroughQueue(
  problemDir: string,
  entries: GradeEntry[],
  args: ParsedArgs,
  opts: RunOpts & { keepResults: boolean },
): Promise<GradeResult> {
  const config = loadConfig(process.env, ['redisUrl', 'redisCluster', 'queue', 'prefix', 'maxSourceBytes']);
  await checkRedisReachable(config.redisUrl);
  const connection = redisConnection(config.redisUrl, { cluster: config.redisCluster === 'yes' });
  const client = new CagedClient({
    connection: connection.options,
    queueName: config.queue,
    prefix: config.prefix,
    maxSourceBytes: config.maxSourceBytes,
    recheckMs: 2000,
  });
  try {
    let problem: GradeProblem;
    if (isPackage(problemDir)) {
      if (args.flags.has('memory'))
        throw new InvalidRequestError(
          "a problem package's memory limit is its own through the queue (the workers judge by its problem.yaml); --memory goes with --local",
          '--memory',
        );
      // Checked, and given --time when it has no time limit of its own, before anything is queued (package-time.ts).
      const time = positiveNumber(stringFlag(args, 'time'), '--time');
      const t = await packageTimeLimit(problemDir, {
        ...(time === undefined ? {} : { time }),
        derive: args.flags.has('derive-time'),
        again: args.flags.has('derive-again'),
        maxBytes: DEFAULT_MAX_PUSH_BYTES,
        signal: opts.signal,
      });
      for (const n of t.notes) process.stderr.write(terminalSafe(`caged: note: ${n}\n`));
      const ref = await client.pushProblem(problemDir, t.add === undefined ? {} : { timeLimitS: t.add });
      problem = { package: { id: ref.id, digest: ref.digest }, ...(args.flags.has('all-tests') ? { allTests: true } : {}) };
    } else {
      problem = testsProblem(problemDir, args);
    }
    return await client.grade(problem, entries, opts);
  } finally {
    await client.close().catch(() => undefined);
    await connection.close();
  }
}

async function gradeHere(
  problemDir: string,
  /** The package, read at most once (null: a directory of tests). */
  packageOnce: (() => ProblemPackage) | null,
  entries: GradeEntry[],
  args: ParsedArgs,
  opts: RunOpts & { concurrency: number; maxSourceBytes: number },
): Promise<GradeResult> {
  const env = judgeOptionsFromEnv();
  const image = stringFlag(args, 'image');
  const memory = args.flags.has('memory') ? numberFlag(args, 'memory', 1, 0) : undefined;
  let pkg = packageOnce?.();
  if (pkg?.config.unsupported.length)
    throw new InvalidRequestError(`not supported yet: ${pkg.config.unsupported.join(', ')}`, configFile(pkg));
  const tests = pkg ? null : testsProblem(problemDir, args);
  const judge = await Judge.create({
    ...env,
    sandbox: await Sandbox.create({ preparedContainers: Math.min(opts.concurrency, 16) }),
    closeSandbox: true,
    ...(pkg ? { reportOutputBytes: packageReportBytes(pkg, env.maxima) } : {}),
    ...(image ? { manifestPath: image } : {}),
  });
  try {
    let problem: GradeProblem;
    if (pkg) {
      // No time limit anywhere: derived once for the batch, as caged judge derives it (time-limit.ts).
      let limit = pkg.timeLimit;
      for (const n of unusedTimeNotes(positiveNumber(stringFlag(args, 'time'), '--time'), limit))
        process.stderr.write(terminalSafe(`caged: note: ${n}\n`));
      if (limit && args.flags.has('derive-again'))
        throw new InvalidRequestError(
          limit.from === '--time'
            ? 'give one of --time and --derive-again'
            : `the package gives its time limit (${limit.seconds} s in ${limit.from}): nothing to derive`,
          '--derive-again',
        );
      if (!limit) {
        const d = await keptTimeLimit(
          judge,
          pkg,
          { maxima: env.maxima, hooks: { signal: opts.signal } },
          { again: args.flags.has('derive-again'), settings: env },
        );
        for (const n of d.notes) process.stderr.write(terminalSafe(`caged: note: ${n}\n`));
        limit = d.timeLimit;
        pkg = { ...pkg, timeLimit: limit };
      }
      // A limit not the package's own (--time, derived) is in the archive the results are kept
      // under, as through the queue: a resumed batch under another limit judges again.
      const own = limit.from !== '--time' && limit.from !== 'submissions';
      const packed = packProblem(problemDir, undefined, own ? {} : { timeLimitS: limit.seconds });
      // --memory overrides problem.yaml's: the results are kept under a key of both, likewise.
      const key = memory === undefined ? packed.digest : digestOf(Buffer.concat([packed.tar, Buffer.from(`\0--memory ${memory}`)]));
      problem = { package: { id: packed.id, digest: key }, ...(args.flags.has('all-tests') ? { allTests: true } : {}) };
    } else {
      problem = tests!;
    }
    const judged = pkg;
    // --all-tests, or a Polygon package's own solution: the submission says so (its job id with it), the package judges every test.
    const everyTest = judged ? { ...judged, data: runningEveryTest(judged.data) } : judged;
    const judgeOne = (s: SubmissionInput): Promise<JudgeResult> => {
      if (!judged) return judge.judge(s);
      const p = s.allTests ? everyTest! : judged;
      return judgePackage(judge, p, packageSubmissionOf(s), { maxima: env.maxima, ...(memory ? { memoryMiB: memory } : {}) });
    };
    return await gradeLocally(problem, entries, {
      ...opts,
      judgeOne,
      stateDir: stringFlag(args, 'state') ?? defaultStateDir(),
      workerName: `local@${os.hostname()}`,
      // A kept result is reused only under the same image (--image) and step limits (src/config-limits.ts).
      judgedWith: digestOf(Buffer.from(JSON.stringify({ image: judge.image, maxima: judge.stepMaxima }))),
    });
  } finally {
    await judge.close();
  }
}
