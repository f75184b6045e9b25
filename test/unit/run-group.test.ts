/**
 * How a group (src/sandbox/run-group.ts) wires and ends its members, without containers: each
 * launch is a scripted member over the group's real pipes. Which fds each side is handed, the
 * manager kept from SIGPIPE by the worker's reader of a finished user's channel, the grace
 * after the manager's end, a failed launch ending the others, and no fd left behind. The real
 * runs: test/sandbox-group.test.ts.
 */
import fs from 'node:fs';
import { MAX_CMS_PROCESSES } from '../../src/judge/schema';
import { MAX_GROUP_USERS, runGroup, type LaunchMember } from '../../src/sandbox/run-group';
import { PairLaunchError } from '../../src/sandbox/run-pair';
import type { RunPlan } from '../../src/sandbox/types';
import { LIMITS } from '../helpers/programs';
import { runResult } from '../helpers/run-result';
import { realPipe } from './helpers/fake-native';

const native = { pipe: () => realPipe() };
const plan = (label: string): RunPlan => ({
  rootfs: { mode: 'overlay', lowerDirs: ['/nonexistent'] },
  argv: ['x'],
  env: {},
  limits: LIMITS,
  label,
});
const openFds = () => fs.readdirSync('/proc/self/fd').length;

type Io = Parameters<LaunchMember>[1];

/** A member: `act` with its io, then it ends (exit 0) once `act` resolves or it is killed (SIGKILL). */
function member(act: (io: Io) => Promise<void> | void) {
  return (io: Io, control: Parameters<LaunchMember>[2]) =>
    new Promise<ReturnType<typeof runResult>>((resolve) => {
      const fds = ['fds' in io ? [io.fds.stdin, io.fds.stdout] : [], io.extra ?? []].flat();
      const end = (r: ReturnType<typeof runResult>) => {
        for (const fd of fds.splice(0)) fs.closeSync(fd);
        resolve(r);
      };
      control.attach(() => end(runResult({ exitCode: null, signal: 'SIGKILL' })));
      void Promise.resolve(act(io)).then(() => end(runResult({ exitCode: 0 })));
    });
}

const never = () => new Promise<void>(() => undefined);
const later = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('runGroup', () => {
  it("hands the manager each user's channels in turn, and each user its own, as its stdio or extra fds", async () => {
    const seen: Record<string, Io> = {};
    const launch: LaunchMember = (p, io, c) => {
      seen[p.label!] = io;
      return member(() => undefined)(io, c);
    };
    const before = openFds();
    await runGroup(native, launch, plan('manager'), [plan('u0'), plan('u1')], { userIo: 'extra' });
    const m = seen.manager!;
    expect('stdin' in m && m.stdin.length).toBe(0);
    expect(m.extra).toHaveLength(4);
    for (const u of ['u0', 'u1']) {
      expect('stdin' in seen[u]! && seen[u].extra).toHaveLength(2);
    }
    await runGroup(native, launch, plan('manager'), [plan('u0')], { userIo: 'stdio' });
    const u0 = seen.u0!;
    expect('fds' in u0 && [typeof u0.fds.stdin, typeof u0.fds.stdout]).toEqual(['number', 'number']);
    expect(seen.u0).not.toHaveProperty('extra');
    expect(openFds()).toBe(before);
  });

  it("keeps a reader of a finished user's channel: the manager's write to it does not fail", async () => {
    let wrote = '';
    const launch: LaunchMember = (p, io, c) =>
      member(async (own) => {
        if (p.label !== 'manager') return; // the user ends at once, closing its ends
        await later(50);
        try {
          fs.writeSync(own.extra![1]!, 'question\n');
          wrote = 'ok';
        } catch (err) {
          wrote = (err as NodeJS.ErrnoException).code ?? 'error';
        }
      })(io, c);
    await runGroup(native, launch, plan('manager'), [plan('u0')], { userIo: 'extra' });
    expect(wrote).toBe('ok');
  });

  it('kills a user still running a grace after the manager ended', async () => {
    const launch: LaunchMember = (p, io, c) => member(p.label === 'u1' ? never : () => later(5))(io, c);
    const r = await runGroup(native, launch, plan('manager'), [plan('u0'), plan('u1')], { userIo: 'extra', graceMs: 30 });
    expect(r.killedAfterGrace).toEqual([false, true]);
    expect(r.users[1]?.signal).toBe('SIGKILL');
    expect(r.manager.exitCode).toBe(0);
  });

  it('ends every other member when one launch fails, and names its side', async () => {
    const killed: string[] = [];
    const launch: LaunchMember = (p, io, c) => {
      if (p.label === 'u1') {
        for (const fd of [io.extra ?? []].flat()) fs.closeSync(fd);
        return Promise.reject(new Error('no container'));
      }
      return member(never)(io, {
        attach: (k: () => void) => c.attach(() => (killed.push(p.label!), k())),
      } as unknown as Parameters<LaunchMember>[2]);
    };
    const before = openFds();
    const err = await runGroup(native, launch, plan('manager'), [plan('u0'), plan('u1')], { userIo: 'extra' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PairLaunchError);
    expect((err as PairLaunchError).side).toBe('submission');
    expect(killed.sort()).toEqual(['manager', 'u0']);
    expect(openFds()).toBe(before);
  });

  it("holds as many users as the wire's CMS processes", () => {
    expect(MAX_GROUP_USERS).toBe(MAX_CMS_PROCESSES);
  });

  it('refuses a group without users or with more than the manager can hold', async () => {
    const launch: LaunchMember = () => Promise.reject(new Error('not launched'));
    await expect(runGroup(native, launch, plan('m'), [], { userIo: 'extra' })).rejects.toThrow(/1 to 8 user processes, not 0/);
    const nine = Array.from({ length: 9 }, (_, i) => plan(`u${i}`));
    await expect(runGroup(native, launch, plan('m'), nine, { userIo: 'extra' })).rejects.toThrow(/not 9/);
  });
});
