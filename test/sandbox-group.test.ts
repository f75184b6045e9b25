/**
 * A manager and several user processes, one run (Sandbox.runGroup, src/sandbox/run-group.ts):
 * each in its own container, user i linked to the manager by two pipes, held by the manager on
 * its extra fds 5 + 2i and 6 + 2i and by the user as its stdio or its extra fds 5 and 6; every
 * way the group can end ends it, and leaves no process, cgroup or host id behind.
 */
import { AbortedError } from '../src/errors';
import type { GroupOptions, GroupResult } from '../src/sandbox/run-group';
import { PairLaunchError } from '../src/sandbox/run-pair';
import { Sandbox } from '../src/sandbox/sandbox';
import type { RunPlan } from '../src/sandbox/types';
import { testRootfs } from './helpers/image';
import { ownDir } from './helpers/mode';
import { ENV, LIMITS } from './helpers/programs';

let sandbox: Sandbox;
let rootfs: string[];

beforeAll(async () => {
  sandbox = await Sandbox.create({
    hostIdBase: 32_000_000,
    hostIds: 32,
    runtimeDir: ownDir('/run/caged-group-test'),
    jobsDir: ownDir('/var/lib/caged/jobs-group-test'),
  });
  rootfs = await testRootfs();
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
});

const mine = () => sandbox.cgroups.list().filter((n) => n.startsWith(`caged-${process.pid}-`));

function plan(script: string, over: Partial<RunPlan> = {}, ...args: string[]): RunPlan {
  return {
    rootfs: { mode: 'overlay', lowerDirs: rootfs },
    argv: ['/bin/sh', '-c', script, 'sh', ...args],
    env: ENV,
    limits: { ...LIMITS, cpuTimeMs: 5000, wallTimeMs: 10_000 },
    ...over,
  };
}

/**
 * A manager that, for each user i (its channels $1 $2, $3 $4, …), sends the number it read on
 * its stdin plus i and prints what came back, one line per user.
 */
const MANAGER = `read base
i=0
while [ $# -ge 2 ]; do
  exec 3<"$1" 4>"$2"
  echo $((base + i)) >&4
  read answer <&3 || answer=EOF
  echo "$answer"
  exec 3<&- 4>&-
  shift 2; i=$((i + 1))
done`;

/** A user answering its number doubled, plus its index (its last argument), on its channels. */
const DOUBLE = `read x <"$IN"; echo "$((2 * x)) from $IDX" >"$OUT"`;
const extraUser = (i: number) => plan(`IN=$1 OUT=$2 IDX=$3; ${DOUBLE}`, {}, '/proc/self/fd/5', '/proc/self/fd/6', String(i));
const stdioUser = (i: number) => plan(`IN=/dev/stdin OUT=/dev/stdout IDX=$1; ${DOUBLE}`, {}, String(i));

/** The group's run, after which nothing of it is left: no run, host id or cgroup but the prepared ones. */
async function group(manager: RunPlan, users: RunPlan[], opts: GroupOptions): Promise<GroupResult> {
  try {
    return await sandbox.runGroup(manager, users, opts);
  } finally {
    expect(sandbox.running).toBe(0);
    expect(sandbox.ids.held()).toEqual([]);
    await sandbox.whenPrepared();
    expect(mine().length).toBe(sandbox.prepared + (sandbox.cgroups.pooled ?? 0));
  }
}

const channels = (n: number) => Array.from({ length: n }, (_, i) => [`/proc/self/fd/${5 + 2 * i}`, `/proc/self/fd/${6 + 2 * i}`]).flat();
const manager = (n: number, over: Partial<RunPlan> = {}) => plan(MANAGER, { stdin: '20\n', ...over }, ...channels(n));

describe('Sandbox.runGroup', () => {
  it('links each user to the manager by its own two channels, as extra fds', async () => {
    const r = await group(manager(3), [0, 1, 2].map(extraUser), { userIo: 'extra' });
    expect(r.manager.exitCode).toBe(0);
    expect(r.manager.stdout.toString()).toBe('40 from 0\n42 from 1\n44 from 2\n');
    expect(r.users.map((u) => u.exitCode)).toEqual([0, 0, 0]);
    expect(r.killedAfterGrace).toEqual([false, false, false]);
  }, 60_000);

  it("links them by the users' stdin and stdout", async () => {
    const r = await group(manager(2), [0, 1].map(stdioUser), { userIo: 'stdio' });
    expect(r.manager.stdout.toString()).toBe('40 from 0\n42 from 1\n');
  }, 60_000);

  it('gives each program its stdio and its extra fds, nothing else', async () => {
    // The shell's own fds (its pid's, not ls's), listed by the program itself: one command, with
    // no pipeline (whose pipes the shell holds while it starts the pipeline's commands) and no
    // redirection (the shell keeps a copy of the fd it redirects until the command ends).
    const list = 'ls /proc/$$/fd';
    const r = await group(plan(`${list}; cat "$1" >/dev/null`, {}, '/proc/self/fd/5'), [plan(`${list}; :`)], { userIo: 'extra' });
    expect(r.manager.stdout.toString()).toBe('0\n1\n2\n5\n6\n');
    expect(r.users[0]!.stdout.toString()).toBe('0\n1\n2\n5\n6\n');
  }, 60_000);

  it('keeps a manager writing to a user gone from dying of SIGPIPE: it reads that EOF', async () => {
    // User 0 quits at once; the manager writes 1 MiB to it (more than a pipe holds), then reads its EOF.
    const script = 'head -c 1048576 /dev/zero >"$2" && cat "$1" && echo wrote-all';
    const r = await group(plan(script, {}, ...channels(1)), [plan('exit 0')], { userIo: 'extra' });
    expect(r.manager.signal).toBeNull();
    expect(r.manager.stdout.toString()).toBe('wrote-all\n');
  }, 60_000);

  it('kills a user still running a grace after the manager ended', async () => {
    const r = await group(plan('sleep 0.5'), [plan('exit 0'), plan('while :; do sleep 1; done')], { userIo: 'extra', graceMs: 200 });
    expect(r.killedAfterGrace).toEqual([false, true]);
    expect(r.users[1]!.signal).toBe('SIGKILL');
    expect(r.userEndedFirst).toEqual([true, false]);
  }, 60_000);

  it('ends every other side when one cannot be launched, and names it', async () => {
    const missing = plan('', { argv: ['/nonexistent'] });
    const err = await group(manager(2), [extraUser(0), missing], { userIo: 'extra' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PairLaunchError);
    expect((err as PairLaunchError).side).toBe('submission');
  }, 60_000);

  it('ends with the caller: aborted, every side is killed', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const forever = plan('while :; do sleep 1; done', { signal: ac.signal });
    await expect(group(forever, [forever, forever], { userIo: 'extra' })).rejects.toBeInstanceOf(AbortedError);
  }, 60_000);

  it('refuses no users, or more than the manager can hold', async () => {
    await expect(sandbox.runGroup(manager(0), [], { userIo: 'extra' })).rejects.toThrow(/1 to 8 user processes, not 0/);
    const nine = Array.from({ length: 9 }, (_, i) => extraUser(i));
    await expect(sandbox.runGroup(manager(9), nine, { userIo: 'extra' })).rejects.toThrow(/1 to 8 user processes, not 9/);
  });
});
