/**
 * The names a program's files may have in the box: plain file names, or such names joined by
 * "/" (a problem package's program or include directory is all its files and subdirectories,
 * as problemtools copies it), and whether a set of them can all be written into one box.
 */

/** Bytes in a file name at most: the kernel's NAME_MAX. */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * A plain file name: no slash, not `.` or `..`, no NUL, not starting with `-`, at most
 * MAX_FILE_NAME_BYTES bytes in UTF-8, the kernel's own bound (a package's file keeps its name,
 * docs/languages.md, entry points: a name the box can hold is one the wire takes).
 * No leading "-": the names reach compile and run commands as arguments ({sources}), where
 * "-fplugin=x.cpp" would be an option past the compiler-options allow-list.
 */
export function isPlainFileName(s: string): boolean {
  return (
    s.length > 0 &&
    Buffer.byteLength(s, 'utf8') <= MAX_FILE_NAME_BYTES &&
    !s.includes('/') &&
    !s.includes('\0') &&
    s !== '.' &&
    s !== '..' &&
    !s.startsWith('-')
  );
}

/** Directories in a source file's path at most (`a/b/c.java`: 2), and its bytes at most. */
export const MAX_SOURCE_PATH_DIRS = 8;
export const MAX_SOURCE_PATH_BYTES = 1024;

/**
 * A source file's place in the box: a plain file name (isPlainFileName), or such names joined
 * by "/" (`unsigned/UnsignedLong.java`: a problem package's program or include directory is all
 * its files and subdirectories, as problemtools copies it). No empty part, no "." or "..", no
 * part starting with "-", at most MAX_SOURCE_PATH_DIRS directories and MAX_SOURCE_PATH_BYTES.
 */
export function isSourcePath(s: string): boolean {
  const parts = s.split('/');
  return parts.length <= MAX_SOURCE_PATH_DIRS + 1 && Buffer.byteLength(s, 'utf8') <= MAX_SOURCE_PATH_BYTES && parts.every(isPlainFileName);
}

/**
 * Why the source paths `names` cannot all be written into one box, by index: a path given twice,
 * or a path that another one needs as a directory (`a` and `a/b.c`). Empty when they can.
 */
export function sourcePathClashes(names: readonly string[]): { index: number; message: string }[] {
  const files = new Set<string>();
  const dirs = new Map<string, string>();
  const out: { index: number; message: string }[] = [];
  names.forEach((name, index) => {
    const parts = name.split('/');
    const parents = parts.slice(0, -1).map((_, k) => parts.slice(0, k + 1).join('/'));
    if (files.has(name)) out.push({ index, message: `duplicate file name ${JSON.stringify(name)}` });
    else if (dirs.has(name)) out.push({ index, message: `${JSON.stringify(name)} is a directory of ${JSON.stringify(dirs.get(name))}` });
    else {
      const clash = parents.find((d) => files.has(d));
      if (clash !== undefined)
        out.push({ index, message: `${JSON.stringify(name)} needs ${JSON.stringify(clash)}, a file, as a directory` });
    }
    files.add(name);
    for (const d of parents) if (!dirs.has(d)) dirs.set(d, name);
  });
  return out;
}
