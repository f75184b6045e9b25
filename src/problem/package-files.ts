/**
 * The files of a problem package, read with two rules: nothing outside the package, and no
 * more than a configured size. Every entry is lstat'ed; a link is followed only when its target
 * (realpath) lies inside the package's own realpath, otherwise the package is refused naming the
 * link. Directories are listed in lexicographic (byte) order, at most MAX_DEPTH levels deep.
 * The bytes of every file read are counted against `maxBytes`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';

export const DEFAULT_MAX_PACKAGE_BYTES = 1024 * 2 ** 20;
const MAX_DEPTH = 32;

export interface Entry {
  name: string;
  kind: 'file' | 'dir' | 'other';
}

export class PackageFiles {
  private listedBytes = 0;
  /** Files read with each CR LF as LF (markUnixText). */
  private readonly unixText = new Set<string>();

  protected constructor(
    /** The package's realpath. */
    readonly root: string,
    protected readonly maxBytes: number,
  ) {}

  static open(dir: string, maxBytes = DEFAULT_MAX_PACKAGE_BYTES): PackageFiles {
    const st = fs.statSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw new InvalidRequestError(`not a directory: ${dir}`, 'PROBLEM_DIR');
    return new PackageFiles(fs.realpathSync(dir), maxBytes);
  }

  /**
   * Refuses a directory without problem.yaml (nor a Polygon package's problem.xml, nor a DMOJ init.yml), saying what
   * would make it a package: problemtools refuses it too (every format version has the file, if
   * only with `name:`); test data alone is `caged run`'s.
   */
  requirePackageRoot(): void {
    if (['problem.yaml', 'problem.xml', 'init.yml', 'task.yaml'].every((f) => this.kind(f) !== 'file'))
      throw new InvalidRequestError(
        `no problem.yaml in ${this.root}: a problem package has one at its root (Kattis format), if only with "name: …", or a problem.xml (Polygon), an init.yml (DMOJ) or a task.yaml (CMS); for a directory of tests alone, use caged run FILE --tests DIR`,
        'PROBLEM_DIR',
      );
  }

  /** What `rel` (a path inside the package, "/"-separated) is, links resolved inside the package; null if absent. */
  kind(rel: string): Entry['kind'] | null {
    const real = this.resolve(rel);
    if (real === null) return null;
    const st = fs.statSync(real);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  }

  /** The entries of directory `rel`, sorted by name (bytes of the UTF-8 names). */
  list(rel: string): Entry[] {
    if (rel.split('/').length > MAX_DEPTH) throw new InvalidRequestError(`nested deeper than ${MAX_DEPTH} levels`, rel);
    const real = this.resolve(rel);
    if (real === null) return [];
    const names = fs.readdirSync(real).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return names.map((name) => {
      const kind = this.kind(`${rel}/${name}`) ?? 'other';
      if (kind === 'file') this.count(fs.statSync(path.join(real, name)).size, `${rel}/${name}`);
      return { name, kind };
    });
  }

  /**
   * The plain files below directory `rel` at any depth, as paths relative to it ("a.h",
   * "unsigned/UnsignedLong.java"), sorted by their bytes: a program's files, which are all its
   * files and subdirectories (problemtools). `keep` is asked of every name, a file's or a
   * directory's; a directory it refuses is left out whole. An entry that is neither a file nor a
   * directory (a FIFO) is refused.
   */
  filesBelow(rel: string, keep: (name: string) => boolean = () => true): string[] {
    const out: string[] = [];
    const walk = (sub: string): void => {
      for (const e of this.list(sub ? `${rel}/${sub}` : rel)) {
        if (!keep(e.name)) continue;
        const p = sub ? `${sub}/${e.name}` : e.name;
        if (e.kind === 'dir') walk(p);
        else if (e.kind === 'file') out.push(p);
        else throw new InvalidRequestError('is neither a file nor a directory', `${rel}/${p}`);
      }
    };
    walk('');
    return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** The size of file `rel` in bytes (what `read` would give). */
  size(rel: string): number {
    const real = this.resolve(rel);
    if (real === null) throw new InvalidRequestError('no such file in the package', rel);
    const st = fs.statSync(real);
    if (!st.isFile()) throw new InvalidRequestError('is not a regular file', rel);
    return st.size;
  }

  /** The bytes of file `rel`; counted against the package's size cap. */
  read(rel: string): Buffer {
    const real = this.resolve(rel);
    if (real === null) throw new InvalidRequestError('no such file in the package', rel);
    const st = fs.statSync(real);
    if (!st.isFile()) throw new InvalidRequestError('is not a regular file', rel);
    if (st.size > this.maxBytes) this.tooLarge(rel);
    const data = fs.readFileSync(real);
    return this.unixText.has(rel) ? unixLineEnds(data) : data;
  }

  /**
   * Reads `rel` from now on with each CR LF as LF: text a format keeps with the line ends of the
   * system its package was made for (a Polygon package for Windows), given as a Linux package of
   * the same problem holds it. Its size() stays the file's, an upper bound.
   */
  markUnixText(rel: string): void {
    this.unixText.add(rel);
  }

  private count(bytes: number, rel: string): void {
    this.listedBytes += bytes;
    if (this.listedBytes > this.maxBytes) this.tooLarge(rel);
  }

  protected tooLarge(rel: string): never {
    throw new InvalidRequestError(`the package is larger than the ${this.maxBytes} bytes allowed (at ${rel})`, 'PROBLEM_DIR');
  }

  /** The realpath of `rel`, checked to lie inside the package at every link; null if it does not exist. */
  private resolve(rel: string): string | null {
    const full = path.join(this.root, rel);
    const st = fs.lstatSync(full, { throwIfNoEntry: false });
    if (!st) return null;
    let real: string;
    try {
      real = fs.realpathSync(full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
      throw new InvalidRequestError(`is a link to nothing (${fs.readlinkSync(full)})`, rel);
    }
    if (real !== this.root && !real.startsWith(this.root + path.sep)) {
      throw new InvalidRequestError(`is a link pointing outside the package (to ${real})`, rel);
    }
    return real;
  }
}

/** `data` with each CR LF as LF (a lone CR kept). */
export function unixLineEnds(data: Buffer): Buffer {
  return data.includes('\r\n') ? Buffer.from(data.toString('latin1').replaceAll('\r\n', '\n'), 'latin1') : data;
}
