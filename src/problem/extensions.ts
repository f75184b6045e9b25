/**
 * The language of a package's own program (its output validator or interactor) by its file
 * extension. A validator is C, C++ (as C++17) or Python 3: the languages every image carries
 * and that the formats' tools (testlib, validate.h) are written in. A package's submissions are
 * detected by the format's languages table, then the image manifest's `extensions`
 * (packageLanguages below; LanguageRegistry.ofFile, docs/languages.md).
 */
import path from 'node:path';
import type { Language } from '../judge/languages';

export type ValidatorLanguage = 'c' | 'cpp17' | 'python3';

export const VALIDATOR_LANGUAGE_OF_EXTENSION: Readonly<Record<string, ValidatorLanguage>> = {
  '.c': 'c',
  '.cc': 'cpp17',
  '.cpp': 'cpp17',
  '.cxx': 'cpp17',
  '.c++': 'cpp17',
  '.py': 'python3',
};

/**
 * A caged language id's code in the package format's languages table (appendix/languages.md):
 * what `languages:` in problem.yaml and the `include/<code>/` directories name. Ids not listed
 * are their own code.
 */
const PACKAGE_CODE: Readonly<Record<string, string>> = {
  cpp17: 'cpp',
  cpp20: 'cpp',
  'cpp-clang': 'cpp',
  pypy3: 'python3',
  commonlisp: 'lisp',
};

export function packageLanguageCode(languageId: string): string {
  return Object.hasOwn(PACKAGE_CODE, languageId) ? PACKAGE_CODE[languageId]! : languageId;
}

/** Which caged language a format code means when several share it (`cpp`: caged's C++17, as `.cpp` files are). */
const PREFERRED_ID: Readonly<Record<string, string>> = { cpp: 'cpp17', python3: 'python3', lisp: 'commonlisp' };

/**
 * The caged language of format code `code` (submissions.yaml's `language`): `byExtension`, the
 * language a submission's extension selects, when it has that code (a `.py` file stays
 * python3, a C++ file keeps its dialect), else the one caged language with the code (the
 * preferred one when several have it). Null when caged has none (kotlin, python2).
 */
export function languageIdOfCode(code: string, ids: readonly string[], byExtension?: string): string | null {
  if (byExtension !== undefined && packageLanguageCode(byExtension) === code) return byExtension;
  const candidates = ids.filter((id) => packageLanguageCode(id) === code);
  if (candidates.length <= 1) return candidates[0] ?? null;
  const preferred = PREFERRED_ID[code];
  return preferred !== undefined && candidates.includes(preferred) ? preferred : (candidates.sort()[0] ?? null);
}

/**
 * The format's languages table (appendix/languages.md; problemtools' and BAPCtools' tables agree):
 * the file endings that tell each code, for the codes caged has. Where the image's extensions
 * say otherwise, a package's submissions follow this: `.pl` is Prolog (the format counts it as
 * Perl's only in parentheses: not for telling the language), `.pm` Perl.
 */
const FORMAT_ENDINGS: Readonly<Record<string, readonly string[]>> = {
  ada: ['.adb', '.ads'],
  bash: ['.sh'],
  c: ['.c'],
  cpp: ['.cc', '.cpp', '.cxx', '.c++', '.C'],
  csharp: ['.cs'],
  d: ['.d'],
  fortran: ['.f90'],
  go: ['.go'],
  haskell: ['.hs'],
  java: ['.java'],
  javascript: ['.js'],
  lisp: ['.lisp', '.cl'],
  lua: ['.lua'],
  ocaml: ['.ml'],
  pascal: ['.pas'],
  perl: ['.pm'],
  php: ['.php'],
  prolog: ['.pl'],
  python3: ['.py', '.py3'],
  ruby: ['.rb'],
  rust: ['.rs'],
  scala: ['.scala'],
};

/** The endings the format's table gives caged language `languageId` (its code's). */
export function formatEndings(languageId: string): readonly string[] {
  return FORMAT_ENDINGS[packageLanguageCode(languageId)] ?? [];
}

/** What package submissions need of the image's languages (the Judge has it). */
export interface ImageLanguages {
  languages(): readonly { id: string }[];
  languageOfFile(file: string, field?: string): string;
  language(id: string, field?: string): Language;
}

/**
 * The image's languages as a package's tools see them: a file's language by the format's table
 * when the image has a language of that code (`.pl`: Prolog), else by the image's extensions.
 */
export function packageLanguages(image: ImageLanguages): ImageLanguages {
  return {
    languages: () => image.languages(),
    language: (id, field) => image.language(id, field),
    languageOfFile: (file, field) => {
      const ext = path.extname(file);
      const code = Object.keys(FORMAT_ENDINGS).find((c) => FORMAT_ENDINGS[c]!.includes(ext));
      const id =
        code === undefined
          ? null
          : languageIdOfCode(
              code,
              image.languages().map((l) => l.id),
              preferredOf(image, file, field, code),
            );
      return id ?? image.languageOfFile(file, field);
    },
  };
}

/** The image's own choice for `file` when it has the format's `code` (a C++ file keeps the image's dialect). */
function preferredOf(image: ImageLanguages, file: string, field: string | undefined, code: string): string | undefined {
  try {
    const id = image.languageOfFile(file, field);
    return packageLanguageCode(id) === code ? id : undefined;
  } catch {
    return undefined;
  }
}
