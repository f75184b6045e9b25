/**
 * The doctor's kernel probes: who the worker is (root with the capabilities a container runtime
 * needs, or an ordinary user), user namespaces (with the sysctls and the AppArmor rule that
 * block them on some distributions), overlayfs (in a user namespace for rootless), seccomp.
 */
import { finding, type Finding } from './finding';
import { statusField, sysctl, type HostView, type ProbeOutcome } from './host-view';

/** Capabilities root mode uses (docker-compose.yml's worker service grants the same set). */
const ROOT_CAPS: ReadonlyArray<[string, number]> = [
  ['CAP_CHOWN', 0],
  ['CAP_DAC_OVERRIDE', 1],
  ['CAP_FOWNER', 3],
  ['CAP_KILL', 5],
  ['CAP_SETGID', 6],
  ['CAP_SETUID', 7],
  ['CAP_SYS_ADMIN', 21],
  ['CAP_MKNOD', 27],
];

/** The seccomp actions the box's filter uses (src/sandbox/seccomp.ts). */
const SECCOMP_ACTIONS = ['user_notif', 'errno', 'kill_process'];

const SYSCTL_FILE = '/etc/sysctl.d/60-caged-userns.conf';
const sysctlFix = (setting: string): string => `echo ${setting} | sudo tee ${SYSCTL_FILE} && sudo sysctl --system`;

/** Root mode needs root's capabilities; without them (a container's root) it is named here. */
export function identityFinding(host: HostView): Finding {
  const { uid, userName } = host.identity;
  if (uid !== 0) {
    return finding('identity', 'worker identity', 'ok', `runs as ${userName} (uid ${uid}), not root: the rootless mode applies`);
  }
  const capEff = statusField(host.readText('/proc/self/status'), 'CapEff');
  const caps = capEff !== null && /^[0-9a-f]+$/i.test(capEff) ? BigInt(`0x${capEff}`) : null;
  const lacking = caps === null ? [] : ROOT_CAPS.filter(([, bit]) => (caps & (1n << BigInt(bit))) === 0n).map(([name]) => name);
  if (lacking.length === 0) return finding('identity', 'worker identity', 'ok', 'runs as root with the capabilities root mode uses');
  return finding(
    'identity',
    'worker identity',
    'missing',
    `runs as root but without ${lacking.join(', ')} (a container's root?): root mode cannot create containers`,
    "grant the capabilities docker-compose.yml's worker service lists, or run as an ordinary user (docs/deploy-rootless.md)",
  );
}

export interface UsernsInput {
  live: ProbeOutcome;
  /** The overlay probe in a user namespace (rootless only): shows whether the namespace has its capabilities. */
  overlayInUserns?: ProbeOutcome;
  /** The worker's executable, for the AppArmor profile. */
  nodePath: string;
  /** The rootless mode applies (the namespace is created by an unprivileged worker). */
  rootless: boolean;
}

export function usernsFinding(host: HostView, input: UsernsInput): Finding {
  const title = 'user namespaces';
  const rootless = input.rootless;
  const max = sysctl(host, 'user.max_user_namespaces');
  const debian = sysctl(host, 'kernel.unprivileged_userns_clone');
  const apparmor = sysctl(host, 'kernel.apparmor_restrict_unprivileged_userns');
  const seen = [`user.max_user_namespaces=${max ?? 'absent'}`];
  if (rootless)
    seen.push(
      `kernel.unprivileged_userns_clone=${debian ?? 'absent'}`,
      `kernel.apparmor_restrict_unprivileged_userns=${apparmor ?? 'absent'}`,
    );
  const sysctls = ` (${seen.join(', ')})`;
  const why = rootless
    ? 'every box starts in a user namespace of its own, created by the unprivileged worker'
    : "the box's uid 256 is mapped in a user namespace of its own";
  if (max === '0') {
    return finding(
      'userns',
      title,
      'missing',
      `disabled: user.max_user_namespaces is 0${sysctls}; ${why}`,
      sysctlFix('user.max_user_namespaces=15000'),
    );
  }
  if (rootless && debian === '0') {
    return finding(
      'userns',
      title,
      'missing',
      `disabled for ordinary users: kernel.unprivileged_userns_clone is 0 (Debian)${sysctls}; ${why}`,
      sysctlFix('kernel.unprivileged_userns_clone=1'),
    );
  }
  const apparmorBlocks = rootless && apparmor === '1' && input.overlayInUserns?.result !== 'ok';
  if (input.live.result === 'failed' || apparmorBlocks) {
    if (rootless && apparmor === '1') {
      const profile = `profile caged-worker ${input.nodePath} flags=(unconfined) {\\n  userns,\\n}\\n`;
      return finding(
        'userns',
        title,
        'missing',
        `restricted by AppArmor: kernel.apparmor_restrict_unprivileged_userns is 1 (Ubuntu), so an unprivileged namespace gets no capabilities${sysctls}; ${why}`,
        `printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\n${profile}' | sudo tee /etc/apparmor.d/caged-worker && sudo apparmor_parser -r /etc/apparmor.d/caged-worker`,
      );
    }
    return finding('userns', title, 'missing', `cannot be created: ${input.live.detail}${sysctls}; ${why}`);
  }
  if (input.live.result === 'unknown')
    return finding('userns', title, 'warn', `not probed: ${input.live.detail}${sysctls}`, 'sudo apt-get install util-linux');
  return finding('userns', title, 'ok', `available: ${input.live.detail} succeeded${sysctls}`);
}

export function overlayFinding(host: HostView, live: ProbeOutcome, rootfs: 'auto' | 'overlay' | 'extract', rootless: boolean): Finding {
  const title = 'overlayfs';
  const where = rootless ? 'in a user namespace' : 'in a mount namespace';
  const inKernel = /\boverlay$/m.test(host.readText('/proc/filesystems') ?? '');
  const release = sysctl(host, 'kernel.osrelease') ?? 'unknown';
  if (rootfs === 'extract') {
    return finding('overlay', title, 'skipped', 'not used: CAGED_ROOTFS=extract unpacks every job its own root filesystem');
  }
  if (live.result === 'ok')
    return finding('overlay', title, 'ok', `mounts ${where}: each job's root is an overlay on the cached image (${live.detail})`);
  const fallback =
    rootfs === 'auto'
      ? 'jobs get a full extraction of their image instead (CAGED_ROOTFS=extract: slower per job)'
      : 'CAGED_ROOTFS=overlay requires it';
  if (!inKernel)
    return finding('overlay', title, 'missing', `the kernel (${release}) has no overlayfs loaded: ${fallback}`, 'sudo modprobe overlay');
  const status = rootfs === 'auto' ? 'warn' : 'missing';
  const detail = `does not mount ${where} on kernel ${release} (${live.detail}): ${fallback}`;
  // Overlayfs in a user namespace came with Linux 5.11.
  const fix = rootless ? 'a kernel of Linux 5.11 or later, or CAGED_ROOTFS=extract' : 'CAGED_ROOTFS=extract';
  return finding('overlay', title, status, detail, fix);
}

export function seccompFinding(host: HostView): Finding {
  const title = 'seccomp';
  const status = host.readText('/proc/self/status');
  const mode = statusField(status, 'Seccomp');
  if (mode === null) {
    return finding(
      'seccomp',
      title,
      'missing',
      'the kernel has no seccomp (no Seccomp line in /proc/self/status)',
      'a kernel built with CONFIG_SECCOMP_FILTER',
    );
  }
  const actions = (host.readText('/proc/sys/kernel/seccomp/actions_avail') ?? '').trim().split(/\s+/);
  const lacking = SECCOMP_ACTIONS.filter((a) => !actions.includes(a));
  if (lacking.length > 0) {
    return finding(
      'seccomp',
      title,
      'missing',
      `the kernel lacks the filter actions ${lacking.join(', ')} (has: ${actions.join(' ') || 'none'}); the box's filter reports forbidden calls through user_notif`,
      'a kernel of Linux 5.0 or later',
    );
  }
  const filtered =
    mode === '2'
      ? '; this worker already runs under a filter (a container runtime profile?): it stacks with the box filter, and the namespace probes show whether it lets unshare and mount through'
      : '';
  return finding('seccomp', title, 'ok', `the kernel filters system calls with ${SECCOMP_ACTIONS.join(', ')}${filtered}`);
}
