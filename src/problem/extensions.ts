/**
 * The language of a package's own program (its output validator or interactor) by its file
 * extension. A validator is C, C++ (as C++17) or Python 3: the languages every image carries
 * and that the formats' tools (testlib, validate.h) are written in. Submissions are detected
 * from the image manifest's `extensions` instead (LanguageRegistry.ofFile, docs/languages.md).
 */
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
