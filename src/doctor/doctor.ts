/**
 * `caged doctor`: every capability the sandbox rests on, probed on a HostView, and the mode the
 * worker would run in.
 *
 * Modes. Who the worker is decides between root mode and the rootless modes:
 * - `root`: root with a container runtime's capabilities; boxes get host uids of their own.
 * - `rootless`: an ordinary user; each box's uid 256 maps to one of the user's subordinate ids
 *   (newuidmap/newgidmap).
 * - `rootless-single-uid`: an ordinary user without subordinate ids, only when the operator
 *   accepted it (CAGED_ROOTLESS_SINGLE_UID=yes): the program runs as the worker's own uid.
 * Limits come from a cgroup the worker may write (`cgroup-v1`, `cgroup-v2`): without one the
 * worker refuses to start, unless a rootless worker was told to run on rlimits only
 * (CAGED_RLIMITS_ONLY=yes: `rlimits`, weaker, docs/rootless.md#rlimits-only), as it does without
 * whatever else is missing (user namespaces, seccomp, the image, Redis): `runnable` false, and
 * each blocking finding carries its fix.
 */
import { RLIMITS_ONLY_OPT_IN } from '../cgroup/rlimits';
import { finding, type Finding } from './finding';
import type { HostView } from './host-view';
import { cgroupProbe } from './cgroups';
import { cpusFinding } from './cpus';
import { diskFinding, type DiskOptions } from './disk';
import { jobsFinding } from './jobs';
import { devicesFinding, idmapFinding, subidsFinding } from './ids';
import { imageFinding } from './image';
import { identityFinding, overlayFinding, seccompFinding, usernsFinding } from './kernel';

export type WorkerMode = 'root' | 'rootless' | 'rootless-single-uid';
export type LimitsMode = 'cgroup-v1' | 'cgroup-v2' | 'rlimits';

export interface DoctorOptions {
  /** CAGED_ROOTLESS: auto = rootless when not root. */
  rootless: 'auto' | 'yes' | 'no';
  /** CAGED_ROOTLESS_SINGLE_UID accepted. */
  singleUid: boolean;
  /** CAGED_RLIMITS_ONLY accepted (rootless, only when no cgroup is writable); default false. */
  rlimitsOnly?: boolean;
  /** CAGED_CPUS, parsed; empty: no pinning. */
  cpus?: readonly number[];
  /** CAGED_DISK_MB_PER_S (in bytes) and CAGED_DISK_IOPS, and whether either was set; absent: off. */
  disk?: DiskOptions;
  /** CAGED_ROOTFS. */
  rootfs: 'auto' | 'overlay' | 'extract';
  /** CAGED_IMAGE. */
  manifestPath: string;
  /** The image store's cache directory. */
  imageCacheDir: string;
  /** CAGED_DEVICE_POOL; null: the default, /var/lib/caged/devices/<user>. */
  devicePool: string | null;
  /** CAGED_JOBS_DIR; null: the default (src/linux/state-dirs.ts jobsDir). */
  jobsDir: string | null;
  /** The state directory, resolved (where the default jobs directory is). */
  stateDir: string;
  /** Redis to PING, or null to skip (the worker at start connects by itself). */
  redisUrl: string | null;
  redisTimeoutMs: number;
  /** The worker's executable (named in the AppArmor fix). */
  nodePath: string;
}

export interface DoctorReport {
  user: { uid: number; name: string };
  /** The mode the worker runs in, or null when it cannot run. */
  mode: WorkerMode | null;
  limits: LimitsMode | null;
  runnable: boolean;
  /** One sentence: the mode and what it rests on, or why the worker cannot run. */
  summary: string;
  findings: Finding[];
}

export async function diagnose(host: HostView, opts: DoctorOptions): Promise<DoctorReport> {
  const { uid, userName } = host.identity;
  const rootless = opts.rootless === 'yes' || (opts.rootless === 'auto' && uid !== 0);
  const identity = opts.rootless === 'no' && uid !== 0 ? refusedRootMode(host) : identityFinding(host);
  const userns = host.live.userNamespace();
  const overlayLive = opts.rootfs === 'extract' ? { result: 'unknown' as const, detail: 'not tried' } : host.live.overlay(rootless);
  const cgroups = cgroupProbe(host, rootless);
  const findings: Finding[] = [
    rootless && uid === 0
      ? finding('identity', 'worker identity', 'ok', 'runs as root with CAGED_ROOTLESS=yes: the rootless mode applies')
      : identity,
    usernsFinding(host, { live: userns, overlayInUserns: rootless ? overlayLive : undefined, nodePath: opts.nodePath, rootless }),
    overlayFinding(host, overlayLive, opts.rootfs, rootless),
    cgroups.finding,
    cpusFinding(host, opts.cpus ?? [], cgroups.usable),
    diskFinding(opts.disk, cgroups.usable),
    seccompFinding(host),
    subidsFinding(host, rootless),
    idmapFinding(host, rootless),
    devicesFinding(host, rootless, opts.devicePool),
    jobsFinding(host, rootless, opts),
    imageFinding(host, { manifestPath: opts.manifestPath, cacheDir: opts.imageCacheDir }),
    opts.redisUrl === null
      ? finding('redis', 'Redis', 'skipped', 'not checked here (the worker connects by itself and retries)')
      : await redisFinding(host, opts.redisUrl, opts.redisTimeoutMs),
  ];
  const byKey = (key: Finding['key']): Finding => findings.find((f) => f.key === key) as Finding;
  const block = (...keys: Array<Finding['key']>): void => {
    for (const k of keys) {
      const f = byKey(k);
      if (f.status === 'missing') f.blocking = true;
    }
  };
  block('identity', 'userns', 'cpus', 'disk', 'seccomp', 'devices', 'image', 'redis');
  if (opts.rootfs === 'overlay') block('overlay');

  let mode: WorkerMode = rootless ? 'rootless' : 'root';
  if (rootless && (byKey('subids').status === 'missing' || byKey('idmap').status === 'missing')) {
    if (opts.singleUid) {
      mode = 'rootless-single-uid';
      for (const f of [byKey('subids'), byKey('idmap')]) if (f.status === 'missing') f.status = 'warn';
    } else {
      block('subids', 'idmap');
      for (const f of [byKey('subids'), byKey('idmap')])
        if (f.blocking) f.fix = `${f.fix ?? ''} (or accept CAGED_ROOTLESS_SINGLE_UID=yes: weaker isolation)`.trim();
    }
  }
  let limits: LimitsMode = cgroups.usable?.version === 1 ? 'cgroup-v1' : 'cgroup-v2';
  const cgroup = byKey('cgroup');
  if (rootless && cgroups.usable === null && cgroup.status === 'missing') {
    // As src/cgroup/detect.ts decides: rlimits only when accepted and no cgroup is writable.
    if (opts.rlimitsOnly) {
      limits = 'rlimits';
      cgroup.status = 'warn';
      cgroup.detail = `${cgroup.detail}; ${RLIMITS_ONLY_OPT_IN}: limits by rlimits only (per process, weaker)`;
    } else {
      cgroup.fix = `${cgroup.fix ?? ''} (or accept ${RLIMITS_ONLY_OPT_IN}: per-process limits only)`.trim();
    }
  }
  block('cgroup');
  const blockers = findings.filter((f) => f.blocking);
  const runnable = blockers.length === 0;
  return {
    user: { uid, name: userName },
    mode: runnable ? mode : null,
    limits: runnable ? limits : null,
    runnable,
    summary: runnable
      ? `the worker can run: ${describeMode(mode)}, ${describeLimits(limits, cgroups.usable?.where)}`
      : `the worker cannot run: ${blockers.map((f) => f.title).join(', ')} missing`,
    findings,
  };
}

function refusedRootMode(host: HostView): Finding {
  return finding(
    'identity',
    'worker identity',
    'missing',
    `runs as ${host.identity.userName} (uid ${host.identity.uid}) but CAGED_ROOTLESS=no asks for root mode`,
    'CAGED_ROOTLESS=auto (or run the worker as root)',
  );
}

async function redisFinding(host: HostView, url: string, timeoutMs: number): Promise<Finding> {
  const outcome = await host.live.redis(url, timeoutMs);
  // The report is printed and logged: a password in the URL never is.
  const shown = withoutPassword(url);
  if (outcome.result === 'ok') return finding('redis', 'Redis', 'ok', `answers at ${shown}`);
  const local = /^redis:\/\/(127\.0\.0\.1|localhost)(:6379)?\/?$/.test(url);
  return finding(
    'redis',
    'Redis',
    'missing',
    `no answer within ${timeoutMs} ms at ${shown}: the worker would take no job (${outcome.detail.split(url).join(shown)})`,
    local ? 'sudo bash scripts/setup-host.sh' : 'CAGED_REDIS_URL=redis://HOST:PORT (the Redis your backends use)',
  );
}

/** The URL with its password (if any) replaced by `***`. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function describeMode(mode: WorkerMode): string {
  switch (mode) {
    case 'root':
      return 'root mode (each box gets a host uid of its own)';
    case 'rootless':
      return "rootless mode (each box's uid 256 maps to a subordinate id of its own)";
    case 'rootless-single-uid':
      return "rootless single-uid mode (every box's program runs as the worker's own uid: weaker isolation)";
  }
}

function describeLimits(limits: LimitsMode, where: string | undefined): string {
  if (limits === 'rlimits')
    return 'limits by rlimits only (no writable cgroup: memory by RLIMIT_AS, CPU by RLIMIT_CPU, processes by RLIMIT_NPROC, each per process)';
  return `limits by ${limits === 'cgroup-v1' ? 'cgroup v1' : 'cgroup v2'} (${where ?? ''})`;
}
