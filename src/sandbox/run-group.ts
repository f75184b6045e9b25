/**
 * A manager and several processes of the submission, one run (CMS's Communication task with
 * `num_processes` above 1): each in a container of its own (its own limits, cgroup, host uid,
 * seccomp filter, stderr collected and capped), user i linked to the manager by two pipes made
 * here, bytes going straight from one container to the other:
 *
 *     user i ──pipe──▶ manager (its extra fd 5 + 2i)
 *     manager ──pipe──▶ user i (the manager's extra fd 6 + 2i)
 *
 * and, on user i's side, the same two as its stdin and stdout (`userIo: "stdio"`) or as its
 * extra fds 5 (from the manager) and 6 (to it), its stdin then empty (`"extra"`). The manager's
 * stdin is the plan's `stdin`; its stdout and every user's are collected as a plain run's.
 *
 * How the group ends, without deadlock whatever any side does:
 *   - each side ends by its own limits; a user that ends gives the manager EOF on its channel;
 *   - the worker keeps a reader of each manager → user pipe, unread while that user runs and
 *     drained once it has ended, so that a manager writing to a user gone does not die of
 *     SIGPIPE (its death would be the judge's error): it reads that user's EOF and decides;
 *   - when the manager's run ends, every user reads EOF (and a write gets EPIPE/SIGPIPE); one
 *     still running `graceMs` later is killed (`killedAfterGrace`);
 *   - when any launch fails (a host fault), the others are killed and the failure thrown, as a
 *     pair's (PairLaunchError: the manager is the `interactor` side, a user the `submission`).
 */
import fs from 'node:fs';
import net from 'node:net';
import { AbortedError, InvalidRequestError } from '../errors';
import type { NativeApi } from './native';
import { CAGE_RUN_EXTRA_MAX } from './protocol';
import { DEFAULT_PAIR_GRACE_MS, PairLaunchError, submissionFirst, type ExtraFds, type PairFds } from './run-pair';
import { RunControl } from './run-control';
import type { RunPlan, RunResult } from './types';

/** How a user process holds its two channels: as its stdin and stdout, or as fds 5 and 6. */
export type GroupUserIo = 'stdio' | 'extra';

export interface GroupOptions {
  userIo: GroupUserIo;
  /** Time a user may run on after the manager's run ended, in ms; default 1000. */
  graceMs?: number;
}

export interface GroupResult {
  manager: RunResult;
  users: RunResult[];
  /** For each user: whether its program ended before the manager's (run-pair.ts's rule). */
  userEndedFirst: boolean[];
  /** For each user: it outlived the manager by more than the grace and was killed. */
  killedAfterGrace: boolean[];
}

/** Launches one side: its stdio (pipe ends, or a stdin to feed and a stdout to collect) and extra fds, all owned by the launch. */
export type LaunchMember = (
  plan: RunPlan,
  io: ({ stdin: Buffer } | { fds: PairFds }) & { extra?: ExtraFds },
  control: RunControl,
) => Promise<RunResult>;

/** The most users a group may have: the manager holds two extra fds for each. */
export const MAX_GROUP_USERS = CAGE_RUN_EXTRA_MAX / 2;

export async function runGroup(
  native: Pick<NativeApi, 'pipe'>,
  launch: LaunchMember,
  managerPlan: RunPlan,
  userPlans: readonly RunPlan[],
  opts: GroupOptions,
): Promise<GroupResult> {
  const n = userPlans.length;
  if (n < 1 || n > MAX_GROUP_USERS)
    throw new InvalidRequestError(`a group has 1 to ${MAX_GROUP_USERS} user processes, not ${n}`, 'processes');
  const graceMs = opts.graceMs ?? DEFAULT_PAIR_GRACE_MS;
  // For each user: [read, write] of user → manager, then of manager → user.
  const toManager: Array<[number, number]> = [];
  const fromManager: Array<[number, number]> = [];
  const held: Array<number | null> = [];
  const closeAll = (fds: Iterable<number | null>) => {
    for (const fd of fds) if (fd !== null) fs.closeSync(fd);
  };
  try {
    for (let i = 0; i < n; i++) {
      toManager.push(native.pipe());
      fromManager.push(native.pipe());
      // A new open file of the pipe's read end (not a dup: its O_NONBLOCK is the worker's alone).
      held.push(fs.openSync(`/proc/self/fd/${fromManager[i]![0]}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
    }
  } catch (err) {
    closeAll([...toManager.flat(), ...fromManager.flat(), ...held]);
    throw err;
  }
  const drains: net.Socket[] = [];
  const drain = (i: number): void => {
    const fd = held[i];
    if (fd === null || fd === undefined) return;
    held[i] = null;
    const socket = new net.Socket({ fd, readable: true, writable: false });
    drains.push(socket);
    socket.on('error', () => undefined);
    socket.resume();
  };
  const started = process.hrtime.bigint();
  const mc = new RunControl();
  const ucs = userPlans.map(() => new RunControl());
  const ended = userPlans.map(() => false);
  const killed = userPlans.map(() => false);
  let firstFailed: { side: 'interactor' | 'submission'; err: unknown } | null = null;
  let grace: NodeJS.Timeout | null = null;
  const killAll = (but: RunControl | null) => {
    for (const c of [mc, ...ucs]) if (c !== but) c.kill();
  };
  // Each launch owns its ends from here on (and closes them whatever happens).
  const managerExtra = toManager.flatMap(([r], i) => [r, fromManager[i]![1]]);
  const manager = launch(managerPlan, { stdin: stdinOf(managerPlan), extra: managerExtra }, mc).then(
    (r) => {
      grace = setTimeout(() => {
        ucs.forEach((c, i) => {
          if (ended[i]) return;
          killed[i] = true;
          c.kill();
        });
      }, graceMs);
      return r;
    },
    (err: unknown) => {
      firstFailed ??= { side: 'interactor', err };
      killAll(mc);
      throw err;
    },
  );
  const users = userPlans.map((plan, i) => {
    const [fromUser, toUser] = [fromManager[i]![0], toManager[i]![1]];
    const io =
      opts.userIo === 'stdio' ? { fds: { stdin: fromUser, stdout: toUser } } : { stdin: Buffer.alloc(0), extra: [fromUser, toUser] };
    return launch(plan, io, ucs[i]!).then(
      (r) => {
        ended[i] = true;
        drain(i);
        return r;
      },
      (err: unknown) => {
        ended[i] = true;
        drain(i);
        firstFailed ??= { side: 'submission', err };
        killAll(ucs[i]!);
        throw err;
      },
    );
  });
  const settled = await Promise.allSettled([manager, ...users]);
  if (grace) clearTimeout(grace);
  for (const socket of drains) socket.destroy();
  closeAll(held);
  for (const s of settled) if (s.status === 'rejected' && s.reason instanceof AbortedError) throw s.reason;
  const failed = firstFailed as { side: 'interactor' | 'submission'; err: unknown } | null;
  if (failed) throw new PairLaunchError(failed.side, failed.err);
  const [m, ...u] = settled.map((s) => (s as PromiseFulfilledResult<RunResult>).value);
  const ms = (ns: bigint | null) => Math.max(0, Number((ns ?? process.hrtime.bigint()) - started) / 1e6);
  const managerEndMs = ms(mc.endedNs);
  const managerCrashed = m!.signal !== null || m!.limitHit !== null || m!.forbiddenSyscall !== null;
  return {
    manager: m!,
    users: u,
    userEndedFirst: u.map((r, i) => submissionFirst(r, ucs[i]!.saidNothing === true, ms(ucs[i]!.endedNs), managerEndMs, managerCrashed)),
    killedAfterGrace: killed,
  };
}

function stdinOf(plan: RunPlan): Buffer {
  return typeof plan.stdin === 'string' ? Buffer.from(plan.stdin) : (plan.stdin ?? Buffer.alloc(0));
}
