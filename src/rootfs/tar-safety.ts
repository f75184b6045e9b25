/**
 * The rules an image tarball must follow before anything in it is written to disk. An image is a
 * root filesystem that the worker unpacks as root, so a hostile or broken tarball must not be able
 * to write outside the target, create device nodes, or reach host files through links.
 *
 * The vetter sees the entries in archive order and refuses (it never repairs):
 * - absolute paths and `..` components (`/etc/x`, `../x`, `a/../../x`);
 * - every type but regular files, directories, symlinks and hard links: device nodes, FIFOs,
 *   sparse files and the rest (the launcher mounts its own /dev; images need none);
 * - an entry below a symlink or below a file (`link -> /tmp/out` then `link/pwned`): nothing is
 *   ever written through a link;
 * - an entry that replaces an earlier one (same path twice, except a directory restated), or
 *   that turns a directory into something else: the tree is exactly what the list says;
 * - hard links whose target is not an earlier regular file of the same archive.
 * Symlinks themselves may point anywhere, absolute or relative: they are resolved inside the
 * container, and the unpacker creates them last, so none exists while other entries are written.
 */

export type VettedKind = 'file' | 'directory' | 'symlink' | 'hardlink';

/** What the vetter needs of a tar entry (node-tar's ReadEntry has these fields). */
export interface RawEntry {
  path: string;
  type: string;
  linkpath?: string;
}

export type Verdict = { ok: true; kind: VettedKind; path: string; linkpath?: string } | { ok: false; reason: string };

const KINDS: Readonly<Record<string, VettedKind>> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

/** Longest symlink target Linux accepts (PATH_MAX - 1). */
const MAX_LINK_TARGET = 4095;

/**
 * The archive path in canonical form (`./usr//bin/` → `usr/bin`, `.` → ``), or the reason it is
 * refused. The empty string is the root of the image.
 */
export function normalizeArchivePath(raw: string): { ok: true; path: string } | { ok: false; reason: string } {
  if (raw.includes('\0')) return { ok: false, reason: 'the path contains a NUL byte' };
  if (raw.startsWith('/')) return { ok: false, reason: 'absolute path' };
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, reason: 'the path has a ".." component' };
  return { ok: true, path: parts.join('/') };
}

function parentsOf(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/** Checks entries in archive order; one vetter per archive. */
export class TarVetter {
  /** Every explicit entry so far, by canonical path. */
  private readonly kinds = new Map<string, VettedKind>();
  /** Directories that exist because an entry lies below them (explicit or not). */
  private readonly impliedDirs = new Set<string>(['']);

  check(entry: RawEntry): Verdict {
    const kind = KINDS[entry.type];
    if (kind === undefined) {
      return { ok: false, reason: `entry type ${entry.type} is not allowed (only files, directories, symlinks and hard links)` };
    }
    const norm = normalizeArchivePath(entry.path);
    if (!norm.ok) return norm;
    const path = norm.path;
    if (path === '' && kind !== 'directory') return { ok: false, reason: 'the image root must be a directory' };

    for (const parent of parentsOf(path)) {
      const above = this.kinds.get(parent);
      if (above !== undefined && above !== 'directory') {
        return { ok: false, reason: `it lies below the ${above === 'symlink' ? 'symlink' : 'file'} "${parent}"` };
      }
    }
    const previous = this.kinds.get(path);
    if (previous !== undefined && !(previous === 'directory' && kind === 'directory')) {
      return { ok: false, reason: `it replaces an earlier entry (${previous}) of the same path` };
    }
    if (kind !== 'directory' && this.impliedDirs.has(path)) {
      return { ok: false, reason: 'it replaces a directory that earlier entries lie in' };
    }

    let linkpath: string | undefined;
    if (kind === 'hardlink') {
      const target = normalizeArchivePath(entry.linkpath ?? '');
      if (!target.ok) return { ok: false, reason: `hard link target: ${target.reason}` };
      const targetKind = this.kinds.get(target.path);
      if (targetKind !== 'file' && targetKind !== 'hardlink') {
        return { ok: false, reason: `hard link target "${target.path}" is not an earlier regular file of the archive` };
      }
      linkpath = target.path;
    } else if (kind === 'symlink') {
      linkpath = entry.linkpath ?? '';
      if (linkpath === '' || linkpath.length > MAX_LINK_TARGET || linkpath.includes('\0')) {
        return { ok: false, reason: 'symlink target is empty, too long or contains NUL' };
      }
    }

    this.kinds.set(path, kind);
    for (const parent of parentsOf(path)) this.impliedDirs.add(parent);
    return linkpath === undefined ? { ok: true, kind, path } : { ok: true, kind, path, linkpath };
  }
}
