/**
 * Problem packages from a directory shared by every worker (a mounted volume), the other source
 * beside Redis: a package is the packed archive `caged problem push` would store (package-store.ts),
 * saved as `<dir>/<hex>.tar`, hex the 64 digits of its digest (`caged problem pack DIR OUTDIR`
 * writes it). A packed file rather than an unpacked tree, because its digest is checked in one
 * read (an unpacked tree would be packed again and could change between the check and its use),
 * and because it then takes the same path as a Redis package: verified against the digest it is
 * named by, size-capped, unpacked into the worker's own cache with the image store's
 * hostile-tarball rules. Nothing in the shared directory is written or followed through a link.
 *
 *   absent file                      → null: the caller asks Redis;
 *   a link, a directory, a FIFO, …   → refused (InvalidRequestError naming the file);
 *   larger than `maxBytes`           → refused;
 *   bytes that do not hash to digest → refused;
 *   an I/O error                     → HostError (retryable: the volume may come back).
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { HostError, InvalidRequestError } from '../errors';
import { DIGEST_PATTERN, digestOf, packProblem, type PackOptions } from './package-store';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** The file name of a package in a shared directory. */
export function packageFileName(digest: string): string {
  return `${digest.slice('sha256:'.length)}.tar`;
}

/**
 * The archive of package `digest` from directory `dir`, verified; null when the directory has
 * no such file.
 */
export async function readProblemFromDir(dir: string, digest: string, maxBytes: number): Promise<Buffer | null> {
  if (!DIGEST_PATTERN.test(digest)) throw new InvalidRequestError('must be "sha256:" and 64 lowercase hex digits', 'problem.digest');
  const file = path.join(dir, packageFileName(digest));
  const io = (what: string, err: unknown): HostError =>
    new HostError(`reading problem package ${file}: ${what}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new InvalidRequestError(`${file} is a symbolic link (refused: links are not followed)`, 'problem.digest');
    throw io('open', err);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new InvalidRequestError(`${file} is not a regular file (refused)`, 'problem.digest');
    if (st.size > maxBytes)
      throw new InvalidRequestError(`problem package ${file} is ${st.size} bytes, more than the ${maxBytes} allowed`, 'problem.digest');
    const buf = Buffer.alloc(st.size);
    let off = 0;
    try {
      while (off < buf.length) {
        const { bytesRead } = await handle.read(buf, off, buf.length - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
    } catch (err) {
      throw io('read', err);
    }
    const tar = buf.subarray(0, off);
    if (off !== st.size || digestOf(tar) !== digest)
      throw new InvalidRequestError(`problem package ${file}: its bytes do not match the digest it is named by`, 'problem.digest');
    return tar;
  } finally {
    await handle.close();
  }
}

/** Packs the package at `packageDir` into `<outDir>/<hex>.tar` (written to a temporary name, then renamed); returns its reference. */
export async function packToDir(
  packageDir: string,
  outDir: string,
  maxBytes?: number,
  opts: PackOptions = {},
): Promise<{ id: string; digest: string; bytes: number; file: string }> {
  const packed = packProblem(packageDir, maxBytes, opts);
  // The workers' shared directory: made when it is not there yet, refused when it is no directory.
  await fs.mkdir(outDir, { recursive: true, mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EEXIST' || err.code === 'ENOTDIR' ? new InvalidRequestError(`is not a directory: ${outDir}`, 'OUTDIR') : err;
  });
  const file = path.join(outDir, packageFileName(packed.digest));
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, packed.tar, { flag: 'wx', mode: 0o644 });
  await fs.rename(tmp, file);
  return { id: packed.id, digest: packed.digest, bytes: packed.tar.length, file };
}
