/**
 * What an output validator is, before it is built: its language, its source files, its flags
 * and the limits of its compile and of each run. A JSON submission's `checker: {type:
 * "validator"}` becomes one here (planValidator); a problem package (src/problem/) makes the
 * same object from `output_validators/<name>/` and hands it to OutputValidator.prepare.
 *
 * A validator (or interactor) given as `program: "build-run"` is a Kattis build/run program
 * (problemtools' and DOMjudge's convention), run inside the sandbox like any other: its files
 * are written into its box, `build` (when there is one) is its compile step (cwd the box, the
 * compile limits, cached by its files like any compile), after which an executable `run` must
 * exist; `run` is then the program (through `/bin/sh -c 'exec ./run "$@"'`, so a script
 * without a `#!` line runs as a shell script). `language` picks only the image layers it runs
 * on (their compilers and interpreters: `cpp17` the gcc layer, `bash` the base layer alone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { RunLimits } from '../sandbox/types';
import type { SourceFile } from './compile-step';
import type { Language, LanguageRegistry } from './languages';
import { checkerLimitsConfig, helperCompileLimitsConfig, helperFactors, resolveLimits, type StepLimitsConfig } from './limits';
import type { Checker } from './schema';
import { expandArgv } from './language-command';
import { programFiles, type ProgramCode } from './program-files';

export interface OutputValidatorSpec {
  language: Language;
  /** Written into the validator's box; one of them is the language's entry file. */
  files: SourceFile[];
  /** Appended after `input answer feedback_dir`, in order. */
  flags: string[];
  compileLimits: RunLimits;
  runLimits: RunLimits;
  /** Where it runs (the wire's `workingDir`): its own files, or the submission's (output-validator.ts). */
  workingDir: 'own' | 'submission';
}

/**
 * The submission as a validator with `workingDir: "submission"` sees it: its compiled box (the
 * submitted files, the compiled binaries, the included files) and the compile cache's layers
 * under it, if any. It is the validator's /box, an overlay: its writes vanish with its run.
 */
export interface SubmissionView {
  box: string;
  boxLayers?: readonly string[] | undefined;
}

/** The build step of a build/run program: `build`, then an executable `run` must be there. */
export const BUILD_RUN_BUILD = [
  '/bin/sh',
  '-c',
  './build && { [ -f run ] && [ -x run ] || { echo "caged: the build script made no executable file named run" >&2; exit 1; }; }',
] as const;
/** The run of a build/run program (its arguments follow). */
export const BUILD_RUN_RUN = ['/bin/sh', '-c', 'exec ./run "$@"', 'run'] as const;

/**
 * A build/run program's language and files: the layers of `base`, `build` as its compile
 * command (absent: nothing to build), `run` as its program; `build` and `run` are written
 * executable. Needs `build` or `run` among the files.
 */
export function buildRunProgram(base: Language, files: readonly SourceFile[], field: string): { language: Language; files: SourceFile[] } {
  const names = new Set(files.map((f) => f.name));
  if (!names.has('build') && !names.has('run'))
    throw new InvalidRequestError('a build/run program needs a file named "build" or "run"', field);
  const language: Language = {
    id: base.id,
    name: `build/run scripts on ${base.name}`,
    version: base.version,
    sourceFile: names.has('build') ? 'build' : 'run',
    compile: names.has('build') ? BUILD_RUN_BUILD : null,
    run: BUILD_RUN_RUN,
    env: base.env,
    timeFactor: 1,
    memoryFactor: 1,
    extensions: [],
    detect: false,
    ...(base.layer !== undefined ? { layer: base.layer } : {}),
  };
  return { language, files: files.map((f) => (f.name === 'build' || f.name === 'run' ? { ...f, executable: true } : f)) };
}

/**
 * A problem's own program (an output validator, an interactor) as the wire gives it: build/run
 * scripts (buildRunProgram), or code read as a submission's is (programFiles: its entry, its
 * main class), in any language of the image. No class with `main` is the request's fault.
 */
export function problemProgram(
  base: Language,
  p: ProgramCode & { program?: 'source' | 'build-run' | undefined },
  prefix: string,
): { language: Language; files: SourceFile[] } {
  if (p.program === 'build-run') {
    if (p.source !== undefined) throw new InvalidRequestError('a build/run program is given as "files"', `${prefix}source`);
    const files = (p.files ?? []).map((f) => ({
      name: f.name,
      content: Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8'),
      ...(f.executable ? { executable: true } : {}),
    }));
    return buildRunProgram(base, files, `${prefix}files`);
  }
  const { language, files, mainClassError } = programFiles(base, p, prefix);
  if (mainClassError !== undefined) throw new InvalidRequestError(mainClassError, `${prefix}files`);
  return { language, files };
}

export interface ValidatorLimitsConfig {
  /** Defaults and maxima of the validator's compile; default the judge's compile limits. */
  compile?: StepLimitsConfig;
  /** Defaults and maxima of each validator run; default the checker limits. */
  run?: StepLimitsConfig;
}

/** A submission's `checker: {type: "validator"}` → a spec; a bad language, file set or limit names its field. */
export function planValidator(
  c: Extract<Checker, { type: 'validator' }>,
  languages: LanguageRegistry,
  cfg: ValidatorLimitsConfig = {},
): OutputValidatorSpec {
  const { language, files } = problemProgram(languages.get(c.language, 'checker.language'), c, 'checker.');
  return {
    language,
    files,
    flags: [...c.flags],
    compileLimits: resolveLimits(c.compileLimits, cfg.compile ?? helperCompileLimitsConfig(), 'checker.compileLimits'),
    runLimits: resolveLimits(c.limits, cfg.run ?? checkerLimitsConfig(), 'checker.limits', helperFactors(language)),
    workingDir: c.workingDir ?? 'own',
  };
}

/**
 * The run command of a program compiled into `compiledBox` (on the host) and seen at `dir`, for a
 * run whose working directory is elsewhere: `./x`, and every other word naming an entry of its
 * compiled box (its entry file `main.py`, Mono's `main.exe`; looked at without following links),
 * become paths under `dir`; a `.` in a class path (`-cp .`, `.:scala-library.jar`) becomes `dir`;
 * a build/run program's `run` too.
 */
export function runFrom(dir: string, language: Language, memoryBytes: number, compiledBox: string): string[] {
  if (language.run === BUILD_RUN_RUN) return ['/bin/sh', '-c', `exec ${dir}/run "$@"`, 'run'];
  const inBox = (word: string): boolean => {
    if (word.startsWith('-') || path.isAbsolute(word) || word.split('/').some((p) => p === '.' || p === '..' || p === '')) return false;
    try {
      fs.lstatSync(path.join(compiledBox, word));
      return true;
    } catch {
      return false;
    }
  };
  return expandArgv(language, language.run, { memoryBytes }).map((a, i) => {
    if (a.startsWith('./')) return `${dir}/${a.slice(2)}`;
    if (i === 0) return a;
    if (a === language.sourceFile || inBox(a)) return `${dir}/${a}`;
    return a === '.' || a.split(':').includes('.')
      ? a
          .split(':')
          .map((e) => (e === '.' ? dir : e))
          .join(':')
      : a;
  });
}
