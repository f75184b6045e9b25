/**
 * What `caged doctor` looks at, behind one seam: the files of /proc, /sys and /etc read under a
 * root directory (`/` on the real host, a fixture directory in tests), who the worker runs as,
 * and the live probes that must really happen (a user namespace, an overlay mount in one, a
 * Redis PING). The probes (src/doctor/*.ts) read the host only through this view, so that the
 * unit tier runs them on fixture hosts and `caged doctor` on the real one.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Owner and permission bits of a file, as stat(2) gives them. */
export interface FileInfo {
  uid: number;
  gid: number;
  /** Permission bits including setuid/setgid (`mode & 0o7777`). */
  mode: number;
  isDirectory: boolean;
}

/** The file capabilities (`security.capability`) that matter here. */
export interface FileCaps {
  setuid: boolean;
  setgid: boolean;
}

/** Who the worker runs as. */
export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups: readonly number[];
  /** Login name, or the decimal uid when the user has none. */
  userName: string;
}

/** The answer of a live probe: it worked, it failed (with the kernel's or the tool's words), or it could not be tried. */
export interface ProbeOutcome {
  result: 'ok' | 'failed' | 'unknown';
  /** What was tried, and on failure what was said. */
  detail: string;
}

/** The probes that do something rather than read a file. */
export interface LiveProbes {
  /** Creates a user namespace (mapping the caller to root in it) and leaves. */
  userNamespace(): ProbeOutcome;
  /**
   * Mounts an overlay on temporary directories in a new mount namespace: inside a new user
   * namespace too when `inUserNamespace` (the rootless order), as the caller otherwise.
   */
  overlay(inUserNamespace: boolean): ProbeOutcome;
  /** PINGs Redis at `url` within `timeoutMs`. */
  redis(url: string, timeoutMs: number): Promise<ProbeOutcome>;
}

export interface HostView {
  readonly identity: Identity;
  /** The text of a host file (absolute path), or null when it does not exist or cannot be read. */
  readText(file: string): string | null;
  /** stat(2) of a host file, or null when it does not exist. */
  stat(file: string): FileInfo | null;
  /** Names of the subdirectories of a host directory ([] when missing). */
  listDirs(dir: string): string[];
  /** The file's capabilities, or null when it has none. */
  fileCaps(file: string): FileCaps | null;
  /** Whether the worker may write the host file (the real host asks access(2): modes, ACLs, read-only mounts). */
  writable(file: string): boolean;
  /** Complete device slots (numbered directories of the five device nodes) in a rootless device pool. */
  deviceSlots(pool: string): number;
  /** Whether a host directory is on a tmpfs (the real host asks statfs(2)). */
  onTmpfs(dir: string): boolean;

  /** Where the view reads `file` (for `/etc` readers that take a directory). */
  hostPath(file: string): string;
  readonly live: LiveProbes;
}

export interface DirectoryHostOptions {
  /** The host's `/`. */
  root: string;
  identity: Identity;
  live: LiveProbes;
  /**
   * Owner and mode of a file where the directory cannot hold them (a fixture checked out by git
   * has the checkout's owner and no setuid bits); undefined: the file's own stat.
   */
  fileInfo?: (file: string) => Partial<FileInfo> | undefined;
  fileCaps?: (file: string) => FileCaps | null;
  /** Default: by owner, group and mode (mayWrite). */
  writable?: (file: string) => boolean;
  /** Default: none (a checkout holds no device nodes). */
  deviceSlots?: (pool: string) => number;
  /** Default: none is (a checkout is on the disk). */
  onTmpfs?: (dir: string) => boolean;
}

/** A host whose files are under `root`. The real host is `root: '/'`. */
export function directoryHostView(opts: DirectoryHostOptions): HostView {
  const hostPath = (file: string): string => path.join(opts.root, path.resolve('/', file));
  return {
    identity: opts.identity,
    live: opts.live,
    hostPath,
    readText(file) {
      try {
        return fs.readFileSync(hostPath(file), 'utf8');
      } catch {
        return null;
      }
    },
    stat(file) {
      let st: fs.Stats;
      try {
        st = fs.statSync(hostPath(file));
      } catch {
        return null;
      }
      const own: FileInfo = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, isDirectory: st.isDirectory() };
      return { ...own, ...opts.fileInfo?.(path.resolve('/', file)) };
    },
    listDirs(dir) {
      try {
        return fs
          .readdirSync(hostPath(dir), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name)
          .sort();
      } catch {
        return [];
      }
    },
    fileCaps: (file) => opts.fileCaps?.(path.resolve('/', file)) ?? null,
    deviceSlots: (pool) => opts.deviceSlots?.(path.resolve('/', pool)) ?? 0,
    onTmpfs: (dir) => opts.onTmpfs?.(path.resolve('/', dir)) ?? false,
    writable(file) {
      if (opts.writable) return opts.writable(path.resolve('/', file));
      const st = this.stat(file);
      return st !== null && mayWrite(st, opts.identity);
    },
  };
}

/** Whether `who` may write `file` by its owner, group and mode (root: always; CAP_DAC_OVERRIDE is root's here). */
export function mayWrite(info: FileInfo, who: Identity): boolean {
  if (who.uid === 0) return true;
  if (info.uid === who.uid) return (info.mode & 0o200) !== 0;
  if (info.gid === who.gid || who.groups.includes(info.gid)) return (info.mode & 0o020) !== 0;
  return (info.mode & 0o002) !== 0;
}

/** Directories searched for helper programs (newuidmap, unshare), in the usual PATH order. */
export const PROGRAM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The first `<dir>/<name>` that exists in PROGRAM_DIRS, or null. */
export function findProgram(host: HostView, name: string): string | null {
  for (const dir of PROGRAM_DIRS) {
    const file = path.posix.join(dir, name);
    const st = host.stat(file);
    if (st && !st.isDirectory) return file;
  }
  return null;
}

/** The value of a `Key:\tvalue` line of a /proc status file, or null. */
export function statusField(text: string | null, key: string): string | null {
  if (text === null) return null;
  const line = text.split('\n').find((l) => l.startsWith(`${key}:`));
  return line === undefined ? null : line.slice(key.length + 1).trim();
}

/** A sysctl's value from /proc/sys (`kernel.unprivileged_userns_clone`), or null when the kernel has none. */
export function sysctl(host: HostView, name: string): string | null {
  const text = host.readText(`/proc/sys/${name.replace(/\./g, '/')}`);
  return text === null ? null : text.trim();
}
