/**
 * A fixture host for the doctor: a directory under test/fixtures/hosts/ holding the host's
 * /proc, /sys and /etc files, and `host.json` with what a checkout cannot hold: who the worker
 * is, which files that user owns or which are setuid (git keeps neither owners nor setuid
 * bits; every other file is root's), and the answers of the live probes (user namespace,
 * overlay mount, Redis PING) as that host gives them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DoctorOptions } from '../../src/doctor/doctor';
import {
  directoryHostView,
  type FileCaps,
  type FileInfo,
  type HostView,
  type Identity,
  type ProbeOutcome,
} from '../../src/doctor/host-view';

interface HostJson {
  description: string;
  identity: Identity;
  /** Per file: `owner: "user"` (the identity's), or an explicit uid; `mode` in octal. */
  files?: Record<string, { owner?: 'user'; uid?: number; mode?: string }>;
  /** Complete device slots by pool directory (a checkout holds no device nodes). */
  deviceSlots?: Record<string, number>;
  /** Directories on a tmpfs (a rootless user's jobs tmpfs). */
  tmpfs?: string[];
  /** File capabilities (security.capability) by file. */
  caps?: Record<string, FileCaps>;
  probes: { userNamespace: ProbeOutcome; overlay: ProbeOutcome; redis: ProbeOutcome };
}

export const HOSTS_DIR = path.join(__dirname, '..', 'fixtures', 'hosts');

export interface FixtureHost {
  view: HostView;
  description: string;
  /** What the probes asked: overlay in a user namespace or not, Redis URLs. */
  asked: { overlay: boolean[]; redis: string[] };
}

export function fixtureHost(name: string, probes: Partial<HostJson['probes']> = {}): FixtureHost {
  const root = path.join(HOSTS_DIR, name);
  const json = JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8')) as HostJson;
  const live = { ...json.probes, ...probes };
  const asked: FixtureHost['asked'] = { overlay: [], redis: [] };
  const { identity } = json;
  const fileInfo = (file: string): Partial<FileInfo> => {
    const entry = json.files?.[file];
    const owner = entry?.owner === 'user' ? { uid: identity.uid, gid: identity.gid } : { uid: entry?.uid ?? 0, gid: 0 };
    return entry?.mode === undefined ? owner : { ...owner, mode: parseInt(entry.mode, 8) };
  };
  const view = directoryHostView({
    root,
    identity,
    fileInfo,
    fileCaps: (file) => json.caps?.[file] ?? null,
    deviceSlots: (pool) => json.deviceSlots?.[pool] ?? 0,
    onTmpfs: (dir) => json.tmpfs?.includes(dir) ?? false,
    live: {
      userNamespace: () => live.userNamespace,
      overlay: (inUserNamespace) => {
        asked.overlay.push(inUserNamespace);
        return live.overlay;
      },
      redis: (url) => {
        asked.redis.push(url);
        return Promise.resolve(live.redis);
      },
    },
  });
  return { view, description: json.description, asked };
}

/** The options `caged doctor` would take from an empty environment on that host. */
export function fixtureOptions(host: HostView, patch: Partial<DoctorOptions> = {}): DoctorOptions {
  const home = host.identity.uid === 0 ? '/var/lib/caged' : `/home/${host.identity.userName}/.local/share/caged`;
  return {
    rootless: 'auto',
    singleUid: false,
    rootfs: 'auto',
    manifestPath: '/var/cache/caged/images/debian/manifest.json',
    imageCacheDir: `${home}/images`,
    devicePool: null,
    jobsDir: null,
    stateDir: home,
    redisUrl: 'redis://127.0.0.1:6379',
    redisTimeoutMs: 2000,
    nodePath: '/usr/bin/node',
    // The defaults of CAGED_DISK_MB_PER_S and CAGED_DISK_IOPS, not set.
    disk: { bytesPerSecond: 256 * 2 ** 20, iops: 4000, asked: false },
    ...patch,
  };
}
