/**
 * Loads a problem package directory (the ICPC / Kattis problem package format, legacy, 2023-07
 * and 2025-09): problem.yaml (problem-yaml.ts), the test data tree (test-data.ts), the time limit,
 * and the default validator's flags checked up front, so that a bad package is refused before
 * anything runs (InvalidRequestError naming the file and key: CLI exit 2).
 *
 * The time limit: the package's own, from problem.yaml's `limits.time_limit`, the `.timelimit`
 * file at its root (DOMjudge's convention: seconds) or the `timelimit` of its
 * `domjudge-problem.ini` (what DOMjudge's export writes); where the package gives it in more than
 * one place, every one must say the same (DOMjudge refuses a conflict too), and it is named by
 * the first. Else the caller's fallback (`--time`); none of them is an error, unless the caller
 * will derive it from the package's submissions (`deferTimeLimit`, `caged judge`:
 * time-limit.ts), when it is null.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { parseValidatorFlags } from './default-validator';
import { DEFAULT_MAX_PACKAGE_BYTES, PackageFiles } from './package-files';
import { loadGrader, loadPackageValidator, loadStaticValidator, type PackageValidator } from './package-validator';
import { readProblemYaml, type ProblemConfig } from './problem-yaml';
import { badInputs, noSecretTests, orphanAnswers } from './data-notes';
import { readTestData, type TestGroup } from './test-data';
import { isPolygonPackage, readPolygonPackage, type PolygonSolution } from './polygon-package';
import type { DmojChecker, DmojInteractor } from './dmoj-init-checker';
import type { DmojGeneration } from './dmoj-generate';
import type { DmojCase } from './dmoj-python-checker';
import type { DmojSignature } from './dmoj-signature';
import { isDmojPackage, readDmojPackage, INIT_YML, NO_DMOJ_TIME_LIMIT } from './dmoj-package';
import { DmojFiles } from './dmoj-files';
import { isCmsPackage, readCmsPackage, TASK_YAML, type CmsTask } from './cms-package';

export interface ProblemPackage {
  /** The package's realpath. */
  dir: string;
  config: ProblemConfig;
  data: TestGroup;
  files: PackageFiles;
  /** The output validator (the interactor of an interactive problem); null with default validation. */
  validator: PackageValidator | null;
  /** 2025-09: the static validator (`static_validator/`), judging the submission's files; null when none. */
  staticValidator: PackageValidator | null;
  /** Legacy: the grader (`graders/`), aggregating the groups with `grading: custom`; null when none. */
  grader: PackageValidator | null;
  /** What the loader noticed in data/ without refusing it (orphanAnswers), for the results' notes. */
  dataNotes?: string[];
  /**
   * Set when data/secret holds no test case (data-notes.ts noSecretTests): the judgement is of the
   * samples alone, so what the package's own submissions must get somewhere is not known.
   */
  noSecretTests?: string;
  /**
   * A Polygon package's testlib programs (polygon-package.ts), run with testlib's protocol: its
   * checker (null: the default validation) and its interactor (null: not interactive). Absent
   * for the Kattis formats, whose programs are `validator`.
   */
  testlib?: {
    checker: PackageValidator | null;
    interactor: PackageValidator | null;
    /** problem.xml's `treat-points-from-checker-as-percent`: their partial points are a percentage of the test's. */
    pointsAsPercent: boolean;
  };
  /** A DMOJ problem's checker and interactor (dmoj-package.ts); absent for the other formats. */
  dmoj?: {
    checker: DmojChecker;
    interactor: DmojInteractor | null;
    /** `signature_grader`: the submission compiled with the problem's entry and header. */
    signature: DmojSignature | null;
    /** init.yml `unbuffered`: a C, C++ or Python submission's stdout unbuffered. */
    unbuffered: boolean;
    /** init.yml `hints: [nobigmath]`: a Java submission may not use BigInteger or BigDecimal. */
    noBigMath: boolean;
    /** Why every submission is IE, as DMOJ judges it (a contrib `type` it does not know), or null. */
    failure: string | null;
    generated: DmojGeneration[];
    /** DMOJ's facts of each test by its name (a Python checker's case_position, batch, binary_data). */
    cases: Record<string, DmojCase>;
    files: DmojFiles;
  };
  /** A CMS task's checker (null: CMS's white diff), graders or stubs, manager (cms-package.ts); absent for the other formats. */
  cms?: CmsTask;
  /** A Polygon package's solutions with their tags; absent for the Kattis formats. */
  solutions?: PolygonSolution[];
  /** Null only when loaded with `deferTimeLimit` and the package gives none. */
  timeLimit: { seconds: number; from: OwnTimeLimitSource | '--time' | 'submissions' } | null;
}

export interface LoadOptions {
  /** Seconds, used when the package gives no time limit. */
  fallbackTimeLimitS?: number;
  /** Cap on the package's bytes read; default 1 GiB. */
  maxBytes?: number;
  /** No time limit anywhere is not an error: `timeLimit` is null (the caller derives one). */
  deferTimeLimit?: boolean;
}

export const NO_TIME_LIMIT =
  'the package gives no time limit (no limits.time_limit in problem.yaml, no .timelimit file, no timelimit in domjudge-problem.ini): give one with --time S';

export function loadPackage(dir: string, opts: LoadOptions = {}): ProblemPackage {
  const files = PackageFiles.open(dir, opts.maxBytes ?? DEFAULT_MAX_PACKAGE_BYTES);
  if (isPolygonPackage(files)) return loadPolygon(files);
  if (isDmojPackage(files)) return loadDmoj(files, opts);
  if (isCmsPackage(files)) return loadCms(files, opts);
  files.requirePackageRoot();
  const config = readProblemYaml(
    files.read('problem.yaml').toString('utf8'),
    path.basename(files.root),
    files.kind('output_validator') === 'dir',
  );
  const staticValidator = config.format === '2025-09' ? loadStaticValidator(files, config.constants) : null;
  const grader = config.format === 'legacy' ? loadGrader(files) : null;
  const data = readTestData(files, config.validatorFlags, {
    ...config,
    staticValidator: staticValidator !== null,
    grader: grader !== null,
  });
  // A custom validator's flags are its own; the default validator's are checked before anything runs.
  // (None is read for a package caged refuses anyway: the refusal then names what is unsupported.)
  const custom = config.validation.kind !== 'default' && config.unsupported.length === 0;
  const validator = custom ? loadPackageValidator(files, config.format, config.constants) : null;
  if (config.validation.kind === 'default') checkFlags(data, 'problem.yaml validator_flags', config.format === '2025-09');
  const timeLimit = timeLimitOf(ownTimeLimit(files, config.limits.timeLimitS), opts, NO_TIME_LIMIT);
  const noSecret = noSecretTests(files, data);
  const dataNotes = [...orphanAnswers(files), ...badInputs(files), ...noSecret];
  return {
    dir: files.root,
    config,
    data,
    files,
    validator,
    staticValidator,
    grader,
    timeLimit,
    ...(dataNotes.length ? { dataNotes } : {}),
    ...(noSecret.length ? { noSecretTests: 'data/secret holds no test case' } : {}),
  };
}

/** The file that configures the package: problem.yaml, a Polygon package's problem.xml, a DMOJ problem's init.yml. */
export function configFile(pkg: Pick<ProblemPackage, 'config'>): string {
  const f = pkg.config.format;
  return f === 'polygon' ? 'problem.xml' : f === 'dmoj' ? INIT_YML : f === 'cms' ? TASK_YAML : 'problem.yaml';
}

export type OwnTimeLimitSource = 'problem.yaml' | '.timelimit' | 'domjudge-problem.ini' | 'problem.xml' | 'task.yaml';

/** The package's own time limit, else the caller's fallback, else null (deferred) or the error `none`. */
function timeLimitOf(own: ReturnType<typeof ownTimeLimit>, opts: LoadOptions, none: string): ProblemPackage['timeLimit'] {
  if (own) return own;
  if (opts.fallbackTimeLimitS !== undefined) return { seconds: opts.fallbackTimeLimitS, from: '--time' };
  if (opts.deferTimeLimit) return null;
  throw new InvalidRequestError(none, 'PROBLEM_DIR');
}

/** A package of a format read into these terms by its own loader (Polygon's, DMOJ's): no Kattis programs. */
function readInto(
  files: PackageFiles,
  p: { config: ProblemConfig; data: TestGroup; notes: string[] },
  own: Pick<ProblemPackage, 'timeLimit' | 'testlib' | 'dmoj' | 'cms' | 'solutions'>,
): ProblemPackage {
  return {
    dir: files.root,
    config: p.config,
    data: p.data,
    files,
    validator: null,
    staticValidator: null,
    grader: null,
    ...own,
    ...(p.notes.length ? { dataNotes: p.notes } : {}),
  };
}

/**
 * A DMOJ problem (dmoj-package.ts): init.yml gives no time limit, so it is the caller's, or the
 * `.timelimit` file `caged problem push --time` adds.
 */
function loadDmoj(plain: PackageFiles, opts: LoadOptions): ProblemPackage {
  const files = DmojFiles.openDmoj(plain.root, opts.maxBytes ?? DEFAULT_MAX_PACKAGE_BYTES);
  const p = readDmojPackage(files);
  return readInto(files, p, {
    dmoj: {
      checker: p.checker,
      interactor: p.interactor,
      signature: p.signature,
      unbuffered: p.unbuffered,
      noBigMath: p.noBigMath,
      failure: p.failure,
      generated: p.generated,
      cases: p.cases,
      files,
    },
    timeLimit: timeLimitOf(ownTimeLimit(files, null), opts, NO_DMOJ_TIME_LIMIT),
  });
}

export const NO_CMS_TIME_LIMIT = 'the task gives no time limit (no time_limit in task.yaml): give one with --time S';

/**
 * A CMS task (cms-package.ts): its time limit is task.yaml's, else a `.timelimit` file's (what
 * `caged problem push --time` adds), else the caller's.
 */
function loadCms(files: PackageFiles, opts: LoadOptions): ProblemPackage {
  const p = readCmsPackage(files);
  const own = p.timeLimitS === null ? ownTimeLimit(files, null) : { seconds: p.timeLimitS, from: TASK_YAML as OwnTimeLimitSource };
  return readInto(files, p, {
    cms: { checker: p.checker, grader: p.grader, taskName: p.taskName, outputOnly: p.outputOnly, manager: p.manager, answers: p.answers },
    timeLimit: timeLimitOf(own, opts, NO_CMS_TIME_LIMIT),
  });
}

/** A Polygon package (polygon-package.ts): its time limit is always its own. */
function loadPolygon(files: PackageFiles): ProblemPackage {
  const p = readPolygonPackage(files);
  return readInto(files, p, {
    testlib: { checker: p.checker, interactor: p.interactor, pointsAsPercent: p.pointsAsPercent },
    solutions: p.solutions,
    timeLimit: { seconds: p.timeLimitS, from: 'problem.xml' },
  });
}

function seconds(text: string, where: string): number {
  const s = Number(text);
  if (!text || !Number.isFinite(s) || s <= 0)
    throw new InvalidRequestError(`must hold a positive number of seconds (got ${JSON.stringify(text.slice(0, 40))})`, where);
  return s;
}

/**
 * `domjudge-problem.ini`'s `timelimit`, or null: PHP's INI syntax as DOMjudge reads it (`key =
 * value`, the value bare or quoted, `;` and `#` comments, `[section]` headers); a line of another
 * shape is refused, naming it. Its other keys (name, special_compare, color, points, …) are
 * DOMjudge's own and not used.
 */
function iniTimeLimit(text: string): number | null {
  let found: number | null = null;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#') || /^\[[^\]]*\]$/.test(line)) return;
    const m = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new InvalidRequestError(`line ${i + 1} is not "key = value"`, 'domjudge-problem.ini');
    if (m[1] !== 'timelimit') return;
    const value = m[2]!.replace(/^(['"])(.*)\1$/, '$2').trim();
    found = seconds(value, 'domjudge-problem.ini timelimit');
  });
  return found;
}

/** The package's own time limit (see the top of this file), or null when it gives none. */
function ownTimeLimit(files: PackageFiles, yamlSeconds: number | null): { seconds: number; from: OwnTimeLimitSource } | null {
  const given: { seconds: number; from: OwnTimeLimitSource }[] = [];
  if (yamlSeconds !== null) given.push({ seconds: yamlSeconds, from: 'problem.yaml' });
  if (files.kind('.timelimit') === 'file')
    given.push({ seconds: seconds(files.read('.timelimit').toString('utf8').trim(), '.timelimit'), from: '.timelimit' });
  if (files.kind('domjudge-problem.ini') === 'file') {
    const ini = iniTimeLimit(files.read('domjudge-problem.ini').toString('utf8'));
    if (ini !== null) given.push({ seconds: ini, from: 'domjudge-problem.ini' });
  }
  const first = given[0];
  const other = given.find((g) => Math.abs(g.seconds - first!.seconds) > 1e-9);
  if (first && other)
    throw new InvalidRequestError(
      `conflicting time limits: ${first.seconds} s in ${first.from}, ${other.seconds} s in ${other.from}`,
      other.from,
    );
  return first ?? null;
}

/**
 * Every group's validator flags, and every test case's own, parse (an unknown flag is refused
 * before anything runs, not in the middle of a judging).
 */
function checkFlags(g: TestGroup, where: string, strict: boolean): void {
  parseValidatorFlags(g.settings.validatorFlags, g.name === 'data' ? where : `data/${g.name}/testdata.yaml output_validator_flags`, strict);
  for (const c of g.children) {
    if (c.kind === 'group') checkFlags(c.group, where, strict);
    else if (c.test.validatorFlags) parseValidatorFlags(c.test.validatorFlags, `data/${c.test.name}.yaml output_validator_args`, strict);
  }
}
