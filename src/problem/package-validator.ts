/**
 * A package's own programs, found and read before anything runs: its output validator (also the
 * interactor of an interactive problem), its static validator (2025-09) and its grader (legacy).
 * The output validator is legacy `output_validators/<name>/` or a lone source file there (exactly
 * one program), 2023-07 `output_validator/` or its one subdirectory (or the legacy place; see
 * validatorPlace). A program is a directory (all its files and subdirectories, at their paths, as
 * problemtools copies it) or one file, and either
 *   - a program of sources in one language, told by their file endings as the format's
 *     languages table tells them (appendix/languages.md: `.cpp` C++, `.java` Java, `.py` Python 3,
 *     `.sh` Bash…; a `validate.h` or a README is no source), built and run as a submission in
 *     that language is (programFiles: all of a C++ program's sources compiled together, a Java
 *     program's main class found, a Python program's entry its `__main__.py`, its file named like
 *     the language's entry, or its one source), in any language the image has; or
 *   - a build/run program (problemtools' convention): a `build` script, run in the sandbox with
 *     the compile limits, cwd a copy of the directory, after which `run` must be an executable
 *     there; or a `run` script alone, run as it is (src/judge/output-validator-spec.ts). They run
 *     on the image layers of the language of the sources beside them (the gcc layer for C or
 *     C++), the base layer alone (bash, coreutils) for none.
 *
 * The language's format code is read here, from the package alone; which of the image's
 * languages runs it is decided when the package is judged (programOf), where the image is known.
 * The program's sources are the compile cache's key (src/judge/compile-cache.ts), so it is
 * compiled once per package content, not once per test or per submission.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { findMainClass } from '../judge/entry-point';
import { PYTHON2 } from '../judge/languages';
import { FORMAT_CODE_OF_EXTENSION, languageIdOfCode, type ImageLanguages, PROLOG_LINE } from './extensions';
import type { PackageFiles } from './package-files';
import { directorySubmission } from './package-submission';
import { withConstants, type ProblemConfig } from './problem-yaml';

export interface PackageValidator {
  /** Where it was found, relative to the package's root. */
  dir: string;
  program: 'source' | 'build-run';
  /**
   * The format's code of its language (`cpp`, `python3`, `java`…); a build/run program's: the
   * language whose image layers it runs on (`bash`: the base layer alone).
   */
  code: string;
  /** Its files at their paths in `dir`, the problem's constants substituted. */
  files: { name: string; data: Buffer }[];
  /** A source program's entry where the format names one: a Python module's `__main__.py`. */
  entry?: string;
  /**
   * The image's languages that run it, best first, where the package names its language more
   * closely than the format's code (a Polygon source type: `cpp.g++17` → cpp17); the code
   * decides when the image has none of them.
   */
  languageIds?: string[];
}

/** A validator program: a directory (its files), or one source file standing alone. */
interface ProgramPlace {
  dir: string;
  /** A program that is one file of `dir` (problemtools' `output_validators/validate.py`): that file alone. */
  file?: string;
}

/**
 * The programs of a directory that holds programs, as problemtools reads one: each
 * subdirectory, and each file with a file ending of the format's languages table (a
 * `validate.h` or a README beside them is no program).
 */
function programsIn(files: PackageFiles, dir: string): ProgramPlace[] {
  return files
    .list(dir)
    .filter((e) => e.kind === 'dir' || (e.kind === 'file' && Object.hasOwn(FORMAT_CODE_OF_EXTENSION, path.extname(e.name))))
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
        : 'validation: custom needs an output validator: no output_validators/<name>/ directory (nor one source file in output_validators/)',
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
 * (custom-grader.ts), built as a submission is, so not build/run scripts.
 */
export function loadGrader(files: PackageFiles): PackageValidator | null {
  if (files.kind('graders') !== 'dir') return null;
  const programs = programsIn(files, 'graders');
  if (programs.length > 1) throw new InvalidRequestError(`holds ${programs.length} graders; the format allows one`, 'graders');
  const [place] = programs;
  if (!place) return null;
  const grader = loadProgram(files, place, {});
  if (grader.program !== 'source') throw new InvalidRequestError('caged runs a grader of sources, not build/run scripts', grader.dir);
  return grader;
}

/**
 * Endings of the format's table that also name files of other kinds, often found beside a
 * program (go.mod, make's dependency files, TypeScript's or Octave's, an F# .fs or Elixir .ex
 * beside nothing of theirs is rare): beside another language's sources they are not the
 * program's language; alone they are.
 */
const HELPER_ENDINGS = new Set(['.sh', '.mod', '.def', '.d', '.m', '.ts', '.fs', '.ex', '.st', '.ss', '.sim', '.cr', '.sno', '.apl']);
const helperLike = (name: string): boolean => HELPER_ENDINGS.has(path.extname(name));

/** The format's code of a source file, by its ending (a `.pl` file is Perl unless it reads as Prolog: packageLanguages); null for no source. */
function codeOf(name: string, read: () => Buffer): string | null {
  const ext = path.extname(name);
  if (!Object.hasOwn(FORMAT_CODE_OF_EXTENSION, ext)) return null;
  if (ext === '.pl') return PROLOG_LINE.test(read().toString('utf8')) ? 'prolog' : 'perl';
  return FORMAT_CODE_OF_EXTENSION[ext]!;
}

/** The program at `place`: a build/run program or a program of sources (see the file's comment). */
function loadProgram(files: PackageFiles, place: ProgramPlace, constants: ProblemConfig['constants']): PackageValidator {
  const { dir } = place;
  // A directory is all its files and subdirectories (problemtools), at their paths in it.
  const names = place.file === undefined ? files.filesBelow(dir) : [place.file];
  const read = (n: string) => withConstants(files.read(`${dir}/${n}`), constants);
  const program = names.map((name) => ({ name, data: read(name) }));
  const sources = program.flatMap((f) => {
    const code = codeOf(f.name, () => f.data);
    return code === null ? [] : [{ name: f.name, code }];
  });
  const codes = new Set(sources.map((f) => f.code));
  const listed = () => sources.map((f) => f.name).join(', ');
  // Beside another language's sources, shell scripts are its helpers, and an ending that also
  // names common files of other kinds is one of those (HELPER_ENDINGS: Go's go.mod, make's .d).
  const real = [...codes].filter((c) => sources.some((f) => f.code === c && !helperLike(f.name)));
  const main = codes.size <= 1 ? [...codes] : real.length ? real : [...codes].filter((c) => c !== 'bash');
  if (names.includes('build') || names.includes('run')) {
    // C and C++ share the gcc layer; shell scripts need none of their own (the base layer has bash).
    const layers = new Set(main.map((c) => (c === 'c' ? 'cpp' : c)).filter((c) => c !== 'bash'));
    if (layers.size > 1)
      throw new InvalidRequestError(
        `a build/run program runs on one language's image layers: it holds sources of ${[...layers].join(' and ')} (${listed()})`,
        dir,
      );
    const [code = 'bash'] = layers;
    return { dir, program: 'build-run', code, files: program };
  }
  const [code, ...more] = main;
  if (code === undefined || more.length)
    throw new InvalidRequestError(
      code === undefined
        ? `holds no source file in a language of the format's table, nor build/run scripts (found: ${names.join(', ') || 'nothing'})`
        : `holds sources of more than one language (${listed()}); a program is in one`,
      dir,
    );
  // A Python program of several files is a module whose entry is __main__.py (the format's text).
  const entry = code === 'python3' && names.includes('__main__.py') ? { entry: '__main__.py' } : {};
  return { dir, program: 'source', code, files: program, ...entry };
}

/** A package's program as the wire's validator, interactor or grader gives it (language id, files, entry). */
export interface PackageProgram {
  language: string;
  program: PackageValidator['program'];
  files: { name: string; content: string; encoding: 'base64' }[];
  entry?: string;
}

/**
 * The program `p` as the image runs it: the image's language of its code (as submissions.yaml's
 * codes are read: languageIdOfCode, the image's own language for the file ending when it has the
 * code), its files, and its entry (directorySubmission, as a submission's directory's). Refused,
 * naming `p.dir`, when the image has no language of the code or the files hold no program of it.
 */
export function programOf(p: PackageValidator, languages: ImageLanguages): PackageProgram {
  const ids = languages.languages().map((l) => l.id);
  const first = p.files.find((f) => Object.hasOwn(FORMAT_CODE_OF_EXTENSION, path.extname(f.name)))?.name;
  let byExtension: string | undefined;
  try {
    byExtension = first === undefined ? undefined : languages.languageOfFile(first);
  } catch {
    byExtension = undefined; // The image has no language of that ending: the code decides.
  }
  const named = p.languageIds?.find((l) => ids.includes(l));
  // A Python 2 program (DMOJ's PY2) is never judged as Python 3 by its file ending.
  if (!named && p.languageIds?.includes(PYTHON2))
    throw new InvalidRequestError("is a Python 2 program, and this worker's image has no python2", p.dir);
  const id = named ?? (p.code === 'bash' && ids.includes('bash') ? 'bash' : languageIdOfCode(p.code, ids, byExtension));
  if (id === null)
    throw new InvalidRequestError(`is a program in ${p.code} (the format's code), a language this worker's image does not have`, p.dir);
  const files = p.files.map((f) => ({ name: f.name, content: f.data.toString('base64'), encoding: 'base64' as const }));
  if (p.program === 'build-run') return { language: id, program: 'build-run', files };
  const data = new Map(p.files.map((f) => [f.name, f.data]));
  const language = languages.language(id, p.dir);
  const sub = directorySubmission(
    language,
    p.files.map((f) => f.name),
    (n) => data.get(n)!,
    p.entry,
  );
  if ('refused' in sub) throw new InvalidRequestError(sub.refused, p.dir);
  // A JVM program's main class is found now, so that a program without one is refused before anything runs.
  if (language.entry)
    findMainClass(
      language,
      p.files.map((f) => ({ name: f.name, content: f.data })),
      p.dir,
      sub.entry,
    );
  return { language: id, program: 'source', files, ...(sub.entry !== undefined ? { entry: sub.entry } : {}) };
}
