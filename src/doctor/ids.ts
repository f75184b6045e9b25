/**
 * The doctor's id probes for the rootless mode: the worker's subordinate id ranges
 * (/etc/subuid, /etc/subgid, read by src/linux/subids.ts), and newuidmap/newgidmap, the
 * privileged helpers that map them into a box's user namespace (setuid root or with file
 * capabilities, and a worker without no_new_privs so that their privilege takes effect).
 * As root neither is used: each box gets a host uid of its own from /run/caged/slots.
 */
import { grantCommand, readOwnerSubIds, type SubIdRange } from '../linux/subids';
import { setupHostCommand } from '../sandbox/rootless';
import { finding, type Finding } from './finding';
import { findProgram, statusField, type HostView } from './host-view';

const ROOT_IDS = 'not used as root: each box gets a host uid of its own (10000000 and up, leased under /run/caged/slots)';

export function subidsFinding(host: HostView, rootless: boolean): Finding {
  const title = 'subordinate ids';
  if (!rootless) return finding('subids', title, 'skipped', ROOT_IDS);
  const owner = { name: host.identity.userName, uid: host.identity.uid };
  let ids;
  try {
    ids = readOwnerSubIds(owner, host.hostPath('/etc'));
  } catch (err) {
    return finding(
      'subids',
      title,
      'missing',
      `cannot read /etc/subuid or /etc/subgid: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  const problems = [...ids.uids.problems, ...ids.gids.problems].map((p) => `${displayFile(p.file)}:${p.line}: ${p.reason}`);
  const bad = problems.length > 0 ? `; malformed lines: ${problems.join('; ')}` : '';
  if (ids.usable === 0) {
    const which = [ids.uids, ids.gids]
      .filter((r) => r.ranges.length === 0)
      .map((r) => (r.exists ? `${displayFile(r.file)} has no range for ${owner.name}` : `${displayFile(r.file)} does not exist`));
    return finding(
      'subids',
      title,
      'missing',
      `none for ${owner.name} (${which.join(', ')})${bad}: without them every box's program would run as the worker's own uid`,
      `sudo ${grantCommand(owner)}`,
    );
  }
  return finding(
    'subids',
    title,
    problems.length > 0 ? 'warn' : 'ok',
    `${ids.usable} for ${owner.name} (uids ${ranges(ids.uids.ranges)}, gids ${ranges(ids.gids.ranges)}): each running box maps uid 256 to one of them${bad}`,
  );
}

export function idmapFinding(host: HostView, rootless: boolean): Finding {
  const title = 'newuidmap/newgidmap';
  if (!rootless) return finding('idmap', title, 'skipped', `${ROOT_IDS}; the worker writes the maps itself`);
  const notes: string[] = [];
  const bounding = boundingSet(host);
  if (statusField(host.readText('/proc/self/status'), 'NoNewPrivs') === '1') {
    return finding(
      'idmap',
      title,
      'missing',
      "the worker runs with no_new_privs (Docker's no-new-privileges, Kubernetes' allowPrivilegeEscalation: false): neither a setuid bit nor a file capability of newuidmap/newgidmap takes effect, so no subordinate id can be mapped",
      'start the worker without no_new_privs',
    );
  }
  for (const [name, cap] of [
    ['newuidmap', 'setuid'],
    ['newgidmap', 'setgid'],
  ] as const) {
    const file = findProgram(host, name);
    if (file === null)
      return finding(
        'idmap',
        title,
        'missing',
        `${name} not found: it maps the subordinate ids into each box`,
        'sudo apt-get install uidmap',
      );
    const st = host.stat(file);
    const setuidRoot = st !== null && st.uid === 0 && (st.mode & 0o4000) !== 0;
    const caps = host.fileCaps(file);
    if (!setuidRoot && !caps?.[cap]) {
      return finding(
        'idmap',
        title,
        'missing',
        `${file} is neither setuid root nor has cap_${cap}: it cannot map other ids`,
        'sudo apt-get install --reinstall uidmap',
      );
    }
    // What the helper's privilege needs in the bounding set (a container's capability list):
    // with a file capability, that capability (it runs as the user, owner of the namespace); setuid
    // root also opens another uid's /proc/<pid>/uid_map and writes a namespace it does not own.
    const how = caps?.[cap] ? `cap_${cap}` : 'setuid root';
    const needs = caps?.[cap]
      ? [cap === 'setuid' ? 'CAP_SETUID' : 'CAP_SETGID']
      : ['CAP_SETUID', 'CAP_SETGID', 'CAP_DAC_OVERRIDE', 'CAP_SYS_ADMIN'];
    const lacking = needs.filter((c) => !bounding.has(c));
    if (lacking.length > 0) {
      return finding(
        'idmap',
        title,
        'missing',
        `${file} is ${how} but the worker's bounding set lacks ${lacking.join(', ')} (a container's capability list): it cannot map the subordinate ids`,
        caps?.[cap]
          ? `keep ${lacking.join(', ')} in the container's bounding set (Docker's default set has it)`
          : `give it a file capability instead: sudo chmod u-s ${file} && sudo setcap cap_${cap}+ep ${file}`,
      );
    }
    notes.push(`${file} (${how})`);
  }
  return finding('idmap', title, 'ok', notes.join(', '));
}

function ranges(list: readonly SubIdRange[]): string {
  return list.map((r) => `${r.start}-${r.start + r.count - 1}`).join(', ');
}

/** The path as on the host (readOwnerSubIds names the file under the view's root). */
function displayFile(file: string): string {
  const at = file.lastIndexOf('/etc/');
  return at < 0 ? file : file.slice(at);
}

const CAP_BITS: Record<string, number> = { CAP_DAC_OVERRIDE: 1, CAP_SETGID: 6, CAP_SETUID: 7, CAP_SYS_ADMIN: 21 };

/** The names (of CAP_BITS) in the process's bounding set; all of them when /proc says nothing. */
function boundingSet(host: HostView): Set<string> {
  const hex = statusField(host.readText('/proc/self/status'), 'CapBnd');
  if (hex === null || !/^[0-9a-f]+$/i.test(hex)) return new Set(Object.keys(CAP_BITS));
  const bits = BigInt(`0x${hex}`);
  return new Set(
    Object.entries(CAP_BITS)
      .filter(([, bit]) => (bits & (1n << BigInt(bit))) !== 0n)
      .map(([name]) => name),
  );
}

/** Where the rootless sandbox looks for a user's device slots (src/sandbox/rootless.ts). */
export const devicePoolOf = (user: string): string => `/var/lib/caged/devices/${user}`;

/** Rootless: the boxes' /dev nodes, bound from slots root made once (a user namespace cannot make device nodes). */
export function devicesFinding(host: HostView, rootless: boolean, devicePool: string | null): Finding {
  const title = 'device nodes';
  if (!rootless) return finding('devices', title, 'skipped', "not needed as root: the worker makes each box's /dev itself");
  const user = host.identity.userName;
  const pool = devicePool ?? devicePoolOf(user);
  const slots = host.deviceSlots(pool);
  if (slots === 0) {
    return finding(
      'devices',
      title,
      'missing',
      `no device slots in ${pool}: a user namespace cannot make the boxes' null, zero, full, random and urandom`,
      setupHostCommand(user),
    );
  }
  return finding('devices', title, 'ok', `${slots} slots in ${pool} (one per container alive at once)`);
}
