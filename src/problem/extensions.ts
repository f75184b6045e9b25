/**
 * Languages by file name, as problem packages and their tools read them: the format's languages
 * table (its codes and file endings), caged's ids for those codes, and the image's languages as
 * a package's tools see them. A package's submissions are detected by the image manifest's
 * `extensions` (LanguageRegistry.ofFile, docs/languages.md), a Prolog `.pl` file excepted
 * (packageLanguages below); a package's own programs (validators, graders) by the format's
 * table (FORMAT_CODE_OF_EXTENSION, package-validator.ts).
 */
import path from 'node:path';
import type { Language } from '../judge/languages';

/** A checker's language by its file's extension where no image is at hand (`caged run --checker`): C, C++ (as C++17), Python 3. */
export const CHECKER_LANGUAGE_OF_EXTENSION: Readonly<Record<string, string>> = {
  '.c': 'c',
  '.cc': 'cpp17',
  '.cpp': 'cpp17',
  '.cxx': 'cpp17',
  '.c++': 'cpp17',
  '.py': 'python3',
};

/**
 * The format's code of a program's file by its ending: the package format's languages table
 * (appendix/languages.md), the endings it uses to tell a language (those in parentheses there
 * are not). `.pl` is Prolog in the table; package-validator.ts reads one that is not as Perl, as
 * packageLanguages does.
 */
/** File endings of C and C++ headers: files beside a program's sources, compiled with them, never a program themselves. */
export const HEADER_EXTENSIONS: ReadonlySet<string> = new Set(['.h', '.hh', '.hpp', '.hxx', '.inc', '.ipp']);

export const FORMAT_CODE_OF_EXTENSION: Readonly<Record<string, string>> = {
  '.adb': 'ada',
  '.ads': 'ada',
  '.a68': 'algol68',
  '.apl': 'apl',
  '.sh': 'bash',
  '.c': 'c',
  '.cob': 'cobol',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.c++': 'cpp',
  '.C': 'cpp',
  '.cr': 'crystal',
  '.cs': 'csharp',
  '.d': 'd',
  '.dart': 'dart',
  '.ex': 'elixir',
  '.erl': 'erlang',
  '.fth': 'forth',
  '.4th': 'forth',
  '.forth': 'forth',
  '.frt': 'forth',
  '.f90': 'fortran',
  '.fs': 'fsharp',
  '.ss': 'gerbil',
  '.go': 'go',
  '.hs': 'haskell',
  '.java': 'java',
  '.js': 'javascript',
  '.jl': 'julia',
  '.kt': 'kotlin',
  '.lisp': 'lisp',
  '.cl': 'lisp',
  '.lua': 'lua',
  '.mod': 'modula2',
  '.def': 'modula2',
  '.nim': 'nim',
  '.m': 'objectivec',
  '.ml': 'ocaml',
  '.odin': 'odin',
  '.pas': 'pascal',
  '.pm': 'perl',
  '.php': 'php',
  '.pl': 'prolog',
  '.py2': 'python2',
  '.py': 'python3',
  '.py3': 'python3',
  '.rkt': 'racket',
  '.rb': 'ruby',
  '.rs': 'rust',
  '.scala': 'scala',
  '.sim': 'simula',
  '.st': 'smalltalk',
  '.sno': 'snobol',
  '.swift': 'swift',
  '.ts': 'typescript',
  '.vb': 'visualbasic',
  '.zig': 'zig',
};

/** Every code of the format's languages table: those of its file endings, and those sharing another's ending. */
export const FORMAT_CODES: ReadonlySet<string> = new Set([
  ...Object.values(FORMAT_CODE_OF_EXTENSION),
  'cgmp',
  'cppgmp',
  'javaalgs4',
  'octave',
  'python3numpy',
]);

/**
 * A caged language id's code in the package format's languages table (appendix/languages.md):
 * what `languages:` in problem.yaml and the `include/<code>/` directories name. Ids not listed
 * are their own code.
 */
const PACKAGE_CODE: Readonly<Record<string, string>> = {
  c99: 'c',
  c11: 'c',
  c23: 'c',
  cpp03: 'cpp',
  cpp11: 'cpp',
  cpp14: 'cpp',
  cpp17: 'cpp',
  cpp20: 'cpp',
  cpp23: 'cpp',
  'cpp-clang': 'cpp',
  pypy3: 'python3',
  commonlisp: 'lisp',
};

export function packageLanguageCode(languageId: string): string {
  return Object.hasOwn(PACKAGE_CODE, languageId) ? PACKAGE_CODE[languageId]! : languageId;
}

/** Why a submission in caged's `languageId` is refused by a problem allowing `languages` (format codes; null: all), or null. */
export function outsideLanguages(languageId: string, languages: readonly string[] | null): string | null {
  const code = packageLanguageCode(languageId);
  return languages && !languages.includes(code)
    ? `is in ${languageId} (the format's ${code}), not one of the problem's languages (${languages.join(', ')})`
    : null;
}

/** The newest C++ first: a package's C++ is the newest the image has (packageLanguages). */
const NEWEST_CPP = ['cpp23', 'cpp20'] as const;

/** Which caged languages a format code means when several share it, the first the image has (`cpp`: caged's newest C++, as a package's `.cpp` files are). */
const PREFERRED_IDS: Readonly<Record<string, readonly string[]>> = {
  c: ['c'],
  cpp: NEWEST_CPP,
  python3: ['python3'],
  lisp: ['commonlisp'],
};

/**
 * The caged language of format code `code` (submissions.yaml's `language`): `byExtension`, the
 * language a submission's extension selects, when it has that code (a `.py` file stays
 * python3, a C++ file keeps its dialect), else the one caged language with the code (the
 * preferred one when several have it). Null when caged has none (swift).
 */
export function languageIdOfCode(code: string, ids: readonly string[], byExtension?: string): string | null {
  if (byExtension !== undefined && packageLanguageCode(byExtension) === code) return byExtension;
  const candidates = ids.filter((id) => packageLanguageCode(id) === code);
  if (candidates.length <= 1) return candidates[0] ?? null;
  const preferred = PREFERRED_IDS[code]?.find((id) => candidates.includes(id));
  return preferred ?? candidates.sort()[0] ?? null;
}

/**
 * A `.pl` file that is Prolog, not Perl: a line with `:-` before any `#` (GitHub linguist's
 * rule). The package format's table (2023-07, 2025-09), problemtools and BAPCtools read `.pl`
 * as Prolog; DOMjudge, whose example packages hold Perl `.pl` submissions, and the image's
 * extensions as Perl. Every Prolog program with a rule has `:-`; Perl hardly ever does.
 */
export const PROLOG_LINE = /^[^#\n]*:-/m;

/** What the image's languages tell (the Judge has both). */
export interface KnownLanguages {
  languages(): readonly { id: string }[];
  /** The language a file name's extension selects; throws for an extension no language has. */
  languageOfFile(file: string, field?: string): string;
}

/** What package submissions need of the image's languages (the Judge has it). */
export interface ImageLanguages extends KnownLanguages {
  language(id: string, field?: string): Language;
}

/**
 * The image's languages as a problem package's tools see them: a `.pl` file that reads as Prolog
 * (`read` gives its bytes, or null) is Prolog, when the image has it; a C++ file is the newest
 * C++ the image has (cpp23, else cpp20, where the image's extensions say cpp17): the package
 * tools' own compilers take the newest standard (problemtools gnu++23, DOMjudge gnu++20), and juries'
 * solutions use it (GCPC 2022's `std::set::contains`); else the image's extensions.
 * `newestCpp: false` keeps the image's C++ (a batch judged against test cases, not a package).
 */
export function packageLanguages(
  image: ImageLanguages,
  read: (file: string) => Buffer | null,
  { newestCpp = true }: { newestCpp?: boolean } = {},
): ImageLanguages {
  const has = (id: string) => image.languages().some((l) => l.id === id);
  const newest = NEWEST_CPP.find(has);
  return {
    languages: () => image.languages(),
    language: (id, field) => image.language(id, field),
    languageOfFile: (file, field) => {
      if (path.extname(file) === '.pl' && has('prolog')) {
        const text = read(file);
        if (text && PROLOG_LINE.test(text.toString('utf8'))) return 'prolog';
      }
      const id = image.languageOfFile(file, field);
      return newestCpp && id === 'cpp17' && newest ? newest : id;
    },
  };
}

/**
 * The languages of a package's own submissions (below its submissions/, the jury's): as
 * packageLanguages, and a Python 3 file runs with PyPy (pypy3) where the image has it, as the
 * package tools run them (problemtools' "Python 3 (w/PyPy3)", BAPCtools' pypy3 before CPython,
 * and Kattis): a jury's Python solution is written and timed for PyPy (NWERC 2023 brickwork's
 * accepted transcription takes 5 s under PyPy and over 120 s under CPython). `--lang python3`
 * (or submissions.yaml's entry naming a language) still chooses; a contestant's file keeps the
 * image's python3.
 */
export function juryLanguages(image: ImageLanguages): ImageLanguages {
  const has = (id: string) => image.languages().some((l) => l.id === id);
  return {
    languages: () => image.languages(),
    language: (id, field) => image.language(id, field),
    languageOfFile: (file, field) => {
      const id = image.languageOfFile(file, field);
      return id === 'python3' && has('pypy3') ? 'pypy3' : id;
    },
  };
}
