/**
 * Rootless mode: what a worker running as an ordinary user, with no capabilities, needs beyond
 * root mode's sandbox, decided once at start-up (docs/security.md, "Rootless mode"):
 *
 *   - the worker's user namespace (src/linux/user-namespace.ts), in which every box is made;
 *   - box ids from the worker's subordinate ids (/etc/subuid, /etc/subgid): index i of the
 *     leases is id 1 + i of that namespace, a host uid that is neither 0 nor the worker's;
 *     without any, a refusal naming the fix, unless single-uid mode was asked for;
 *   - device slots: a box's /dev nodes are bound from `<devicePool>/<slot>/` (made by root once,
 *     scripts/setup-host.sh --user), one slot per living container;
 *   - job directories are plain directories (no tmpfs can be mounted on the host), removed from
 *     inside the worker's namespace where the boxes' files (owned by subordinate ids) can be.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors';
import { removeTree } from '../fs/tree-walk';
import { grantCommand, readOwnerSubIds, currentOwner, type SubIdOwner } from '../linux/subids';
import { createWorkerUserNamespace, type WorkerUserNamespace } from '../linux/user-namespace';
import { HostIdLeases } from './host-ids';
import { DEVICE_NAMES } from './mount-plan';
import type { NativeApi } from './native';
import type { RunPlan } from './types';

/** How the sandbox runs: as root, or as an ordinary user with subordinate ids, or with the worker's uid only. */
export type PrivilegeMode = 'root' | 'rootless' | 'rootless-single-uid';

export interface RootlessOptions {
  /** Allow single-uid mode when the user has no subordinate ids (CAGED_ROOTLESS_SINGLE_UID=yes). */
  singleUid?: boolean;
  /** Where this user's device slots are; default /var/lib/caged/devices/<user>. */
  devicePool?: string;
  /** /etc, for subuid/subgid (tests). */
  etcDir?: string;
  owner?: SubIdOwner;
}

/** Everything rootless the sandbox holds; `close()` releases the namespace. */
export interface Rootless {
  mode: Exclude<PrivilegeMode, 'root'>;
  userns: WorkerUserNamespace;
  /** Leases of box ids (index i: id 1 + i of the namespace; single-uid: 0). */
  ids: HostIdLeases;
  /** Leases of device slots (index i: `<devicePool>/<i>`). */
  deviceSlots: HostIdLeases;
  devicePool: string;
  /** Removes a tree whose files boxes may own (job directories). */
  removeTree(dir: string): void;
  /**
   * Gives the trees a run could write (its writable /box and binds) back to the worker, once
   * every process of the box is gone: the judge then reads and removes them as in root mode.
   * A child process does it (nsenter + chown -R), not the event loop, which other runs share.
   */
  giveBack(dirs: readonly string[]): Promise<void>;
  close(): void;
}

/** The fix for a missing piece, printed in refusals. */
export function setupHostCommand(user: string): string {
  return `sudo scripts/setup-host.sh --user ${user}`;
}

/** Slots of a device pool: the numbered directories holding every device node. */
export function devicePoolSlots(pool: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(pool);
  } catch {
    return 0;
  }
  const slots = names.filter((n) => /^\d+$/.test(n)).map(Number);
  let n = 0;
  while (slots.includes(n) && DEVICE_NAMES.every((d) => isCharDevice(path.join(pool, String(n), d)))) n++;
  return n;
}

function isCharDevice(p: string): boolean {
  try {
    return fs.statSync(p).isCharacterDevice();
  } catch {
    return false;
  }
}

export async function setUpRootless(native: NativeApi, runtimeDir: string, hostIds: number, opts: RootlessOptions = {}): Promise<Rootless> {
  const owner = opts.owner ?? currentOwner();
  const subIds = readOwnerSubIds(owner, opts.etcDir);
  for (const p of [...subIds.uids.problems, ...subIds.gids.problems]) {
    throw new HostError(`${p.file} line ${p.line}: ${p.reason} (${JSON.stringify(p.text)})`);
  }
  const single = subIds.usable === 0;
  if (single && !opts.singleUid) {
    throw new HostError(
      `rootless: ${owner.name} has no subordinate uids/gids in ${subIds.uids.file} and ${subIds.gids.file}, so boxes cannot get host ids of their own. ` +
        `Fix: ${grantCommand(owner)} (as root, or ${setupHostCommand(owner.name)}); ` +
        'or accept single-uid mode (every program runs as the worker user: see docs/security.md) with CAGED_ROOTLESS_SINGLE_UID=yes',
    );
  }
  const devicePool = opts.devicePool ?? path.join('/var/lib/caged/devices', owner.name);
  const slots = devicePoolSlots(devicePool);
  if (slots === 0) {
    throw new HostError(
      `rootless: no device nodes for ${owner.name}'s boxes in ${devicePool} (a user namespace cannot make them). Fix: ${setupHostCommand(owner.name)}`,
    );
  }
  const userns = await createWorkerUserNamespace({ subIds: single ? null : subIds });
  try {
    const count = single ? hostIds : Math.min(hostIds, userns.boxIds);
    const outer = (i: number): number => (single ? 0 : 1 + i);
    const ids = new HostIdLeases(native, path.join(runtimeDir, 'slots'), 0, count, {
      outer,
      hostUid: (i) => userns.hostUid(outer(i)),
      hostGid: (i) => userns.hostGid(outer(i)),
    });
    const same = { outer: (i: number) => i, hostUid: (i: number) => i, hostGid: (i: number) => i };
    const deviceSlots = new HostIdLeases(native, path.join(runtimeDir, 'device-slots'), 0, slots, same);
    return {
      mode: single ? 'rootless-single-uid' : 'rootless',
      userns,
      ids,
      deviceSlots,
      devicePool,
      removeTree: (dir) => removeAsNamespaceRoot(userns, dir),
      giveBack: async (dirs) => {
        if (!single && dirs.length > 0)
          await asNamespaceRootAsync(userns, ['chown', '-R', '-h', '-P', '0:0', '--', ...dirs], `giving ${dirs.join(', ')} back`);
      },
      close: () => userns.close(),
    };
  } catch (err) {
    userns.close();
    throw err;
  }
}

/**
 * rm -rf as root of the worker's namespace (nsenter, util-linux), which may remove files of
 * every id mapped there: the boxes' own. rm never follows a link the box planted.
 */
function removeAsNamespaceRoot(userns: WorkerUserNamespace, dir: string): void {
  if (!fs.existsSync(dir)) return;
  try {
    removeTree(dir); // what a run left was given back to the worker: this is the usual way
    return;
  } catch {
    // A tree the worker cannot remove (a box's files it was not given back): as namespace root.
  }
  asNamespaceRoot(userns, ['rm', '-rf', '--', dir], `removing ${dir}`);
}

const NAMESPACE_ROOT_TIMEOUT_MS = 60_000;

/** asNamespaceRoot in a child process the event loop does not wait on; rejects with HostError on failure. */
function asNamespaceRootAsync(userns: WorkerUserNamespace, argv: readonly string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['--user=/proc/self/fd/3', '--', ...argv], {
      stdio: ['ignore', 'ignore', 'pipe', userns.fd],
      timeout: NAMESPACE_ROOT_TIMEOUT_MS,
    });
    const stderr: Buffer[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 64) stderr.push(chunk);
    });
    child.on('error', (err) => reject(new HostError(`${what} in the worker's user namespace: ${err.message}`, { cause: err })));
    child.on('close', (status, signal) => {
      if (status === 0) return resolve();
      const why = Buffer.concat(stderr).toString().trim() || (signal ? `killed by ${signal}` : `exit ${status}`);
      reject(new HostError(`${what} in the worker's user namespace: ${why}`));
    });
  });
}

/** Runs `argv` as root of the worker's user namespace (nsenter, util-linux); HostError on failure. */
function asNamespaceRoot(userns: WorkerUserNamespace, argv: readonly string[], what: string): void {
  const r = spawnSync('nsenter', ['--user=/proc/self/fd/3', '--', ...argv], {
    stdio: ['ignore', 'ignore', 'pipe', userns.fd],
    timeout: NAMESPACE_ROOT_TIMEOUT_MS,
  });
  if (r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.toString().trim() || `exit ${r.status}`);
    throw new HostError(`${what} in the worker's user namespace: ${why}`);
  }
}

/** The host directories a run may write: its /box when writable or its kept upper layer, and its writable binds. */
export function writableDirs(plan: RunPlan): string[] {
  const dirs = plan.box?.mode === 'rw' ? [plan.box.hostDir] : plan.box?.upper ? [plan.box.upper.dir] : [];
  for (const b of plan.binds ?? []) if (b.kind === 'dir' && b.writable) dirs.push(b.hostPath);
  return dirs.filter((d) => fs.existsSync(d));
}

/** The mode a sandbox with `privilege` runs in, as this process (euid) can. */
export function resolvePrivilege(privilege: 'auto' | 'root' | 'rootless' = 'auto'): 'root' | 'rootless' {
  const root = process.geteuid?.() === 0;
  if (privilege === 'root' && !root) throw new HostError('root mode needs root: run as root, or rootless (CAGED_ROOTLESS=auto or yes)');
  if (privilege === 'auto') return root ? 'root' : 'rootless';
  return privilege;
}
