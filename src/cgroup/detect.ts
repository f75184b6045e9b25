/**
 * Chooses the cgroup manager once at start-up from the mount table.
 *
 * - `<root>` (default /sys/fs/cgroup) is itself a cgroup2 mount: a pure v2 host → CgroupV2Manager.
 * - memory, pids and cpuacct each have a v1 (`cgroup`) mount: v1 or hybrid host → CgroupV1Manager.
 *   A hybrid host's controller-less cgroup2 at `<root>/unified` does not count as v2.
 * - Neither: HostError saying what is missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors';
import type { CgroupManager } from './manager';
import { CgroupV1Manager, V1_REQUIRED_CONTROLLERS, type V1Controller } from './v1';
import { CgroupV2Manager, errnoOf } from './v2';

export interface MountEntry {
  source: string;
  mountPoint: string;
  fsType: string;
  /** Mount options, split on commas (for v1 cgroups they include the controller names). */
  options: string[];
}

export interface DetectOptions {
  /** Where the cgroup hierarchy is expected. Default `/sys/fs/cgroup`. */
  root?: string;
  /** Kind to use when both are usable. Default `v2`. When only one is usable it is used. */
  prefer?: 'v1' | 'v2';
  /** Mount table to read, in /proc/mounts format. Default `/proc/self/mounts` (tests pass a fixture). */
  mountsPath?: string;
  /** Directory under the hierarchy (or each v1 controller mount) that holds the leaves. Default `caged`. */
  parent?: string;
}

/** Parses /proc/mounts text; `\040`-style octal escapes in paths are decoded. */
export function parseMounts(text: string): MountEntry[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, mountPoint, fsType, options] = line.trim().split(/\s+/);
    if (source === undefined || mountPoint === undefined || fsType === undefined) continue;
    entries.push({ source: unescape(source), mountPoint: unescape(mountPoint), fsType, options: (options ?? '').split(',') });
  }
  return entries;
}

/** Mount point of each v1 controller found in `mounts` (first mount wins). */
export function v1ControllerMounts(mounts: readonly MountEntry[]): Partial<Record<V1Controller, string>> {
  const found: Partial<Record<V1Controller, string>> = {};
  const controllers: readonly V1Controller[] = ['memory', 'pids', 'cpuacct', 'cpu'];
  for (const m of mounts) {
    if (m.fsType !== 'cgroup') continue;
    for (const c of controllers) if (m.options.includes(c) && found[c] === undefined) found[c] = m.mountPoint;
  }
  return found;
}

export function detectCgroupManager(opts: DetectOptions = {}): CgroupManager {
  const root = path.resolve(opts.root ?? '/sys/fs/cgroup');
  const mountsPath = opts.mountsPath ?? '/proc/self/mounts';
  let text: string;
  try {
    text = fs.readFileSync(mountsPath, 'utf8');
  } catch (err) {
    throw new HostError(`cgroup: read ${mountsPath}: ${errnoOf(err)}`, { cause: err });
  }
  const mounts = parseMounts(text);
  // The last mount on a path hides the earlier ones.
  const atRoot = mounts.filter((m) => path.resolve(m.mountPoint) === root).pop();
  const v2 = atRoot?.fsType === 'cgroup2';
  const v1Mounts = v1ControllerMounts(mounts);
  const v1Missing = V1_REQUIRED_CONTROLLERS.filter((c) => v1Mounts[c] === undefined);
  const v1 = v1Missing.length === 0;
  if (!v2 && !v1) {
    const rootIs = atRoot === undefined ? 'nothing mounted there' : `${atRoot.fsType} mounted there`;
    throw new HostError(
      `cgroup: no usable cgroups in ${mountsPath}: no cgroup2 at ${root} (${rootIs}) ` +
        `and no cgroup v1 mount for ${v1Missing.join(', ')}`,
    );
  }
  const kind = v2 && v1 ? (opts.prefer ?? 'v2') : v2 ? 'v2' : 'v1';
  return kind === 'v2'
    ? new CgroupV2Manager({ root, parent: opts.parent })
    : new CgroupV1Manager({ mounts: v1Mounts, parent: opts.parent });
}
