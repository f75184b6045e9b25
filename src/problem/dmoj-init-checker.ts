/**
 * A DMOJ problem's checker and interactor as init.yml names them (dmoj-package.ts): one of
 * DMOJ's built-in checkers with its `args`, `bridged` (a program of the problem's directory, in
 * the language DMOJ's `lang` names, with DMOJ's `default`, `testlib` or `coci` conventions), a
 * Python module of the directory (`check.py`), and `interactive` (a bridged interactor), with
 * their compiler `flags` (the wire's compilerOptions, within caged's allow-list) and
 * `args_format_string` (split into the wire's `args`: src/judge/dmoj-args.ts). What caged cannot
 * run (a `peg` interactor) is added to the problem's unsupported list, naming the key. A Python 2
 * program (`lang: PY2`) is python2's, never Python 3's (package-validator.ts programOf).
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { dmojFormatError, splitShellWords } from '../judge/dmoj-args';
import { DMOJ_CHECKER_NAMES } from '../judge/dmoj-checker-schema';
import { PYTHON2 } from '../judge/languages';
import type { DmojFiles } from './dmoj-files';
import { FORMAT_CODE_OF_EXTENSION, HEADER_EXTENSIONS } from './extensions';
import type { PackageValidator } from './package-validator';

type Raw = Record<string, unknown>;

export function isMap(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A boolean of init.yml (YAML 1.1's yes/no/on/off too, as PyYAML reads them). */
export function yamlBool(v: unknown, where: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(yes|on|true)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(no|off|false)$/i.test(v)) return false;
  throw new InvalidRequestError(`must be a boolean (got ${JSON.stringify(v)})`, where);
}

/** DMOJ's conventions for a bridged program's arguments, exit codes and feedback (its contrib modules). */
export type DmojContrib = 'default' | 'testlib' | 'coci';

/** A bridged program of the package with what init.yml adds to its compile and its run. */
/** A DMOJ program: its entry is always its main file's name. */
export type DmojProgram = PackageValidator & { entry: string };

export interface DmojBridged {
  program: DmojProgram;
  /** `flags`, added to its compile command. */
  compilerOptions?: string[];
  /** `args_format_string`, split into words (each still a format string). */
  args?: string[];
  /** DMOJ's internal error for a `type` that names no contrib module: every submission is IE. */
  invalidType?: string;
}

export type DmojChecker =
  /** One of DMOJ's built-in checkers (dmoj/checkers), with its args. */
  | { kind: 'builtin'; name: string; args: Record<string, unknown> }
  /** `bridged`: a program of the package. */
  | ({ kind: 'bridged'; contrib: DmojContrib | 'peg'; feedback: boolean } & DmojBridged)
  /** A Python module of the package defining `check`, given `args` as keyword arguments. */
  | { kind: 'python'; rel: string; data: Buffer; args: Record<string, unknown> };

export interface DmojInteractor extends DmojBridged {
  /** `grader`: a custom judge (dmoj-grader.ts), run by caged's runner. */
  contrib: DmojContrib | 'grader';
  feedback: boolean;
}

/**
 * DMOJ's executor names → caged's languages, best first (a name DMOJ has whose language caged
 * lacks, BF, TUR, NASM (32-bit), MONOFS, SWIFT…, is null: refused where a program names it).
 */
export function dmojLanguages(lang: string): string[] | null {
  const l = lang.toUpperCase();
  const table: Record<string, string[]> = {
    C: ['c', 'c11'],
    C11: ['c11', 'c'],
    C23: ['c23', 'c'],
    CPP03: ['cpp03', 'cpp11'],
    CPP11: ['cpp11', 'cpp14'],
    CPP14: ['cpp14', 'cpp17'],
    CPP17: ['cpp17', 'cpp20'],
    CPP20: ['cpp20', 'cpp17'],
    CPP23: ['cpp23', 'cpp20'],
    // DMOJ's CLANG is C (its C executor's -std=c99, compiled by clang): caged's C99 (GCC), not clang's C++.
    CLANG: ['c99', 'c'],
    CLANGX: ['cpp-clang'],
    PY2: [PYTHON2],
    PYPY2: [PYTHON2],
    PY3: ['python3'],
    PYPY3: ['pypy3', 'python3'],
    JAVA: ['java'],
    KOTLIN: ['kotlin'],
    PAS: ['pascal'],
    RUST: ['rust'],
    GO: ['go'],
    HASK: ['haskell'],
    RUBY: ['ruby'],
    PERL: ['perl'],
    PHP: ['php'],
    D: ['d'],
    SCALA: ['scala'],
    OCAML: ['ocaml'],
    V8JS: ['javascript'],
    NODEJS: ['javascript'],
    CLPP14: ['cpp-clang'],
    CLPP17: ['cpp-clang'],
    CLPP20: ['cpp-clang'],
    CLPP23: ['cpp-clang'],
    PYPY: [PYTHON2],
    ADA: ['ada'],
    ALGL68: ['algol68'],
    AWK: ['awk'],
    BASH: ['bash'],
    CBL: ['cobol'],
    F95: ['fortran'],
    FORTH: ['forth'],
    GROOVY: ['groovy'],
    LUA: ['lua'],
    MONOCS: ['csharp'],
    NASM64: ['nasm'],
    OBJC: ['objectivec'],
    PRO: ['prolog'],
    RKT: ['racket'],
    SBCL: ['commonlisp'],
    TEXT: ['plaintext'],
  };
  if (table[l]) return table[l];
  if (/^JAVA\d+$/.test(l)) return ['java'];
  if (/^RUBY\d*$/.test(l)) return ['ruby'];
  return null;
}

/** A bridged program's `files` (paths in the problem's directory), `lang`, `flags` and `args_format_string`. */
function bridgedProgram(files: DmojFiles, args: Raw, where: string): DmojBridged {
  const program = dmojProgram(files, { files: args.files, lang: args.lang }, where);
  const compilerOptions = dmojFlags(args.flags, `${where} flags`);
  const words = dmojArgs(args.args_format_string, `${where} args_format_string`);
  return { program, ...(compilerOptions ? { compilerOptions } : {}), ...(words ? { args: words } : {}) };
}

/** `flags`: a list of compiler options (checked against the compiler's allow-list when judged); none: undefined. */
export function dmojFlags(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((f) => typeof f !== 'string')) throw new InvalidRequestError('must be a list of compiler options', where);
  return v.length ? (v as string[]) : undefined;
}

/** `args_format_string` as DMOJ splits it (shlex.split), each word a format string of DMOJ's fields. */
function dmojArgs(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidRequestError('must be a string', where);
  let words: string[];
  try {
    words = splitShellWords(v);
  } catch (err) {
    throw new InvalidRequestError(`cannot be split into words: ${(err as Error).message}`, where);
  }
  for (const w of words) {
    const why = dmojFormatError(w);
    if (why) throw new InvalidRequestError(why, where);
  }
  return words;
}

/**
 * A program of the problem's directory as DMOJ compiles one (compile_with_auxiliary_files):
 * `files` a file or a list (the first source is the program, headers beside it), `lang` a DMOJ
 * language name, else told by the file ending (C++ as the newest standard, C as C11).
 */
export function dmojProgram(files: DmojFiles, spec: { files: unknown; lang: unknown }, where: string): DmojProgram {
  const given = spec.files;
  const list = typeof given === 'string' ? [given] : Array.isArray(given) ? given : null;
  if (!list || list.length === 0 || list.some((f) => typeof f !== 'string' || !f || f.includes('\0')))
    throw new InvalidRequestError('must name the program: a file, or a list of files', where);
  const names = list as string[];
  for (const f of names)
    if (files.where(f) !== 'dir') throw new InvalidRequestError(`names ${f}, which is not a file of the problem's directory`, where);
  const main = names.find((f) => !HEADER_EXTENSIONS.has(path.extname(f))) ?? names[0]!;
  const code = FORMAT_CODE_OF_EXTENSION[path.extname(main)];
  const lang = spec.lang;
  let ids: string[] | undefined;
  if (lang !== undefined && lang !== null) {
    if (typeof lang !== 'string') throw new InvalidRequestError('lang must be a DMOJ language name', where);
    const mapped = dmojLanguages(lang);
    if (!mapped) throw new InvalidRequestError(`lang ${lang} is no DMOJ language caged knows`, where);
    ids = mapped;
  } else if (code === 'cpp') ids = ['cpp20', 'cpp17', 'cpp14', 'cpp11', 'cpp03'];
  else if (code === 'c') ids = ['c11', 'c'];
  if (!code) throw new InvalidRequestError(`${main}: caged cannot tell the language of its file ending`, where);
  const base = (f: string) => path.posix.basename(f);
  const seen = new Set<string>();
  for (const f of names) {
    if (seen.has(base(f))) throw new InvalidRequestError(`names two files called ${base(f)}`, where);
    seen.add(base(f));
  }
  return {
    dir: main,
    program: 'source',
    code,
    files: names.map((f) => ({ name: base(f), data: files.read(f) })),
    entry: base(main),
    ...(ids ? { languageIds: ids } : {}),
  };
}

/**
 * `type`: the contrib module; `peg` only for a checker (DMOJ's peg module gives an interactor no
 * arguments). Another type is DMOJ's internal error at judging: `invalidType` says it.
 */
function contribOf(
  v: unknown,
  where: string,
  unsupported: string[],
  checker: boolean,
): { contrib: DmojContrib | 'peg'; invalidType?: string } {
  if (v === undefined || v === null) return { contrib: 'default' };
  if (v === 'default' || v === 'testlib' || v === 'coci') return { contrib: v };
  if (v === 'peg') {
    if (checker) return { contrib: 'peg' };
    unsupported.push(`${where} type peg (DMOJ's peg module runs no interactor)`);
    return { contrib: 'default' };
  }
  const shown = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return { contrib: 'default', invalidType: `${shown} is not a valid contrib module` };
}

/**
 * A C or C++ source that makes its program's stdout unbuffered before main runs: DMOJ runs a
 * bridged interactor unbuffered unless it says `unbuffered: false` (graders/bridged.py), and a
 * submission so when the problem says `unbuffered: true` (its executors' setbufsize agent), so
 * that a program written for DMOJ need not flush. Compiled with the program's own sources.
 */
const UNBUFFERED_SOURCE = `#include <stdio.h>
/* Added by caged: DMOJ runs this program with its stdout unbuffered. */
__attribute__((constructor)) static void caged_unbuffered_stdout(void) { setvbuf(stdout, NULL, _IONBF, 0); }
`;

/** The unbuffering source of a program in format code `code` (`c`, `cpp`), or null for another language. */
export function unbufferedSource(code: string): { name: string; data: Buffer } | null {
  if (code !== 'c' && code !== 'cpp') return null;
  return { name: `_caged_unbuffered.${code}`, data: Buffer.from(UNBUFFERED_SOURCE) };
}

/**
 * DMOJ runs a Python submission under `unbuffered`, and a Python bridged interactor, with
 * `python -u` (its Python executor): this loader, `_caged_unbuffered.py` run as the entry, makes stdout unbuffered as -u does (Python 3: text written through
 * to an unbuffered file; Python 2: a file of buffer size 0), then runs the submission's own entry
 * as `__main__` with its own name in sys.argv[0], as DMOJ's loader script does.
 */
export function unbufferedPython(entry: string): { name: string; data: Buffer } {
  const data = Buffer.from(`# Added by caged: DMOJ runs this program with its stdout unbuffered (python -u).
import io, os, runpy, sys
if sys.version_info[0] >= 3:
    sys.stdout = io.TextIOWrapper(io.FileIO(1, 'w', closefd=False), encoding=sys.stdout.encoding, errors=sys.stdout.errors, write_through=True)
else:
    sys.stdout = os.fdopen(1, 'w', 0)
sys.argv[0] = ${JSON.stringify(entry)}
runpy.run_path(sys.argv[0], run_name='__main__')
`);
  return { name: '_caged_unbuffered.py', data };
}

export function readInteractor(files: DmojFiles, raw: unknown, unsupported: string[], notes: string[]): DmojInteractor {
  const where = `${'init.yml'} interactive`;
  if (!isMap(raw)) throw new InvalidRequestError('must be a mapping (files, lang, type)', where);
  const bridged = bridgedProgram(files, raw, where);
  const program = bridged.program;
  const unbuffered = raw.unbuffered === undefined ? true : yamlBool(raw.unbuffered, `${where} unbuffered`);
  const python = program.code === 'python3' || program.code === 'python2';
  const added = !unbuffered ? null : python ? unbufferedPython(program.entry) : unbufferedSource(program.code);
  if (added) {
    if (program.files.some((f) => f.name === added.name))
      throw new InvalidRequestError(`names a file ${added.name}, which caged adds`, where);
    program.files.push(added);
    if (python) program.entry = added.name;
  } else if (unbuffered)
    notes.push(
      `init.yml interactive: caged runs a ${program.code} interactor as it is (DMOJ unbuffers its stdout): it must flush what it writes`,
    );
  return {
    ...bridged,
    ...(contribOf(raw.type, where, unsupported, false) as { contrib: DmojContrib; invalidType?: string }),
    // DMOJ shows an interactor's feedback only when asked (its `feedback` is unset otherwise).
    feedback: raw.feedback === undefined ? false : yamlBool(raw.feedback, `${where} feedback`),
  };
}

export function readChecker(files: DmojFiles, raw: unknown, unsupported: string[], notes: string[]): DmojChecker {
  const where = `${'init.yml'} checker`;
  let name: unknown = raw ?? 'standard';
  let args: Raw = {};
  if (isMap(raw)) {
    name = raw.name;
    if (raw.args !== undefined && raw.args !== null) {
      if (!isMap(raw.args)) throw new InvalidRequestError('args must be a mapping', where);
      args = raw.args;
    }
  }
  if (typeof name !== 'string' || !name || name.includes('\0')) throw new InvalidRequestError('must name a checker', where);
  if (name.includes('.')) {
    // A module of the problem's directory (DMOJ's load_checker).
    if (files.where(name) !== 'dir') throw new InvalidRequestError(`names ${name}, which is not a file of the problem's directory`, where);
    if (path.extname(name) !== '.py') throw new InvalidRequestError(`names ${name}: a custom checker is a Python module (.py)`, where);
    return { kind: 'python', rel: name, data: files.read(name), args };
  }
  if (name === 'bridged') {
    for (const k of ['time_limit', 'memory_limit', 'compiler_time_limit'])
      if (args[k] !== undefined) notes.push(`init.yml checker args.${k} is not read: the judge's checker limits apply`);
    return {
      kind: 'bridged',
      ...bridgedProgram(files, args, `${where} args`),
      ...contribOf(args.type, `${where} args`, unsupported, true),
      feedback: args.feedback === undefined ? true : yamlBool(args.feedback, `${where} args.feedback`),
    };
  }
  if (!(DMOJ_CHECKER_NAMES as readonly string[]).includes(name))
    throw new InvalidRequestError(`${name} is none of DMOJ's checkers (${DMOJ_CHECKER_NAMES.join(', ')}, bridged) nor a .py module`, where);
  return { kind: 'builtin', name, args };
}
