/**
 * Loads a problem package directory (the ICPC / Kattis problem package format, legacy, 2023-07
 * and 2025-09): problem.yaml (problem-yaml.ts), the test data tree (test-data.ts), the time limit,
 * and the default validator's flags checked up front, so that a bad package is refused before
 * anything runs (InvalidRequestError naming the file and key: CLI exit 2).
 *
 * The time limit: problem.yaml's `limits.time_limit`, else the `.timelimit` file at the
 * package's root (DOMjudge's convention: seconds), else the caller's fallback (`--time`); none
 * of them is an error, unless the caller will derive it from the package's submissions
 * (`deferTimeLimit`, `caged judge`: time-limit.ts), when it is null.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { parseValidatorFlags } from './default-validator';
import { DEFAULT_MAX_PACKAGE_BYTES, PackageFiles } from './package-files';
import { loadPackageValidator, type PackageValidator } from './package-validator';
import { readProblemYaml, type ProblemConfig } from './problem-yaml';
import { readTestData, type TestGroup } from './test-data';

export interface ProblemPackage {
  /** The package's realpath. */
  dir: string;
  config: ProblemConfig;
  data: TestGroup;
  files: PackageFiles;
  /** The output validator (the interactor of an interactive problem); null with default validation. */
  validator: PackageValidator | null;
  /** Null only when loaded with `deferTimeLimit` and the package gives none. */
  timeLimit: { seconds: number; from: 'problem.yaml' | '.timelimit' | '--time' | 'submissions' } | null;
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
  'the package gives no time limit (no limits.time_limit in problem.yaml, no .timelimit file): give one with --time S';

export function loadPackage(dir: string, opts: LoadOptions = {}): ProblemPackage {
  const files = PackageFiles.open(dir, opts.maxBytes ?? DEFAULT_MAX_PACKAGE_BYTES);
  if (files.kind('problem.yaml') !== 'file') throw new InvalidRequestError(`no problem.yaml in ${dir}`, 'PROBLEM_DIR');
  const config = readProblemYaml(
    files.read('problem.yaml').toString('utf8'),
    path.basename(files.root),
    files.kind('output_validator') === 'dir',
  );
  const data = readTestData(files, config.validatorFlags, config);
  // A custom validator's flags are its own; the default validator's are checked before anything runs.
  // (None is read for a package caged refuses anyway: the refusal then names what is unsupported.)
  const custom = config.validation.kind !== 'default' && config.unsupported.length === 0;
  const validator = custom ? loadPackageValidator(files, config.format, config.constants) : null;
  if (config.validation.kind === 'default') checkFlags(data, 'problem.yaml validator_flags');
  let timeLimit: ProblemPackage['timeLimit'];
  if (config.limits.timeLimitS !== null) {
    timeLimit = { seconds: config.limits.timeLimitS, from: 'problem.yaml' };
  } else if (files.kind('.timelimit') === 'file') {
    const text = files.read('.timelimit').toString('utf8').trim();
    const s = Number(text);
    if (!text || !Number.isFinite(s) || s <= 0)
      throw new InvalidRequestError(`must hold a positive number of seconds (got ${JSON.stringify(text.slice(0, 40))})`, '.timelimit');
    timeLimit = { seconds: s, from: '.timelimit' };
  } else if (opts.fallbackTimeLimitS !== undefined) {
    timeLimit = { seconds: opts.fallbackTimeLimitS, from: '--time' };
  } else if (opts.deferTimeLimit) {
    timeLimit = null;
  } else {
    throw new InvalidRequestError(NO_TIME_LIMIT, 'PROBLEM_DIR');
  }
  return { dir: files.root, config, data, files, validator, timeLimit };
}

/** Every group's validator flags parse (an unknown flag is refused before anything runs). */
function checkFlags(g: TestGroup, where: string): void {
  parseValidatorFlags(g.settings.validatorFlags, g.name === 'data' ? where : `data/${g.name}/testdata.yaml output_validator_flags`);
  for (const c of g.children) if (c.kind === 'group') checkFlags(c.group, where);
}
