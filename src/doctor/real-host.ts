/**
 * The real host behind the doctor's HostView: files read from `/`, the process's own identity,
 * file capabilities through getxattr(2), and live probes that really happen — util-linux
 * `unshare` creating a user namespace and mounting an overlay in a fresh mount namespace (a
 * child process: Node.js itself is multi-threaded, and unshare(CLONE_NEWUSER) refuses a
 * multi-threaded caller), and a Redis PING with a short timeout. Each mount dies with its
 * namespace; the temporary directories are removed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import koffi from 'koffi';
import { checkRedisReachable } from '../queue/connection';
import { onTmpfs } from '../linux/state-dirs';
import { devicePoolSlots } from '../sandbox/rootless';
import { directoryHostView, type FileCaps, type HostView, type Identity, type LiveProbes, type ProbeOutcome } from './host-view';

/** How long a live probe's child may take, in milliseconds. */
const PROBE_TIMEOUT_MS = 5000;

export function currentIdentity(): Identity {
  const uid = process.getuid?.() ?? -1;
  let userName = String(uid);
  try {
    userName = os.userInfo().username;
  } catch {
    // A uid without a passwd entry (containers): the decimal uid names it in subuid(5) too.
  }
  return { uid, gid: process.getgid?.() ?? -1, groups: process.getgroups?.() ?? [], userName };
}

export function realHostView(): HostView {
  return directoryHostView({
    root: '/',
    identity: currentIdentity(),
    live: realLiveProbes(),
    fileCaps: readFileCaps,
    writable: canWrite,
    deviceSlots: devicePoolSlots,
    onTmpfs,
  });
}

export function realLiveProbes(): LiveProbes {
  return {
    userNamespace: () => runProbe(['unshare', '--user', '--map-root-user', 'true'], 'unshare --user --map-root-user true'),
    overlay: (inUserNamespace) => overlayProbe(inUserNamespace),
    redis: async (url, timeoutMs) => {
      try {
        await checkRedisReachable(url, timeoutMs);
        return { result: 'ok', detail: `PING ${url}: PONG` };
      } catch (err) {
        return { result: 'failed', detail: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}

function overlayProbe(inUserNamespace: boolean): ProbeOutcome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-doctor-'));
  try {
    for (const d of ['lower', 'upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, d));
    fs.writeFileSync(path.join(dir, 'lower', 'probe'), 'caged\n');
    const p = (d: string): string => path.join(dir, d);
    const ns = inUserNamespace ? ['--user', '--map-root-user', '--mount'] : ['--mount'];
    const options = `lowerdir=${p('lower')},upperdir=${p('upper')},workdir=${p('work')}`;
    // Mounted, then a file of the lower layer read through it: the overlay really works.
    const script = `mount -t overlay overlay -o "$1" "$2" && cat "$2/probe" >/dev/null`;
    return runProbe(
      ['unshare', ...ns, '--', 'sh', '-c', script, 'probe', options, p('merged')],
      `unshare ${ns.join(' ')} mount -t overlay (on temporary directories)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function runProbe(argv: readonly [string, ...string[]], what: string): ProbeOutcome {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { result: 'unknown', detail: `${argv[0]} not found (util-linux): cannot try ${what}` };
    return { result: 'unknown', detail: `${what}: ${code ?? r.error.message}` };
  }
  if (r.status === 0) return { result: 'ok', detail: what };
  const said = r.stderr.trim().split('\n').slice(-2).join(' / ') || (r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`);
  return { result: 'failed', detail: `${what}: ${said}` };
}

function canWrite(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const CAP_SETGID = 6;
const CAP_SETUID = 7;
/** Bytes of the largest vfs_cap_data (VFS_CAP_REVISION_3). */
const VFS_CAP_SIZE = 24;

let getxattr: ((file: string, name: string, value: Buffer, size: number) => number) | undefined;

/** CAP_SETUID/CAP_SETGID in the permitted set of `security.capability`, or null without one. */
function readFileCaps(file: string): FileCaps | null {
  getxattr ??= koffi.load('libc.so.6').func('long getxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)') as (
    file: string,
    name: string,
    value: Buffer,
    size: number,
  ) => number;
  const buf = Buffer.alloc(VFS_CAP_SIZE);
  const n = getxattr(file, 'security.capability', buf, buf.length);
  // Layout (linux/capability.h): magic_etc, then permitted and inheritable of the low 32 capabilities.
  if (n < 12) return null;
  const permitted = buf.readUInt32LE(4);
  return { setuid: (permitted & (1 << CAP_SETUID)) !== 0, setgid: (permitted & (1 << CAP_SETGID)) !== 0 };
}
