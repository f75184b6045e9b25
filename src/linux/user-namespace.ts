/**
 * The rootless worker's user namespace: made once at start-up, in which the worker's uid is
 * root and the boxes' ids are mapped, and which every box's namespaces belong to (spawn.c
 * enters it to make them). Its map, written once by newuidmap/newgidmap (setuid helpers of the
 * uidmap package, which check /etc/subuid and /etc/subgid):
 *
 *     inside 0            -> the worker's uid/gid      (B, the container init: our code)
 *     inside 1 .. count   -> the worker's subordinate ids, range after range (one per box)
 *
 * Single-uid mode (an explicit opt-in, no subordinate ids) maps only 0 -> the worker, written
 * by the worker itself (an unprivileged process may map its own ids); every box's program then
 * runs as the worker's uid (docs/security.md says what that gives up).
 *
 * The namespace lives as long as the fd: a helper process (`unshare --user`) makes it, the
 * maps are written to it, the worker opens /proc/<helper>/ns/user and lets the helper exit.
 */
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import { HostError } from '../errors';
import { grantCommand, subIdTotal, type SubIdRange, type SubIds } from './subids';

/** The kernel takes at most 340 lines in one uid_map. */
const MAX_MAP_LINES = 340;

export interface WorkerUserNamespace {
  /** An open /proc/<pid>/ns/user of the namespace (cage_spawn's userns_fd). */
  readonly fd: number;
  /** 'subids': boxes get subordinate ids 1..boxIds inside; 'single-uid': the worker's uid only. */
  readonly mode: 'subids' | 'single-uid';
  /** Box ids available: inside ids 1..boxIds (0 in single-uid mode, where every box uses 0). */
  readonly boxIds: number;
  /** Host uid and gid of inside id `inside` (0: the worker's). */
  hostUid(inside: number): number;
  hostGid(inside: number): number;
  close(): void;
}

export interface UserNamespaceOptions {
  /** The worker's subordinate ids (src/linux/subids.ts); null in single-uid mode. */
  subIds: SubIds | null;
  /** The worker's uid and gid (default: this process's). */
  uid?: number;
  gid?: number;
  /** Where newuidmap/newgidmap and unshare are looked up; default the PATH. */
  env?: NodeJS.ProcessEnv;
}

/** `inside host count` lines: inside 0 is `self`, then the ranges from inside 1 on. */
export function mapLines(self: number, ranges: readonly SubIdRange[]): Array<[number, number, number]> {
  const lines: Array<[number, number, number]> = [[0, self, 1]];
  let inside = 1;
  for (const r of ranges) {
    if (lines.length === MAX_MAP_LINES) break;
    lines.push([inside, r.start, r.count]);
    inside += r.count;
  }
  return lines;
}

/** The host id of inside id `inside` under `lines` (inside 0 included); NaN when unmapped. */
function hostIdOf(lines: ReadonlyArray<[number, number, number]>, inside: number): number {
  for (const [first, host, count] of lines) if (inside >= first && inside < first + count) return host + (inside - first);
  return NaN;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 10_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'not found (install the uidmap package)' : String(stderr).trim() || err.message;
      reject(new HostError(`${cmd} ${args.join(' ')}: ${why}`));
    });
  });
}

/** Makes the worker's user namespace (see the top of this file). HostError says what failed and the fix. */
export async function createWorkerUserNamespace(opts: UserNamespaceOptions): Promise<WorkerUserNamespace> {
  const uid = opts.uid ?? process.getuid!();
  const gid = opts.gid ?? process.getgid!();
  const env = opts.env ?? process.env;
  const sub = opts.subIds;
  if (sub && (subIdTotal(sub.uids.ranges) === 0 || subIdTotal(sub.gids.ranges) === 0)) {
    throw new HostError(`${sub.owner.name} has no subordinate uids or gids: ${grantCommand(sub.owner)} (as root)`);
  }
  const uidLines = mapLines(uid, sub?.uids.ranges ?? []);
  const gidLines = mapLines(gid, sub?.gids.ranges ?? []);
  const boxIds = sub ? Math.min(...[uidLines, gidLines].map((l) => l.reduce((n, [, , c]) => n + c, 0) - 1)) : 0;

  // The helper: a shell in a new user namespace that says so and waits for its stdin to close.
  const helper = spawn('unshare', ['--user', '--', '/bin/sh', '-c', 'echo ready; read _'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  helper.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => helper.on('close', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      helper.on('error', (err) => reject(new HostError(`unshare --user: ${err.message}`)));
      helper.stdout.once('data', () => resolve());
      helper.on('exit', (code) =>
        reject(
          new HostError(
            `unshare --user failed (exit ${code}): ${stderr.trim() || 'no message'}; ` +
              'unprivileged user namespaces may be off (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone, or an AppArmor rule)',
          ),
        ),
      );
    });
    const pid = helper.pid!;
    if (sub) {
      await run('newuidmap', [String(pid), ...uidLines.flat().map(String)], env);
      await run('newgidmap', [String(pid), ...gidLines.flat().map(String)], env);
    } else {
      fs.writeFileSync(`/proc/${pid}/uid_map`, `0 ${uid} 1\n`);
      fs.writeFileSync(`/proc/${pid}/setgroups`, 'deny');
      fs.writeFileSync(`/proc/${pid}/gid_map`, `0 ${gid} 1\n`);
    }
    const fd = fs.openSync(`/proc/${pid}/ns/user`, 'r');
    let closed = false;
    return {
      fd,
      mode: sub ? 'subids' : 'single-uid',
      boxIds,
      hostUid: (inside) => hostIdOf(uidLines, inside),
      hostGid: (inside) => hostIdOf(gidLines, inside),
      close: () => {
        if (closed) return;
        closed = true;
        fs.closeSync(fd);
      },
    };
  } finally {
    helper.stdin.end();
    helper.kill('SIGKILL');
    await exited;
  }
}
