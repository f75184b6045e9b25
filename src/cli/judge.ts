/**
 * `caged judge PROBLEM_DIR SUBMISSION [--lang LANG] [--entry FILE] [--time S] [--memory MB]
 * [--all-tests] [--image MANIFEST] [--json]`: judges a submission against a problem package
 * (src/problem/), locally, with no Redis, through the same Judge as `caged run`.
 *
 * SUBMISSION is a source file or a directory of source files. The language comes from
 * `--lang`, else from the extension, by the image manifest's `extensions` (docs/languages.md:
 * `.py` python3, `.java` java, …; a Prolog `.pl` and C++ as cpp23: packageLanguages). Java and
 * Scala find their main class in the sources. A directory keeps every name; its entry (the
 * wire's `entry`) is found by directorySubmission (src/problem/package-submission.ts).
 * `--all-tests` judges every test (no group stops after a rejection), as checking a package's
 * own submission against submissions.yaml needs.
 * Output: the same human summary as `caged run` plus one line per group, or `--json`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HostError, InvalidRequestError } from '../errors';
import { Judge } from '../judge/judge';
import type { JudgeResult } from '../judge/schema';
import { MAX_SOURCE_PATH_DIRS } from '../judge/source-path';
import { judgePackage, packageReportBytes } from '../problem/judge-package';
import { withPackageConstants } from '../problem/package-sources';
import { directorySubmission, fileSubmission } from '../problem/package-submission';
import { openPackagePath } from '../problem/package-path';
import type { PackageSubmission } from '../problem/package-submission';
import { configFile, loadPackage, type ProblemPackage } from '../problem/problem-package';
import { keptTimeLimit } from '../problem/time-limit-memo';
import { Sandbox } from '../sandbox/sandbox';
import { parseArgs, positiveNumber, stringFlag, type ParsedArgs } from './args';
import { LIMIT_FLAGS, limitFlagValue } from './limit-flags';
import { judgeOptionsFromEnv, summary } from './run';
import { terminalSafe } from './terminal-safe';
import { namesPython2, python2Of } from '../judge/languages';
import { runningEveryTest } from '../problem/test-data';
import { languageAndEntry, type SubmissionExpectations } from '../problem/submissions-yaml';
import { checkOwnExpectation, ownExpectation, type OwnExpectation } from '../problem/expected-results';
import { juryLanguages, packageLanguages, type ImageLanguages, type KnownLanguages } from '../problem/extensions';
import { unusedTimeNotes } from './package-time';
import type { PolygonSolution } from '../problem/polygon-package';
import { polygonExpectation, polygonSolutionAt, polygonSolutionLanguage, uncheckedTagNote } from '../problem/polygon-solutions';
import { JUDGE_USAGE } from './usage';

/** What packageSubmission needs of the image's languages (the Judge has both). */
export type SubmissionLanguages = Pick<ImageLanguages, 'languageOfFile' | 'language'>;

/**
 * The plain files of directory `dir` at any depth, by path ("main.py", "util/parse.py"), sorted:
 * a program is all its files and subdirectories (problemtools). Its regular files, and its links
 * to a regular file inside `within` (a package's own submission may link to another of its
 * submissions, as BAPCtools' test problems do); a link elsewhere, or to nothing, is refused
 * naming it, as the package loader refuses one; a link to a directory, and the rest, are not
 * files of it. Deeper than a source path may be (MAX_SOURCE_PATH_DIRS), or past
 * MAX_DIRECTORY_ENTRIES entries, it is refused.
 */
export function directoryFiles(dir: string, within: string): string[] {
  const root = fs.realpathSync(within);
  const out: string[] = [];
  let entries = 0;
  const walk = (rel: string, depth: number): void => {
    for (const n of fs.readdirSync(path.join(dir, rel))) {
      if (++entries > MAX_DIRECTORY_ENTRIES) throw new InvalidRequestError(`holds more than ${MAX_DIRECTORY_ENTRIES} entries`, dir);
      const name = rel ? `${rel}/${n}` : n;
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) {
        if (depth >= MAX_SOURCE_PATH_DIRS)
          throw new InvalidRequestError(`is nested deeper than the ${MAX_SOURCE_PATH_DIRS} directories a source path may have`, p);
        walk(name, depth + 1);
      } else if (!st.isSymbolicLink()) {
        if (st.isFile()) out.push(name);
      } else {
        const real = fs.existsSync(p) ? fs.realpathSync(p) : null;
        if (real === null || (real !== root && !real.startsWith(root + path.sep)))
          throw new InvalidRequestError(`is a link ${real === null ? 'to nothing' : `outside ${within}`} (refused)`, p);
        if (fs.statSync(real).isFile()) out.push(name);
      }
    }
  };
  walk('', 0);
  return out.sort();
}

/** Entries a submission directory may hold, at every depth together. */
const MAX_DIRECTORY_ENTRIES = 1000;

/**
 * The submission `caged judge` builds from SUBMISSION, --lang and --entry (exported for tests);
 * a directory's links may point anywhere inside `within` (default: the directory itself).
 */
export function packageSubmission(
  target: string,
  lang: string | undefined,
  entry: string | undefined,
  languages: SubmissionLanguages,
  within: string = target,
): PackageSubmission {
  const languageOf = (file: string) => languages.languageOfFile(file, 'SUBMISSION');
  // A Python 2 program (its #! line names python2) is judged by python2, never as Python 3.
  const python2 = (name: string) => python2Of((id, field) => languages.language(id, field), name, 'SUBMISSION');
  const st = fs.statSync(target, { throwIfNoEntry: false });
  if (st?.isFile()) {
    const source = fs.readFileSync(target, 'utf8');
    if (lang === undefined && namesPython2(source)) return fileSubmission(python2(target), target, source);
    return fileSubmission(languages.language(lang ?? languageOf(target), '--lang'), target, source);
  }
  if (!st?.isDirectory()) throw new InvalidRequestError(`no such file or directory: ${target}`, 'SUBMISSION');
  const names = directoryFiles(target, within);
  if (!names.length) throw new InvalidRequestError(`no files in ${target}`, 'SUBMISSION');
  const language = lang ?? (entry !== undefined ? languageOf(path.join(target, entry)) : directoryLanguage(names, target, languages));
  const detected = languages.language(language, '--lang');
  if (entry !== undefined && !names.includes(entry))
    throw new InvalidRequestError(`no file ${JSON.stringify(entry)} in ${target}`, '--entry');
  const py2 =
    lang === undefined &&
    names.find((n) => detected.extensions?.includes(path.extname(n)) && namesPython2(fs.readFileSync(path.join(target, n), 'utf8')));
  const spec = py2 ? python2(path.join(target, py2)) : detected;
  // A file keeps its executable bit (a multi-file program's helper script, run as ./name).
  const sub = directorySubmission(
    spec,
    names,
    (n) => fs.readFileSync(path.join(target, n)),
    entry,
    (n) => (fs.statSync(path.join(target, n)).mode & 0o111) !== 0,
  );
  if ('refused' in sub)
    throw new InvalidRequestError(
      entry === undefined ? `${sub.refused}: give --entry FILE${lang === undefined ? '' : ', or another --lang'}` : sub.refused,
      'SUBMISSION',
    );
  return sub;
}

/** submissions.yaml's language and entry point of the package submission at `real` (`rel` below submissions/). */
function yamlLanguageAndEntry(
  expected: SubmissionExpectations,
  rel: string,
  real: string,
  languages: KnownLanguages,
  within: string,
): { lang?: string; entry?: string } {
  const files = fs.statSync(real).isDirectory() ? { names: directoryFiles(real, within) } : { single: path.basename(real) };
  return languageAndEntry(expected, rel, files, languages);
}

/** A regular file's bytes; null for anything else (a link, a directory, nothing). */
export function readIfFile(file: string): Buffer | null {
  try {
    return fs.lstatSync(file).isFile() ? fs.readFileSync(file) : null;
  } catch {
    return null;
  }
}

/** The one language of a directory's source files (by extension). */
function directoryLanguage(names: readonly string[], dir: string, languages: SubmissionLanguages): string {
  const langs = new Set<string>();
  for (const n of names) {
    try {
      langs.add(languages.languageOfFile(path.join(dir, n), 'SUBMISSION'));
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err; // a header, a data file: not a source
    }
  }
  const [only, ...more] = [...langs];
  if (!only || more.length)
    throw new InvalidRequestError(
      `cannot tell the language of ${dir} (${[...langs].join(', ') || 'no known extension'}): give --lang`,
      'SUBMISSION',
    );
  return only;
}

/** A submission as `caged judge` and `caged grade` read it, with what its package expects of it (expected-results.ts). */
export interface ResolvedSubmission {
  submission: PackageSubmission;
  expected: OwnExpectation | null;
  /** One of the package's own example submissions (judgePackage's `ownSubmission`). */
  own: boolean;
  /** Why one of the package's own is checked against nothing (nothing expects anything of it); absent otherwise. */
  unchecked?: string;
  /**
   * Judged on every test, none skipped after a rejection: a Polygon package's own solution, as
   * Polygon's invocations run them (their tags, wrong-answer: some WA, none TLE or RE, speak of every test).
   */
  everyTest: boolean;
}

/**
 * SUBMISSION for the package `loaded`. One of the package's own example submissions (below its
 * submissions/) gets the problem's constants, and what submissions.yaml says of it: its language
 * and entry point (`lang` and `entry` win), and its requirements (2025-09); it may link to
 * another of the package's files (the loader's rule), any other submission only within itself.
 * The submission's own place decides its folder: a link is named where it lies (BAPCtools'
 * `run_time_error/ac.bad.py` → `../accepted/author.py` is run_time_error's), only the
 * directories above it are resolved.
 */
export function resolveSubmission(
  loaded: ProblemPackage,
  target: string,
  languages: ImageLanguages,
  lang?: string,
  entry?: string,
): ResolvedSubmission {
  if (!fs.existsSync(target)) throw new InvalidRequestError(`no such file or directory: ${target}`, 'SUBMISSION');
  const absolute = path.resolve(target);
  const real = path.join(fs.realpathSync(path.dirname(absolute)), path.basename(absolute));
  if (loaded.solutions) return polygonSubmission(loaded, loaded.solutions, real, target, languages, lang, entry);
  const subsDir = path.join(loaded.dir, 'submissions');
  const own = real.startsWith(subsDir + path.sep);
  const rel = path.relative(subsDir, real).split(path.sep).join('/');
  const expected = own
    ? ownExpectation(loaded.config, loaded.files, rel, () => ownSources(real, loaded.dir), loaded.data.settings.range)
    : null;
  const langs = own ? juryLanguages(languages) : languages;
  const fromYaml =
    expected?.kind === 'rules' && loaded.config.format === '2025-09'
      ? yamlLanguageAndEntry(expected.rules, rel, real, langs, loaded.dir)
      : {};
  const given = packageSubmission(target, lang ?? fromYaml.lang, entry ?? fromYaml.entry, langs, own ? loaded.dir : target);
  return {
    submission: own ? withPackageConstants(given, loaded.config.constants) : given,
    expected,
    own,
    everyTest: false,
    ...(own && !expected ? { unchecked: uncheckedFolderNote(rel.split('/')[0]!) } : {}),
  };
}

/**
 * SUBMISSION for a Polygon package: one of its solutions (problem.xml names it) gets what its tag
 * expects (polygon-solutions.ts) and, without `lang`, the language its source type names.
 */
function polygonSubmission(
  loaded: ProblemPackage,
  solutions: readonly PolygonSolution[],
  real: string,
  target: string,
  languages: ImageLanguages,
  lang?: string,
  entry?: string,
): ResolvedSubmission {
  const sol = polygonSolutionAt(solutions, loaded.dir, real);
  const langs = sol ? juryLanguages(languages) : languages;
  const ids = languages.languages().map((l) => l.id);
  const byType = sol && lang === undefined ? polygonSolutionLanguage(sol, ids) : undefined;
  const submission = packageSubmission(target, lang ?? byType, entry, langs, sol ? loaded.dir : target);
  const expected = sol ? polygonExpectation(sol) : null;
  return {
    submission,
    expected,
    own: sol !== null,
    everyTest: sol !== null,
    ...(sol && !expected ? { unchecked: uncheckedTagNote(sol) } : {}),
  };
}

/**
 * A package submission's files in name order, as text (read for DOMjudge's annotations): a
 * regular file, or a directory's regular files (its links within `within`); anything else (a
 * pipe, a link to a device) has none, and packageSubmission refuses it, never read here.
 */
function ownSources(real: string, within: string): Array<{ name: string; text: string }> {
  const st = fs.statSync(real);
  if (st.isFile()) return [{ name: path.basename(real), text: fs.readFileSync(real, 'utf8') }];
  if (!st.isDirectory()) return [];
  return directoryFiles(real, within).map((n) => ({ name: n, text: fs.readFileSync(path.join(real, n), 'utf8') }));
}

function uncheckedFolderNote(folder: string): string {
  return `submissions/${folder}/ is none of the format's folders (accepted, wrong_answer, time_limit_exceeded, run_time_error, …) and the submission names no expected result: its verdict is checked against nothing`;
}

const MEMORY_FLAG = LIMIT_FLAGS.find((f) => f.flag === 'memory')!;

/** `caged run`'s summary, then the problem's notes and one line per group. */
export function packageSummary(r: JudgeResult): string {
  const lines: string[] = [];
  if (r.problem) {
    const p = r.problem;
    // A language's time factor (python3's 2, say) stretches it for this submission: said, with the limit that applied.
    const applied =
      r.limits && r.limits.cpuTimeMs !== p.timeLimitMs
        ? `; ${r.limits.cpuTimeMs / 1000} s for this ${r.language.id} submission (its time factor)`
        : '';
    lines.push(`problem ${p.name} (${p.format}, ${p.type}), time limit ${p.timeLimitMs / 1000} s from ${p.timeLimitFrom}${applied}`);
    for (const n of p.notes) lines.push(`note: ${n}`);
    const e = p.expectations;
    if (e) {
      // unverified: nothing failed in what was judged; the tests skipped after a rejection could still break a requirement.
      const status =
        e.status === 'met' ? 'every requirement met' : e.status === 'unverified' ? 'met as far as judged, unverified' : e.status;
      lines.push(`expected (${e.from ?? 'submissions.yaml'}): ${status}`);
      for (const f of e.failed) lines.push(`  failed: ${f}`);
      for (const u of e.unverified) lines.push(`  unverified: ${u}`);
      // Tests skipped after a rejection: judging them all could settle it (missing test data could not).
      if (e.unverified.length && r.tests.some((t) => t.verdict === 'SKIPPED')) lines.push('  (give --all-tests to judge every test)');
    }
  }
  for (const g of r.groups ?? []) {
    const score = r.problem?.type === 'scoring' ? ` score ${g.score}/${g.maxScore}` : '';
    const n = g.tests.length;
    // A group with no test case (a BAPCtools data/secret holding only its .gitignore) has no verdict to show.
    lines.push(n ? `group ${g.name}: ${g.verdict}${score} (${n} test${n === 1 ? '' : 's'})` : `group ${g.name}: holds no test case`);
  }
  return summary(r) + terminalSafe(`${lines.join('\n')}\n`);
}

export interface JudgeCommandDeps {
  judge?: Judge;
  /** Aborted on SIGINT/SIGTERM (main.ts): judging stops before its next step, and everything it made is removed. */
  signal?: AbortSignal;
  /** Where derived time limits are kept (time-limit-memo.ts); default `<state>/time-limits`. */
  keptLimitsDir?: string;
}

export async function judgeCommand(argv: readonly string[], out: NodeJS.WritableStream, deps: JudgeCommandDeps = {}): Promise<number> {
  const args = parseArgs(argv, ['lang', 'entry', 'time', 'memory', 'image'], ['json', 'help', 'all-tests', 'derive-again']);
  if (args.flags.has('help')) {
    out.write(`usage: ${JUDGE_USAGE}\n`);
    return 0;
  }
  const [given, target, ...extra] = args.positional;
  if (!given || !target || extra.length) throw new InvalidRequestError(`give PROBLEM_DIR and SUBMISSION (${JUDGE_USAGE})`, 'arguments');
  // A package archive (.zip, .kpp) is judged from its extracted copy, removed at the end.
  const opened = openPackagePath(given);
  try {
    return await judgeIn(opened.dir, target, args, out, deps);
  } finally {
    opened.close();
  }
}

async function judgeIn(dir: string, target: string, args: ParsedArgs, out: NodeJS.WritableStream, deps: JudgeCommandDeps): Promise<number> {
  const time = positiveNumber(stringFlag(args, 'time'), '--time');
  const memoryBytes = limitFlagValue(args, MEMORY_FLAG);
  const memory = memoryBytes === undefined ? undefined : memoryBytes / 2 ** 20;
  // No time limit anywhere: derived from the package's submissions once the judge is up (time-limit.ts).
  const loaded = loadPackage(dir, { deferTimeLimit: true, ...(time === undefined ? {} : { fallbackTimeLimitS: time }) });
  let pkg = loaded;
  if (pkg.config.unsupported.length)
    throw new InvalidRequestError(`not supported yet: ${pkg.config.unsupported.join(', ')}`, configFile(pkg));
  if (args.flags.has('derive-again') && loaded.timeLimit !== null)
    throw new InvalidRequestError(
      loaded.timeLimit.from === '--time'
        ? 'give one of --time and --derive-again'
        : `the package gives its time limit (${loaded.timeLimit.seconds} s in ${loaded.timeLimit.from}): nothing to derive`,
      '--derive-again',
    );
  const env = judgeOptionsFromEnv();
  const judge =
    deps.judge ??
    (await Judge.create({
      ...env,
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      // The whole output comes back to be validated (src/problem/judge-package.ts).
      reportOutputBytes: packageReportBytes(loaded, env.maxima),
      ...(stringFlag(args, 'image') ? { manifestPath: stringFlag(args, 'image') } : {}),
    }));
  try {
    const { submission, expected, own, unchecked, everyTest } = resolveSubmission(
      loaded,
      target,
      packageLanguages(judge, (file) => readIfFile(file)),
      stringFlag(args, 'lang'),
      stringFlag(args, 'entry'),
    );
    const opts = { maxima: env.maxima, ...(memory ? { memoryMiB: memory } : {}), hooks: { signal: deps.signal } };
    const derived =
      loaded.timeLimit === null
        ? await keptTimeLimit(judge, loaded, opts, {
            again: args.flags.has('derive-again'),
            settings: env,
            ...(deps.keptLimitsDir ? { dir: deps.keptLimitsDir } : {}),
          })
        : null;
    if (derived) pkg = { ...loaded, timeLimit: derived.timeLimit };
    if (args.flags.has('all-tests') || everyTest) pkg = { ...pkg, data: runningEveryTest(pkg.data) };
    const judged = await judgePackage(judge, pkg, submission, { ...opts, ownSubmission: own });
    if (deps.signal?.aborted) throw new HostError(`interrupted (${String(deps.signal.reason)})`);
    // One of the package's own submissions that nothing sets an expectation for (a folder outside the format's, no annotation): said.
    const unusedTime = unusedTimeNotes(time, loaded.timeLimit);
    const result =
      judged.problem && (derived || expected || unchecked || unusedTime.length)
        ? {
            ...judged,
            problem: {
              ...judged.problem,
              notes: [...unusedTime, ...(derived?.notes ?? []), ...(unchecked ? [unchecked] : []), ...judged.problem.notes],
              ...(expected
                ? { expectations: checkOwnExpectation(expected, judged, loaded.config.validation.interactive, loaded.noSecretTests) }
                : {}),
            },
          }
        : judged;
    out.write(args.flags.has('json') ? `${JSON.stringify(result, null, 2)}\n` : packageSummary(result));
    return 0;
  } finally {
    if (!deps.judge) await judge.close();
  }
}
