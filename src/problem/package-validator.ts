/**
 * A package's output validator (also the interactor of an interactive problem), found and read
 * before anything runs: legacy `output_validators/<name>/` or a lone source file there (exactly
 * one program), 2023-07 `output_validator/` or its one subdirectory (or the legacy place; see
 * validatorPlace). Its directory is either
 *   - a single program in one language, told by its files' extensions: C (`.c`), C++ (`.cc .cpp
 *     .cxx .c++`, compiled as C++17) or Python 3 (`.py`), with any other plain files beside it
 *     (`validate.h`, data) written next to it. The entry is the one source file of that
 *     language, or a Python module's `__main__.py` (the format's multi-file Python program),
 *     renamed to the language's source file; or
 *   - a build/run program (problemtools' convention): a `build` script, run in the sandbox with
 *     the compile limits, cwd a copy of the directory, after which `run` must be an executable
 *     there; or a `run` script alone, run as it is (src/judge/output-validator-spec.ts). They run
 *     on the image layers of the sources beside them: the gcc layer for C or C++ files, Python's
 *     for `.py` files, the base layer alone (bash, coreutils) for neither; both are refused.
 * Subdirectories are refused.
 *
 * The validator's sources are the compile cache's key (src/judge/compile-cache.ts), so it is
 * compiled once per package content, not once per test or per submission.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { VALIDATOR_LANGUAGE_OF_EXTENSION, type ValidatorLanguage } from './extensions';
import type { PackageFiles } from './package-files';
import { withConstants, type ProblemConfig } from './problem-yaml';

export interface PackageValidator {
  /** Where it was found, relative to the package's root. */
  dir: string;
  /** The language id (a build/run program's: the one whose image layers it runs on). */
  language: ValidatorLanguage | 'bash';
  program: 'source' | 'build-run';
  /** A source program's entry is named as the language's source file (main.c, main.cpp, main.py). */
  files: { name: string; content: string; encoding: 'base64' }[];
}

const LANGUAGE_OF: Readonly<Record<string, ValidatorLanguage>> = VALIDATOR_LANGUAGE_OF_EXTENSION;
const ENTRY: Readonly<Record<ValidatorLanguage, string>> = { c: 'main.c', cpp17: 'main.cpp', python3: 'main.py' };

/** A validator program: a directory (its files), or one source file standing alone. */
interface ProgramPlace {
  dir: string;
  /** A program that is one file of `dir` (problemtools' `output_validators/validate.py`): that file alone. */
  file?: string;
}

/**
 * The programs of a directory that holds programs, as problemtools reads one: each
 * subdirectory, and each file in a language a validator may be written in (C, C++, Python; a
 * `validate.h` or a README beside them is no program).
 */
function programsIn(files: PackageFiles, dir: string): ProgramPlace[] {
  return files
    .list(dir)
    .filter((e) => e.kind === 'dir' || (e.kind === 'file' && LANGUAGE_OF[path.extname(e.name).toLowerCase()] !== undefined))
    .map((e) => (e.kind === 'dir' ? { dir: `${dir}/${e.name}` } : { dir, file: e.name }));
}

/**
 * Where the package's output validator is; null when it has none. Legacy `output_validators/`
 * holds programs (problemtools: each subdirectory or source file is one), of which caged runs
 * exactly one. 2023-07's `output_validator/` is the program itself when it holds any file (the
 * format's text, BAPCtools), and holds it as legacy's does when it holds only one subdirectory
 * (problemtools' reading, as in its own example packages). Each format's place is looked at
 * first, then the other format's.
 */
function validatorPlace(files: PackageFiles, format: ProblemConfig['format']): ProgramPlace | null {
  // DOMjudge reads either place: its example hangman is a legacy package with output_validator/.
  const modern = format !== 'legacy' || files.kind('output_validators') !== 'dir';
  if (modern && files.kind('output_validator') === 'dir') {
    const entries = files.list('output_validator');
    const only = entries[0];
    if (entries.length === 1 && only?.kind === 'dir') return { dir: `output_validator/${only.name}` };
    return { dir: 'output_validator' };
  }
  if (files.kind('output_validators') !== 'dir') return null;
  const programs = programsIn(files, 'output_validators');
  if (programs.length > 1)
    throw new InvalidRequestError(
      `holds ${programs.length} validators (${programs.map((p) => (p.file ?? p.dir).replace('output_validators/', '')).join(', ')}); caged runs one`,
      'output_validators',
    );
  return programs[0] ?? null;
}

/**
 * Reads the package's output validator; an absent one, or one caged cannot build, is refused
 * naming its directory. The problem's `constants` are substituted in its UTF-8 files (2025-09).
 */
export function loadPackageValidator(
  files: PackageFiles,
  format: ProblemConfig['format'],
  constants: ProblemConfig['constants'] = {},
): PackageValidator {
  const place = validatorPlace(files, format);
  if (!place)
    throw new InvalidRequestError(
      format !== 'legacy'
        ? 'the problem needs an output validator: no output_validator/ directory'
        : 'no output_validators/<name>/ directory (nor one source file in output_validators/)',
      'problem.yaml',
    );
  return loadProgram(files, place, constants);
}

/**
 * 2025-09: the package's static validator, `static_validator/`: the program itself, or its one
 * subdirectory, read as `output_validator/` is (the format: "similar to a custom output
 * validator"); null when the package has none.
 */
export function loadStaticValidator(files: PackageFiles, constants: ProblemConfig['constants'] = {}): PackageValidator | null {
  const kind = files.kind('static_validator');
  if (kind === null) return null;
  if (kind !== 'dir') throw new InvalidRequestError('must be a directory holding the static validator', 'static_validator');
  const entries = files.list('static_validator');
  const only = entries[0];
  const dir = entries.length === 1 && only?.kind === 'dir' ? `static_validator/${only.name}` : 'static_validator';
  return loadProgram(files, { dir }, constants);
}

/**
 * Legacy: the package's grader, `graders/` holding one program (a subdirectory or a source file,
 * as problemtools finds it); null when there is none. caged runs it as a program of its own
 * (judge-package.ts), so it must be C, C++ or Python, not build/run scripts.
 */
export function loadGrader(files: PackageFiles): PackageValidator | null {
  if (files.kind('graders') !== 'dir') return null;
  const programs = programsIn(files, 'graders');
  if (programs.length > 1) throw new InvalidRequestError(`holds ${programs.length} graders; the format allows one`, 'graders');
  const [place] = programs;
  if (!place) return null;
  const grader = loadProgram(files, place, {});
  if (grader.program !== 'source')
    throw new InvalidRequestError('caged runs a grader written in C, C++ or Python, not build/run scripts', grader.dir);
  return grader;
}

/** The program at `place`: a build/run program or a single source program (see the file's comment). */
function loadProgram(files: PackageFiles, place: ProgramPlace, constants: ProblemConfig['constants']): PackageValidator {
  const { dir } = place;
  // A directory is all its files and subdirectories (problemtools), at their paths in it.
  const names = place.file === undefined ? files.filesBelow(dir) : [place.file];
  const sources = names.filter((n) => LANGUAGE_OF[path.extname(n).toLowerCase()] !== undefined);
  const languages = new Set(sources.map((n) => LANGUAGE_OF[path.extname(n).toLowerCase()]));
  const read = (n: string, as = n) => ({
    name: as,
    content: withConstants(files.read(`${dir}/${n}`), constants).toString('base64'),
    encoding: 'base64' as const,
  });
  if (names.includes('build') || names.includes('run')) {
    // C and C++ share the gcc layer; g++ is on cpp17's chain.
    const chains = new Set([...languages].map((l) => (l === 'python3' ? 'python3' : 'cpp17')));
    if (chains.size > 1)
      throw new InvalidRequestError(
        `a build/run validator runs on one language's image layers: it holds both C/C++ and Python sources (${sources.join(', ')})`,
        dir,
      );
    const [language = 'bash'] = chains;
    return { dir, language, program: 'build-run', files: names.map((n) => read(n)) };
  }
  const [language, ...more] = [...languages];
  // A Python program of several files is a module whose entry is __main__.py (the format's text).
  const pythonModule = language === 'python3' && !more.length && sources.includes('__main__.py');
  if (!language || more.length || (sources.length !== 1 && !pythonModule))
    throw new InvalidRequestError(
      `must hold exactly one source file in C, C++ or Python, or a Python module with __main__.py (found: ${sources.join(', ') || 'none'})`,
      dir,
    );
  const entry = pythonModule ? '__main__.py' : (sources[0] as string);
  if (entry.includes('/'))
    throw new InvalidRequestError(`caged runs a validator whose source sits at the top of its directory, not ${entry}`, dir);
  const entryName = ENTRY[language];
  if (entry !== entryName && names.includes(entryName))
    throw new InvalidRequestError(`both ${entry} (the validator) and ${entryName} are present`, dir);
  return { dir, language, program: 'source', files: names.map((n) => read(n, n === entry ? entryName : n)) };
}
