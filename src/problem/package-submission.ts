/**
 * A submission's code as a problem package judges it (judgePackage): its language, and its source
 * or its files with their entry, in the wire's meanings; nothing else of a request.
 */
import path from 'node:path';
import { entryAmong, entryNameFor } from '../judge/entry-point';
import { sourceExtensions, takesEntry } from '../judge/language-command';
import type { Language } from '../judge/languages';
import type { SubmissionInput } from '../judge/schema';
import { isPlainFileName } from '../judge/source-path';

export interface PackageSubmission {
  language: string;
  /** One of source and files (SubmissionInput's meaning). */
  source?: string;
  /** How `source` is written (default utf8). */
  sourceEncoding?: 'utf8' | 'base64';
  files?: SubmissionInput['files'];
  /** With files: the entry, its name kept (SubmissionInput's meaning). */
  entry?: string;
  /**
   * false: judged without the language's time and memory factors (the wire's meaning): a
   * package's own example submissions are, as the package format's tools judge them.
   */
  languageFactors?: false;
}

/** The code of a wire submission, as judgePackage takes it: its language, source or files, and entry; nothing else of the request. */
export function packageSubmissionOf(
  s: Pick<SubmissionInput, 'language' | 'source' | 'sourceEncoding' | 'files' | 'entry' | 'languageFactors'>,
): PackageSubmission {
  const factors = s.languageFactors === false ? { languageFactors: false as const } : {};
  if (s.source !== undefined)
    return { language: s.language, source: s.source, ...(s.sourceEncoding ? { sourceEncoding: s.sourceEncoding } : {}), ...factors };
  return { language: s.language, files: s.files, ...(s.entry !== undefined ? { entry: s.entry } : {}), ...factors };
}

/**
 * The submission of one file `fileName` in `language`. A language whose interpreter runs the
 * source file itself (its run command names `{entry}`: Python, JavaScript, Ruby, Perl, PHP…) keeps
 * the file's own name, as DOMjudge, Kattis, problemtools and BAPCtools do: such a program can read
 * it (`sys.argv[0]`, `__file__`, `$0`; GCPC 2023 mischievousmath's accepted Python decodes its code
 * from its own name). Otherwise, and for a name the wire refuses, its `source`, or, when the file
 * has another of the language's extensions than its sourceFile's, one file keeping that one
 * (`main.mjs`: an ES module stays one).
 */
export function fileSubmission(language: Language, fileName: string, source: string): PackageSubmission {
  const own = path.basename(fileName);
  const content = () => Buffer.from(source, 'utf8').toString('base64');
  if (
    own !== language.sourceFile &&
    language.entry === undefined &&
    language.run.some((w) => w.includes('{entry}')) &&
    sourceExtensions(language).includes(path.extname(own)) &&
    isPlainFileName(own)
  )
    return { language: language.id, files: [{ name: own, content: content(), encoding: 'base64' }], entry: own };
  const name = entryNameFor(language, fileName);
  if (name === language.sourceFile) return { language: language.id, source };
  return { language: language.id, files: [{ name, content: content(), encoding: 'base64' }] };
}

/**
 * The submission of the files `names` (read by `read`) in `language`, every name kept, `chosen`
 * the entry a user or submissions.yaml named. A language whose commands name the entry (`{entry}`:
 * Python, Pascal…) gets the wire's `entry`: the chosen file, else the one named like its
 * sourceFile (or `main.mjs`), else the one source, else as the format's tools choose among
 * several (problemtools' `{mainfile}`, BAPCtools): the first, by name, whose name starts with
 * "main" in any case, else the first; a library (the language's `library`: Pascal's `unit`,
 * which DOMjudge's Pascal compile also passes over) is never chosen. One under an entry rule
 * (Java's main class) gets it only when chosen; one that compiles every source (C, C++, Go)
 * needs none, chosen or not (the format: the entry point is used where there could be several).
 * `{ refused }` when no file has the language's extension, or every such file is a library. A
 * chosen entry must be one of `names`. A file `executable` says is written executable.
 */
export function directorySubmission(
  language: Language,
  names: readonly string[],
  read: (name: string) => Buffer,
  chosen?: string,
  executable: (name: string) => boolean = () => false,
): PackageSubmission | { refused: string } {
  const files = names.map((n) => ({
    name: n,
    content: read(n).toString('base64'),
    encoding: 'base64' as const,
    ...(executable(n) ? { executable: true } : {}),
  }));
  const base = { language: language.id, files };
  if (language.entry) return chosen === undefined ? base : { ...base, entry: chosen };
  if (!takesEntry(language)) return base;
  const exts = sourceExtensions(language);
  const library = language.library === undefined ? null : new RegExp(language.library, 'im');
  const all = names.filter((n) => exts.includes(path.extname(n))).sort();
  const sources = library ? all.filter((n) => !library.test(read(n).toString('utf8'))) : all;
  const entry = chosen ?? entryAmong(language, names) ?? sources.find((n) => n.toLowerCase().startsWith('main')) ?? sources[0];
  if (entry === undefined)
    return {
      refused: all.length
        ? `every ${language.id} source among ${names.join(', ')} is a library (${language.library}), none a program`
        : `no ${language.id} source among ${names.join(', ')} (${exts.join(' ')})`,
    };
  return { ...base, entry };
}
