/**
 * A program's code as the wire gives it (one `source`, or `files` with an optional `entry`) →
 * the files written into its box and the language as its commands need it: `sourceFile` the
 * entry (`{entry}`), `sources` (`{sources}`), `mainClass` under an entry rule (Java, Scala,
 * Kotlin: entry-point.ts). One reading for every program of a job: the submission
 * (plan.ts), an output validator (output-validator-spec.ts) and an interactor (interactive.ts),
 * so that a problem's own program in any language is built as a submission in it is.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { SourceFile } from './compile-step';
import { entryAmong, findMainClass, singleSourceName } from './entry-point';
import { sourceExtensions, sourcesOf, takesEntry, takesSources } from './language-command';
import type { Language } from './languages';

export interface ProgramCode {
  source?: string | undefined;
  sourceEncoding?: 'utf8' | 'base64' | undefined;
  files?:
    | ReadonlyArray<{ name: string; content: string; encoding?: 'utf8' | 'base64' | undefined; executable?: boolean | undefined }>
    | undefined;
  entry?: string | undefined;
}

export interface ProgramFiles {
  language: Language;
  files: SourceFile[];
  /**
   * No class with `main` (or several) under an entry rule: the caller decides (a submission is
   * CE without running the compiler, as DOMjudge and Kattis judge it; a problem's own program
   * is refused).
   */
  mainClassError?: string;
}

/** Reads `code` in `language`; a bad file set is refused naming `${prefix}files` (or `entry`). */
export function programFiles(language: Language, code: ProgramCode, prefix = ''): ProgramFiles {
  let files: SourceFile[];
  if (code.source !== undefined) {
    const content = Buffer.from(code.source, code.sourceEncoding === 'base64' ? 'base64' : 'utf8');
    files = [{ name: singleSourceName(language, content.toString('utf8')), content }];
  } else {
    files = (code.files ?? []).map((f) => ({
      name: f.name,
      content: Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8'),
      ...(f.executable ? { executable: true } : {}),
    }));
    if (code.entry !== undefined) {
      // Named: {entry} is that file, its name kept; under an entry rule its main class wins.
      if (!language.entry && !takesEntry(language))
        throw new InvalidRequestError(`language ${language.id} compiles every source together and takes no entry`, `${prefix}entry`);
      language = { ...language, sourceFile: code.entry };
    } else if (!language.entry && takesEntry(language)) {
      // The entry is sourceFile, or its stem with another of the language's extensions (main.mjs): {entry} names it.
      const entry = entryAmong(
        language,
        files.map((f) => f.name),
      );
      if (!entry)
        throw new InvalidRequestError(
          `must include the entry point ${JSON.stringify(language.sourceFile)} of language ${language.id}`,
          `${prefix}files`,
        );
      if (entry !== language.sourceFile) language = { ...language, sourceFile: entry };
    } else if (!language.entry && takesSources(language)) {
      // Commands that compile {sources} alone (C, C++…) need no entry, but one source at least.
      // Commands naming neither (a multi-file program's scripts) find their files themselves.
      const exts = sourceExtensions(language);
      if (!files.some((f) => exts.includes(path.extname(f.name))))
        throw new InvalidRequestError(`holds no source of language ${language.id} (${exts.join(' ')})`, `${prefix}files`);
    }
  }
  language = { ...language, sources: sourcesOf(language, files) };
  if (!language.entry) return { language, files };
  try {
    const field = `${prefix}${code.source !== undefined ? 'source' : 'files'}`;
    return { language: { ...language, mainClass: findMainClass(language, files, field, code.entry) }, files };
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    return { language, files, mainClassError: err.field ? err.message.slice(err.field.length + 2) : err.message };
  }
}
