/**
 * `caged grade`'s SUBMISSION arguments → the batch's entries. Each argument is one submission (a
 * source file, or a directory of a student's or team's files), except a directory given as the
 * only SUBMISSION, whose entries are the submissions. A quoted glob (`'subs/*.c'`, `'subs/*'`) is
 * expanded here (`*` and `?` within a path segment; a leading dot is matched only by a dot), in
 * name order. The language and the entry file come from the extensions, as for `caged judge`
 * (its `packageSubmission`); `--lang-of .cc=cpp20` gives an extension another language.
 *
 * Bad input becomes the entry's refusal, never an error of the batch: an unreadable file, a
 * symbolic link, an unknown extension, an empty directory, sources over the cap (measured before
 * anything is read).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GradeEntry } from '../client/grade';
import { InvalidRequestError } from '../errors';
import type { PackageSubmission } from '../problem/package-submission';
import { directoryFiles, packageSubmission, type SubmissionLanguages } from './judge';

/** `*` any run of characters, `?` one; no other special character. Greedy two-pointer match: at most pattern × name steps, no recursion. */
export function globMatch(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function hasMagic(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

/** The paths a glob names, in name order (none: an error naming the pattern). */
export function expandGlob(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s) => s !== '');
  let paths = [absolute ? '/' : '.'];
  for (const seg of segments) {
    const next: string[] = [];
    for (const base of paths) {
      if (!hasMagic(seg)) {
        const p = path.join(base, seg);
        if (fs.existsSync(p)) next.push(p);
        continue;
      }
      let names: string[] = [];
      try {
        names = fs.readdirSync(base).sort();
      } catch {
        continue;
      }
      for (const n of names) if (globMatch(seg, n)) next.push(path.join(base, n));
    }
    paths = next;
  }
  if (!paths.length) throw new InvalidRequestError(`matches nothing: ${pattern}`, 'SUBMISSION');
  return paths.map((p) => (absolute || pattern.startsWith('./') ? p : path.relative('.', p) || '.'));
}

/** The submission paths of the arguments (globs expanded, a lone directory opened). */
export function submissionPaths(args: readonly string[]): string[] {
  const paths = args.flatMap((a) => (hasMagic(a) && !fs.existsSync(a) ? expandGlob(a) : [a]));
  if (args.length === 1 && paths.length === 1 && fs.statSync(paths[0]!, { throwIfNoEntry: false })?.isDirectory()) {
    const dir = paths[0]!;
    const names = fs
      .readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (!names.length) throw new InvalidRequestError(`no submissions in ${dir}`, 'SUBMISSION');
    return names.map((n) => path.join(dir, n));
  }
  return paths;
}

/** Bytes a submission would send: a file's size, or its directory's files' sizes (read checks its links). */
function sizeOf(p: string, st: fs.Stats): number {
  if (st.isFile()) return st.size;
  return directoryFiles(p, '/').reduce((total, n) => total + fs.statSync(path.join(p, n)).size, 0);
}

/** `--lang-of .cc=cpp20,.h=c`: extensions whose language is not the default one. */
export function parseLanguageOverrides(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (spec === undefined) return out;
  for (const part of spec.split(',')) {
    const m = /^(\.[A-Za-z0-9+_-]{1,16})=([A-Za-z0-9._+-]{1,64})$/.exec(part.trim());
    if (!m) throw new InvalidRequestError(`expects .EXT=LANG[,.EXT=LANG…] (got ${JSON.stringify(part)})`, '--lang-of');
    out[m[1]!.toLowerCase()] = m[2]!;
  }
  return out;
}

/** The language an override gives a file or a directory's files (undefined: by the default table). */
function overriddenLanguage(p: string, st: fs.Stats, overrides: Readonly<Record<string, string>>): string | undefined {
  const names = st.isFile() ? [path.basename(p)] : directoryFiles(p, '/');
  const langs = new Set(names.map((n) => overrides[path.extname(n).toLowerCase()]).filter((l): l is string => l !== undefined));
  if (langs.size > 1) throw new InvalidRequestError(`its files have several languages by --lang-of: ${[...langs].join(', ')}`);
  return [...langs][0];
}

/**
 * A problem package's own example submissions, read as `caged judge` reads them (its constants,
 * what submissions.yaml says of its language and entry, links within the package).
 */
export interface OwnSubmissions {
  /** Whether `p` lies in the package's submissions/ (a link there points within the package: else it throws). */
  owns(p: string): boolean;
  /** Its submission, and whether it runs every test (resolveSubmission's `everyTest`). */
  read(p: string, lang: string | undefined): { submission: PackageSubmission; everyTest: boolean };
}

const NO_PACKAGE: OwnSubmissions = {
  owns: () => false,
  read: () => {
    throw new Error('not a package submission');
  },
};

/** One entry per path; names are the base names, made unique with the path where two share one. */
export function collectEntries(
  paths: readonly string[],
  maxSourceBytes: number,
  languages: SubmissionLanguages,
  overrides: Readonly<Record<string, string>> = {},
  ownSubmissions: OwnSubmissions = NO_PACKAGE,
): GradeEntry[] {
  const base = paths.map((p) => path.basename(p));
  const count = new Map<string, number>();
  for (const b of base) count.set(b, (count.get(b) ?? 0) + 1);
  return paths.map((p, i) => {
    const name = count.get(base[i]!)! > 1 ? p : base[i]!;
    try {
      const link = fs.lstatSync(p);
      const own = ownSubmissions.owns(p);
      if (link.isSymbolicLink() && !own) return { name, refused: 'is a symbolic link (give the file itself)' };
      // A package's own submission may be a link within the package: what it points to is read.
      const st = own ? fs.statSync(p) : link;
      if (!st.isFile() && !st.isDirectory()) return { name, refused: 'is neither a file nor a directory' };
      const bytes = sizeOf(p, st);
      if (bytes > maxSourceBytes) return { name, refused: `the sources are ${bytes} bytes, more than the ${maxSourceBytes} allowed` };
      const lang = overriddenLanguage(p, st, overrides);
      const resolved = own
        ? ownSubmissions.read(p, lang)
        : { submission: packageSubmission(p, lang, undefined, languages), everyTest: false };
      const s = resolved.submission;
      // A package's own example is judged under the package's limits alone (judge-package.ts's ownSubmission), on every test where resolveSubmission says so.
      const factors = own ? { languageFactors: false as const, ...(resolved.everyTest ? { allTests: true as const } : {}) } : {};
      return s.files !== undefined
        ? { name, language: s.language, files: s.files, ...(s.entry !== undefined ? { entry: s.entry } : {}), ...factors }
        : {
            name,
            language: s.language,
            source: Buffer.from(s.source ?? '', s.sourceEncoding === 'base64' ? 'base64' : 'utf8').toString('utf8'),
            ...factors,
          };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // `caged judge`'s message, without the argument it names (here the entry is the subject).
      const field = err instanceof InvalidRequestError && err.field ? `${err.field}: ` : '';
      const why = e.code ? `cannot read it: ${e.code}` : e.message.startsWith(field) ? e.message.slice(field.length) : e.message;
      return { name, refused: why };
    }
  });
}
