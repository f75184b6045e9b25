/**
 * The compiler options a submission may add to its language's compile command: an allow-list
 * per compiler family, checked when the job is planned (before any container starts). Anything
 * not on the list is a bad request (InvalidRequestError, never retried) naming the option and
 * its field, `compilerOptions[i]`.
 *
 * Why a list and not a deny-list: the compile runs the submission's choice of flags, and GCC has
 * many ways to load code or read files chosen on its command line (`-fplugin=./p.so` runs code
 * inside the compiler; `-specs=`, `-wrapper`, `-B`, `@file`, `-Wl,`/`-Wa,`/`-Wp,`, `-Xlinker`
 * hand arbitrary arguments to the linker, assembler or preprocessor; `-I`, `-include`,
 * `--sysroot`, `-fdump-*`, `-save-temps`, `-M*` read or write paths). A new GCC adds more; only
 * what is known harmless passes.
 *
 * The list lives here, keyed by compiler family (the driver of the language's compile command:
 * gcc → C, g++ → C++), rather than in the image's language.json: it is security policy, reviewed
 * with the code and changed without rebuilding an image, and every language built on the same
 * driver (c, c99, c11, c23, cpp03 to cpp23, …) gets it with no manifest change. A language whose
 * driver has no family here (or an interpreted one) accepts no options at all.
 *
 * Decisions (also in the README):
 * - `-march=`/`-mtune=`/any `-m…`: refused. Compile and run happen on the same worker, but the
 *   verdict of a submission must not depend on which worker's CPU compiled it, and the compile
 *   cache's key does not hold the CPU. (A source's own `#pragma GCC target` stays its choice.)
 * - `-fsanitize=…`: refused. The runtimes reserve terabytes of shadow memory (against the memory
 *   and address-space limits), LeakSanitizer needs ptrace (denied by seccomp), and the options
 *   they read from the environment write log files: the verdicts would say nothing useful.
 * - `--param`, `-fopenmp`, `-fplugin*`, `-fdump-*`, and every option taking a path: refused.
 * - `-static`, `-pthread`, `-lm`: allowed (they only pick libraries of the image).
 */
import { InvalidRequestError } from '../errors';
import type { Language } from './languages';

export type CompilerFamily = 'gcc-c' | 'gcc-c++';

/** `-std=` values and the first GCC major version that knows each. */
const C_STANDARDS: Readonly<Record<string, number>> = {
  c89: 1,
  c90: 1,
  'iso9899:1990': 1,
  'iso9899:199409': 1,
  c99: 1,
  'iso9899:1999': 1,
  c11: 5,
  'iso9899:2011': 5,
  c17: 8,
  c18: 8,
  'iso9899:2017': 8,
  'iso9899:2018': 8,
  c2x: 9,
  c23: 14,
  gnu89: 1,
  gnu90: 1,
  gnu99: 1,
  gnu11: 5,
  gnu17: 8,
  gnu18: 8,
  gnu2x: 9,
  gnu23: 14,
};
const CXX_STANDARDS: Readonly<Record<string, number>> = {
  'c++98': 1,
  'c++03': 1,
  'c++11': 5,
  'c++14': 5,
  'c++17': 5,
  'c++1z': 5,
  'c++20': 10,
  'c++2a': 8,
  'c++23': 11,
  'c++2b': 11,
  'c++26': 14,
  'c++2c': 14,
  'gnu++98': 1,
  'gnu++03': 1,
  'gnu++11': 5,
  'gnu++14': 5,
  'gnu++17': 5,
  'gnu++1z': 5,
  'gnu++20': 10,
  'gnu++2a': 8,
  'gnu++23': 11,
  'gnu++2b': 11,
  'gnu++26': 14,
  'gnu++2c': 14,
};

/** Options allowed as they are, for both families. */
const COMMON_EXACT = new Set([
  // optimisation
  '-O',
  '-O0',
  '-O1',
  '-O2',
  '-O3',
  '-Os',
  '-Og',
  '-Ofast',
  '-Oz',
  // debug information
  '-g',
  '-g0',
  '-g1',
  '-g2',
  '-g3',
  // warnings without a sub-option
  '-w',
  '-pedantic',
  '-pedantic-errors',
  // libraries of the image, linking
  '-lm',
  '-pthread',
  '-static',
  // code generation and diagnostics that load and read nothing
  '-fsyntax-only',
  '-ffast-math',
  '-fno-fast-math',
  '-funroll-loops',
  '-fno-unroll-loops',
  '-fomit-frame-pointer',
  '-fno-omit-frame-pointer',
  '-fstrict-aliasing',
  '-fno-strict-aliasing',
  '-fwrapv',
  '-fno-wrapv',
  '-ftrapv',
  '-fno-trapv',
  '-fsigned-char',
  '-funsigned-char',
  '-fstack-protector',
  '-fstack-protector-strong',
  '-fstack-protector-all',
  '-fno-stack-protector',
  '-fno-builtin',
  '-fno-common',
  '-fPIE',
  '-fpie',
  '-fno-pie',
  '-fno-PIE',
  '-no-pie',
  '-fdiagnostics-color=never',
  '-fno-diagnostics-color',
]);
const CXX_EXACT = new Set(['-fno-exceptions', '-fno-rtti', '-fpermissive']);

/** `-fmax-errors=N` and friends: a number argument only. */
const NUMERIC_F = new Set(['-fmax-errors', '-ftemplate-depth', '-fconstexpr-depth', '-fconstexpr-loop-limit', '-fconstexpr-ops-limit']);

/**
 * Warnings: `-Wname`, `-Wno-name`, `-Werror`, `-Werror=name`, `-Wname=value`; never a comma
 * (`-Wl,…`, `-Wa,…`, `-Wp,…` pass arguments to the linker, assembler and preprocessor).
 * One character class per part, no nested quantifier: linear on any input.
 */
const WARNING = /^-W[a-z][a-z0-9+-]*(?:=[A-Za-z0-9_+-]+)?$/;
const PASS_THROUGH = new Set(['-Wl', '-Wa', '-Wp']);
/** `-DNAME`, `-DNAME=VALUE` (printable VALUE, no control characters), `-UNAME`. */
const DEFINE = /^-D[A-Za-z_][A-Za-z0-9_]*(?:=[\x20-\x7e]*)?$/;
const UNDEFINE = /^-U[A-Za-z_][A-Za-z0-9_]*$/;

/** Known loaders of code or readers of paths, for a message that says why. */
const REFUSED_WHY: ReadonlyArray<readonly [string, string]> = [
  ['-fplugin', 'loads a compiler plugin (code run by the compiler)'],
  ['-specs', "loads a specs file (rewrites the compiler's commands)"],
  ['-wrapper', "runs the compiler's programs under another program"],
  ['-B', 'chooses where the compiler finds its own programs'],
  ['@', 'reads more options from a file'],
  ['-Wl,', 'passes arguments to the linker'],
  ['-Wa,', 'passes arguments to the assembler'],
  ['-Wp,', 'passes arguments to the preprocessor'],
  ['-Xlinker', 'passes arguments to the linker'],
  ['-Xassembler', 'passes arguments to the assembler'],
  ['-Xpreprocessor', 'passes arguments to the preprocessor'],
  ['-fdump-', 'writes files chosen on the command line'],
  ['-save-temps', 'writes files chosen on the command line'],
  ['-fsanitize', 'needs sanitizer runtimes the sandbox does not support'],
  ['-m', 'targets a CPU (the verdict must not depend on the worker that compiled)'],
  ['--sysroot', 'names a path'],
  ['-I', 'names a path'],
  ['-L', 'names a path'],
  ['-include', 'names a path'],
  ['-imacros', 'names a path'],
  ['-isystem', 'names a path'],
  ['-iquote', 'names a path'],
  ['-idirafter', 'names a path'],
  ['-iprefix', 'names a path'],
  ['-M', 'writes a dependency file'],
  ['-o', 'names the output file'],
  ['-x', 'changes the input language'],
];

const FAMILIES: readonly CompilerFamily[] = ['gcc-c', 'gcc-c++'];

/** Why `option` is refused, from the list of known loaders of code and readers of paths. */
function refusalReason(option: string): string {
  const why = REFUSED_WHY.find(([prefix]) => option.startsWith(prefix))?.[1];
  return why ? ` (${why})` : '';
}

/**
 * The schema's check, before the language is known: the message refusing `option` when no
 * compiler family allows it (a plugin, a path, …), null when some family does (the plan then
 * checks it against the submission's language). Producers using the schema (the client) refuse
 * such a submission before it is queued.
 */
export function refusedForEveryLanguage(option: string): string | null {
  if (FAMILIES.some((f) => isAllowedOption(f, option, Number.POSITIVE_INFINITY))) return null;
  return `${JSON.stringify(option)} refused${refusalReason(option)}: not an allowed compiler option of any language`;
}

/** The family of `language`'s compiler (from its compile command's driver), or null. */
export function compilerFamily(language: Pick<Language, 'compile'>): CompilerFamily | null {
  const driver = language.compile?.[0]?.split('/').pop() ?? '';
  if (/^(?:gcc|cc)(?:-\d+)?$/.test(driver)) return 'gcc-c';
  if (/^(?:g\+\+|c\+\+)(?:-\d+)?$/.test(driver)) return 'gcc-c++';
  return null;
}

/** Whether `option` is on the allow-list of `family` for a compiler of major version `major`. */
export function isAllowedOption(family: CompilerFamily, option: string, major: number): boolean {
  if (COMMON_EXACT.has(option)) return true;
  if (family === 'gcc-c++' && CXX_EXACT.has(option)) return true;
  if (option.startsWith('-std=')) {
    const table = family === 'gcc-c' ? C_STANDARDS : CXX_STANDARDS;
    const value = option.slice(5);
    return Object.prototype.hasOwnProperty.call(table, value) && major >= table[value]!;
  }
  if (option.startsWith('-W')) return !PASS_THROUGH.has(option) && WARNING.test(option);
  if (option.startsWith('-D')) return DEFINE.test(option);
  if (option.startsWith('-U')) return UNDEFINE.test(option);
  const eq = option.indexOf('=');
  if (eq > 0 && NUMERIC_F.has(option.slice(0, eq))) return /^[0-9]{1,9}$/.test(option.slice(eq + 1));
  return false;
}

/**
 * Refuses, with InvalidRequestError on `compilerOptions[i]`, the first option of `options` that
 * the family of `language` does not allow. `field` is the name of the array in the request.
 */
export function checkCompilerOptions(
  language: Pick<Language, 'id' | 'compile' | 'version'>,
  options: readonly string[],
  field = 'compilerOptions',
): void {
  if (options.length === 0) return;
  if (!language.compile)
    throw new InvalidRequestError(
      `setting compiler options is only allowed for compiled languages (${language.id} is not compiled)`,
      field,
    );
  const family = compilerFamily(language);
  const major = Number.parseInt(language.version, 10);
  options.forEach((option, i) => {
    if (family && isAllowedOption(family, option, Number.isFinite(major) ? major : 0)) return;
    const shown = JSON.stringify(option);
    if (!family) throw new InvalidRequestError(`${shown} refused: language ${language.id} accepts no compiler options`, `${field}[${i}]`);
    if (option.startsWith('-std=')) {
      throw new InvalidRequestError(
        `${shown} refused: not a standard that ${language.compile![0]} ${language.version} of language ${language.id} knows`,
        `${field}[${i}]`,
      );
    }
    throw new InvalidRequestError(
      `${shown} refused${refusalReason(option)}: not an allowed compiler option of language ${language.id}`,
      `${field}[${i}]`,
    );
  });
}
