/**
 * A problem package as the commands take it: its directory, or a ZIP archive of it (`.zip`, or
 * `.kpp` as the format names one: "a ZIP compressed archive of such a directory with identical
 * base name"). An archive is extracted into a fresh temporary directory named as the archive
 * (the package's default name), within the package size cap (fs/zip-archive.ts); the package is at
 * the archive's root (DOMjudge's exports) or in its one top-level directory (an archived
 * directory). `close()` removes what was extracted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { DEFAULT_MAX_PACKAGE_BYTES } from './package-files';
import { extractZip } from '../fs/zip-archive';

export interface PackagePath {
  /** The package's directory. */
  dir: string;
  /** Removes the extracted copy of an archive; nothing for a directory. Idempotent. */
  close(): void;
}

const ARCHIVE = /\.(zip|kpp)$/i;
/** Entries an archive may hold. */
const MAX_ENTRIES = 200_000;

export function isPackageArchive(p: string): boolean {
  return ARCHIVE.test(p) && fs.statSync(p, { throwIfNoEntry: false })?.isFile() === true;
}

/** Whether `dir` is a package's root: it has problem.yaml, a Polygon package's problem.xml or a DMOJ problem's init.yml. */
export function isPackageRoot(dir: string): boolean {
  return ['problem.yaml', 'problem.xml', 'init.yml'].some(
    (f) => fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.isFile() === true,
  );
}

export function openPackagePath(p: string, maxBytes = DEFAULT_MAX_PACKAGE_BYTES): PackagePath {
  if (!isPackageArchive(p)) return { dir: p, close: () => undefined };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-package-'));
  const close = () => fs.rmSync(tmp, { recursive: true, force: true });
  try {
    const root = path.join(tmp, path.basename(p).replace(ARCHIVE, ''));
    try {
      extractZip(p, root, { maxBytes, maxEntries: MAX_ENTRIES });
    } catch (err) {
      if (err instanceof InvalidRequestError) throw new InvalidRequestError(`${p} ${err.message}`, 'PROBLEM_DIR');
      throw err;
    }
    if (isPackageRoot(root)) return { dir: root, close };
    const top = fs.readdirSync(root, { withFileTypes: true });
    const only = top[0];
    if (top.length === 1 && only?.isDirectory() && isPackageRoot(path.join(root, only.name)))
      return { dir: path.join(root, only.name), close };
    throw new InvalidRequestError(
      `${p} holds no problem.yaml (nor a Polygon problem.xml, nor a DMOJ init.yml) at its root, nor in its one top-level directory`,
      'PROBLEM_DIR',
    );
  } catch (err) {
    close();
    throw err;
  }
}
