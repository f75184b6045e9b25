/**
 * The language of a source file by its extension, for `caged judge` (the submission) and for a
 * package's own programs (its output validator): the image's languages, C++ as C++17.
 */
export type ExtensionLanguage = 'c' | 'cpp17' | 'python3';

export const LANGUAGE_OF_EXTENSION: Readonly<Record<string, ExtensionLanguage>> = {
  '.c': 'c',
  '.cc': 'cpp17',
  '.cpp': 'cpp17',
  '.cxx': 'cpp17',
  '.c++': 'cpp17',
  '.py': 'python3',
};
