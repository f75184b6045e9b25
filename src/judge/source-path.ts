/**
 * Relative paths in a box, as the wire gives them: a program's files (plain file names, or such
 * names joined by "/": a problem package's program or include directory is all its files and
 * subdirectories, as problemtools copies it) and a test's own files (testcases[].files). The
 * rules of a name, of a path, and whether a set of paths can all be written into one box.
 */

/** Bytes in a file name at most: the kernel's NAME_MAX. */
export const MAX_FILE_NAME_BYTES = 255;

/** A path component: 1-MAX_FILE_NAME_BYTES bytes in UTF-8, no "/", no NUL, not `.` or `..`. */
export function isName(s: string): boolean {
  return (
    s.length > 0 && Buffer.byteLength(s, 'utf8') <= MAX_FILE_NAME_BYTES && !s.includes('/') && !s.includes('\0') && s !== '.' && s !== '..'
  );
}

/**
 * A plain file name: a name (isName) not starting with `-`, the kernel's own bound (a package's
 * file keeps its name, docs/languages.md, entry points: a name the box can hold is one the wire
 * takes). No leading "-": the names reach compile and run commands as arguments ({sources}),
 * where "-fplugin=x.cpp" would be an option past the compiler-options allow-list.
 */
export function isPlainFileName(s: string): boolean {
  return isName(s) && !s.startsWith('-');
}

/** `p` as names joined by "/" (each passing `part`), at most `maxParts` of them and `maxBytes` bytes. */
export function isRelativePath(p: string, maxParts: number, maxBytes: number, part: (s: string) => boolean = isName): boolean {
  const parts = p.split('/');
  return parts.length <= maxParts && Buffer.byteLength(p, 'utf8') <= maxBytes && parts.every(part);
}

/** Directories in a source file's path at most (`a/b/c.java`: 2), and its bytes at most. */
export const MAX_SOURCE_PATH_DIRS = 8;
export const MAX_SOURCE_PATH_BYTES = 1024;

/**
 * A source file's place in the box: a plain file name, or such names joined by "/"
 * (`unsigned/UnsignedLong.java`), at most MAX_SOURCE_PATH_DIRS directories and
 * MAX_SOURCE_PATH_BYTES.
 */
export function isSourcePath(s: string): boolean {
  return isRelativePath(s, MAX_SOURCE_PATH_DIRS + 1, MAX_SOURCE_PATH_BYTES, isPlainFileName);
}

/** The directories `p` passes through, parents first: "a/b/c.h" → ["a", "a/b"]. */
export function parentDirs(p: string): string[] {
  const parts = p.split('/');
  return parts.slice(1).map((_, k) => parts.slice(0, k + 1).join('/'));
}

/**
 * Why the relative paths `paths` cannot all be written into one box, by index: a path given
 * again (`duplicate`), or one whose directory is a file of the set (`fileAsDir`, named; the
 * order does not matter). Empty when they can.
 */
export function pathClashes(paths: readonly string[]): ({ index: number; duplicate: true } | { index: number; fileAsDir: string })[] {
  const all = new Set(paths);
  const seen = new Set<string>();
  const out: ({ index: number; duplicate: true } | { index: number; fileAsDir: string })[] = [];
  paths.forEach((p, index) => {
    if (seen.has(p)) out.push({ index, duplicate: true });
    seen.add(p);
    const file = parentDirs(p).find((d) => all.has(d));
    if (file !== undefined) out.push({ index, fileAsDir: file });
  });
  return out;
}

/** The directories the sources' paths pass through, each once, parents first; [] for plain names. */
export function sourceDirs(files: readonly { name: string }[]): string[] {
  const dirs = new Set(files.flatMap((f) => parentDirs(f.name)));
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0));
}
