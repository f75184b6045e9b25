/**
 * The doctor's id probes for the rootless mode: the worker's subordinate id ranges
 * (/etc/subuid, /etc/subgid, read by src/linux/subids.ts), and newuidmap/newgidmap, the
 * privileged helpers that map them into a box's user namespace (setuid root or with file
 * capabilities, and a worker without no_new_privs so that their privilege takes effect).
 * As root neither is used: each box gets a host uid of its own from /run/caged/slots.
 */
import { grantCommand, readOwnerSubIds, type SubIdRange } from '../linux/subids';
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
    notes.push(`${file} (${setuidRoot ? 'setuid root' : `cap_${cap}`})`);
  }
  if (statusField(host.readText('/proc/self/status'), 'NoNewPrivs') === '1') {
    return finding(
      'idmap',
      title,
      'missing',
      `${notes.join(', ')} present, but the worker runs with no_new_privs (Docker's no-new-privileges, Kubernetes' allowPrivilegeEscalation: false): their privilege never takes effect, so no subordinate id can be mapped`,
      'start the worker without no_new_privs, or accept CAGED_ROOTLESS_SINGLE_UID=yes',
    );
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
