/**
 * ContainerRun (the worker's half of a run) against a recording fake of the native seam and a
 * scripted container init: the hand-over, the measurements, the limits and the teardown, with
 * no root and no namespaces.
 */
import fs from 'node:fs';
import type { BoxCgroup, CgroupManager } from '../../src/cgroup/manager';
import { RlimitsOnlyManager } from '../../src/cgroup/rlimits';
import { ChildError } from '../../src/sandbox/child-error';
import { ContainerRun, type ContainerRunDeps } from '../../src/sandbox/container-run';
import { MSG, STAGE_OP } from '../../src/sandbox/protocol';
import type { Reaper } from '../../src/sandbox/reaper';
import type { RunLimits, RunResult } from '../../src/sandbox/types';
import { FakeBoxCgroup, FakeNative, message, realPipe, ScriptedInit } from './helpers/fake-native';

const LIMITS: RunLimits = {
  cpuTimeMs: 1000,
  wallTimeMs: 2000,
  memoryBytes: 64 * 2 ** 20,
  pids: 8,
  outputBytes: 1024,
  fileSizeBytes: 2 ** 20,
  openFiles: 16,
  stackBytes: 8 * 2 ** 20,
  diskBytes: 2 ** 20,
} as RunLimits;

interface Harness {
  native: FakeNative;
  cgroup: FakeBoxCgroup;
  init: ScriptedInit;
  released: number;
  setUpDone: number;
  exiting: number[];
  /** The teardowns the run left to the background (B's reaping, the cgroup's removal). */
  teardowns: Array<Promise<void>>;
  /** The program's stdout and stderr, as B would hold them. */
  stdoutW: number;
  stderrW: number;
  run: Promise<RunResult>;
  /** The cgroup's limits when the run was handed over (null: not yet written). */
  limitsAtHandOver: unknown;
}

const open: ScriptedInit[] = [];
afterEach(() => {
  for (const i of open.splice(0)) i.end();
});

function start(
  limits: RunLimits = LIMITS,
  opts: {
    sendRunFails?: Error;
    cgroup?: BoxCgroup;
    cpuByRlimit?: boolean;
    nonBlocking?: boolean;
    boxCpuNs?: number;
    initCpuNs?: bigint;
  } = {},
): Harness {
  const failure = opts.sendRunFails;
  const cgroup = opts.cgroup ?? new FakeBoxCgroup();
  if (cgroup instanceof FakeBoxCgroup) cgroup.cpuNs = opts.boxCpuNs ?? 0;
  let limitsAtHandOver: unknown = undefined;
  const native = new FakeNative({
    sendRun: () => {
      limitsAtHandOver = cgroup instanceof FakeBoxCgroup ? cgroup.limits : null;
      if (failure) throw failure;
    },
    cpuNs: () => opts.initCpuNs ?? 0n,
  });
  const init = new ScriptedInit();
  open.push(init);
  const [outR, outW] = realPipe(opts.nonBlocking);
  const [errR, errW] = realPipe(opts.nonBlocking);
  const h = {
    native,
    cgroup,
    init,
    released: 0,
    setUpDone: 0,
    exiting: [] as number[],
    teardowns: [] as Array<Promise<void>>,
    stdoutW: outW,
    stderrW: errW,
  } as Harness;
  const deps: ContainerRunDeps = {
    native,
    reaper: { exiting: (pid: number) => h.exiting.push(pid) } as unknown as Reaper,
    ids: { index: 3, hostUid: 10_000_003, hostGid: 10_000_003, outerUid: 10_000_003, outerGid: 10_000_003, release: () => h.released++ },
    setUpDone: () => h.setUpDone++,
    cpus: 2,
    syscallName: (nr) => (nr === 101 ? 'ptrace' : `#${nr}`),
    describeOp: (i) => `mount /box: op ${i}`,
    background: (p) => h.teardowns.push(p),
    cpuByRlimit: opts.cpuByRlimit,
  };
  h.run = new ContainerRun(deps, limits).run({ pid: init.pid, ctl: init.ctl, cgroup, exited: init.exited }, [10, 11, 12, 13], {
    stdout: outR,
    stderr: errR,
    nonBlocking: opts.nonBlocking,
  });
  h.limitsAtHandOver = limitsAtHandOver;
  return h;
}

function closeOutputs(h: Harness): void {
  fs.closeSync(h.stdoutW);
  fs.closeSync(h.stderrW);
}

describe('a run that goes well', () => {
  it("hands B its run with the limits written, sends nothing after it, and bills the CPU past B's set-up", async () => {
    // At the hand-over the box had used 5 ms (B's preparation) and B's clock read 40 ms; B's 'S'
    // says its clock read 41.5 ms when the program's set-up was over: 6.5 ms are B's, not billed.
    const h = start(LIMITS, { boxCpuNs: 5_000_000, initCpuNs: 40_000_000n });
    expect(h.native.callsTo('sendRun')).toEqual([[h.init.ctl, [10, 11, 12, 13]]]);
    expect(h.limitsAtHandOver).toEqual({ memoryBytes: LIMITS.memoryBytes, pids: LIMITS.pids });
    expect(h.native.callsTo('cpuNs')).toEqual([[h.init.pid]]);
    h.init.send(message(MSG.STARTED, { cpuNs: 41_500_000n }));
    fs.writeSync(h.stdoutW, 'hello\n');
    fs.writeSync(h.stderrW, 'warn\n');
    closeOutputs(h);
    h.cgroup.cpuNs = 12_000_000;
    h.init.send(message(MSG.EXIT, { status: 3 << 8, wallNs: 4_000_000n }));
    h.init.exit();
    const r = await h.run;
    expect(r).toMatchObject({ exitCode: 3, signal: null, cpuTimeMs: 5.5, wallTimeMs: 4, limitHit: null, forbiddenSyscall: null });
    expect(h.init.received).toEqual([]); // 'R' was the last word: nothing on the control socket
    expect(r.stdout.toString()).toBe('hello\n');
    expect(r.stderr.toString()).toBe('warn\n');
    expect(h.setUpDone).toBe(1);
    expect(h.released).toBe(1);
    await Promise.all(h.teardowns);
    expect(h.cgroup.destroyed).toBe(1);
  });

  it('returns once B reports the end, before B exits; the cgroup goes when B has exited', async () => {
    const h = start();
    h.init.send(message(MSG.STARTED));
    closeOutputs(h);
    h.init.send(message(MSG.EXIT, { status: 0, wallNs: 1_000_000n }));
    const r = await h.run; // B has not exited
    expect(r.exitCode).toBe(0);
    expect(h.released).toBe(1); // no process of the box's uid is left
    expect(h.teardowns.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.cgroup.destroyed).toBe(0);
    h.init.exit();
    await h.teardowns[0];
    expect(h.cgroup.destroyed).toBe(1);
  });

  it('leaves a failed teardown to the background, where it rejects naming B', async () => {
    const h = start();
    h.cgroup.destroy = () => {
      throw new Error('rmdir: EBUSY');
    };
    h.init.send(message(MSG.STARTED));
    closeOutputs(h);
    h.init.send(message(MSG.EXIT, { status: 0 }));
    h.init.exit();
    expect((await h.run).exitCode).toBe(0);
    await expect(h.teardowns[0]).rejects.toThrow(/tearing down the container of an ended run .*EBUSY/);
  });

  it('names a forbidden system call reported by B', async () => {
    const h = start();
    h.init.send(message(MSG.STARTED));
    closeOutputs(h);
    h.init.send(message(MSG.EXIT, { status: 9, sysNr: 101, sysArch: 0xc000003e }));
    h.init.exit();
    const r = await h.run;
    expect(r).toMatchObject({ signal: 'SIGKILL', forbiddenSyscall: 'ptrace', limitHit: null });
  });
});

describe('when a limit is hit', () => {
  it('kills B at the wall limit and reports TLE by wall', async () => {
    const h = start({ ...LIMITS, wallTimeMs: 50, cpuTimeMs: 10_000 });
    h.init.send(message(MSG.STARTED));
    closeOutputs(h);
    const r = await h.run; // B never exits on its own: the run's SIGKILL ends it
    expect(r.limitHit).toBe('wall');
    expect(r.signal).toBe('SIGKILL');
    expect(h.released).toBe(1);
  });

  it('kills B when the cgroup has used the CPU budget', async () => {
    const h = start({ ...LIMITS, cpuTimeMs: 20, wallTimeMs: 5000 });
    h.init.send(message(MSG.STARTED));
    closeOutputs(h);
    h.cgroup.cpuNs = 25_000_000;
    const r = await h.run;
    expect(r.limitHit).toBe('cpu');
  });

  it("counts the CPU budget from the end of B's set-up", async () => {
    // 3 ms before the hand-over and 2 ms of B's set-up after it are not the program's: at 23 ms
    // the program has used 18 of its 20 ms; at 26 ms, 21.
    const h = start({ ...LIMITS, cpuTimeMs: 20, wallTimeMs: 5000 }, { boxCpuNs: 3_000_000, initCpuNs: 1_000_000n });
    h.init.send(message(MSG.STARTED, { cpuNs: 3_000_000n }));
    closeOutputs(h);
    h.cgroup.cpuNs = 23_000_000;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(h.released).toBe(0); // still running
    h.cgroup.cpuNs = 26_000_000;
    const r = await h.run;
    expect(r.limitHit).toBe('cpu');
    expect(r.cpuTimeMs).toBe(21);
  });

  it('stops reading past the output cap and reports OLE by output', async () => {
    const h = start({ ...LIMITS, outputBytes: 8 });
    h.init.send(message(MSG.STARTED));
    fs.writeSync(h.stdoutW, 'x'.repeat(100));
    fs.closeSync(h.stderrW); // (B's death closes its ends; here the test holds them)
    const r = await h.run;
    fs.closeSync(h.stdoutW);
    expect(r.limitHit).toBe('output');
    expect(r.stdout.length).toBe(8);
    expect(r.stdoutTruncated).toBe(true);
  });
  it('reports OLE when the program floods its output before B has reported the start', async () => {
    // On a loaded machine the program (running from B's vfork) can fill the output cap before B
    // is scheduled to send 'S'; the run's kill then ends B without any 'S'. Only the program
    // writes to these pipes, so this is the program's OLE, not a failed set-up.
    const h = start({ ...LIMITS, outputBytes: 8 });
    fs.writeSync(h.stdoutW, 'x'.repeat(100));
    fs.closeSync(h.stderrW);
    const r = await h.run;
    fs.closeSync(h.stdoutW);
    expect(r.limitHit).toBe('output');
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout.length).toBe(8);
    expect(h.setUpDone).toBe(1);
  });
});

describe('output drained at the end (non-blocking read ends, no stream for a short run)', () => {
  it('returns what the program wrote before its end', async () => {
    const h = start(LIMITS, { nonBlocking: true });
    h.init.send(message(MSG.STARTED));
    fs.writeSync(h.stdoutW, 'out');
    fs.writeSync(h.stderrW, 'err');
    closeOutputs(h);
    h.init.send(message(MSG.EXIT, { status: 0 }));
    h.init.exit();
    const r = await h.run;
    expect(r).toMatchObject({ exitCode: 0, limitHit: null, stdoutTruncated: false });
    expect([r.stdout.toString(), r.stderr.toString()]).toEqual(['out', 'err']);
  });

  it('reports OLE for output past the cap found only at the end', async () => {
    const h = start({ ...LIMITS, outputBytes: 8 }, { nonBlocking: true });
    // Written and ended before the streams' timer: read only at the end.
    fs.writeSync(h.stdoutW, 'x'.repeat(9));
    closeOutputs(h);
    h.init.send(message(MSG.STARTED));
    h.init.send(message(MSG.EXIT, { status: 0 }));
    h.init.exit();
    const r = await h.run;
    expect(r).toMatchObject({ exitCode: 0, limitHit: 'output', stdoutTruncated: true });
    expect(r.stdout.length).toBe(8);
  });
});

describe('when the set-up fails', () => {
  it('throws the child error with the failing mount operation named, and still tears down', async () => {
    const h = start();
    h.init.send(message(MSG.ERROR, { stage: STAGE_OP, errno: 22, detail: 7 }));
    closeOutputs(h);
    h.init.exit();
    const err = await h.run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChildError);
    expect((err as Error).message).toMatch(/mount \/box: op 7/);
    expect((err as Error).message).toMatch(/EINVAL/);
    expect(h.released).toBe(1);
    await Promise.all(h.teardowns);
    expect(h.cgroup.destroyed).toBe(1);
    expect(h.setUpDone).toBe(1);
  });

  it('reports a failed hand-over as a host fault and kills B', async () => {
    const h = start(LIMITS, { sendRunFails: new Error('cage_send_fds: EPIPE') });
    closeOutputs(h);
    await expect(h.run).rejects.toThrow(/EPIPE/);
    expect(h.released).toBe(1);
  });

  it('refuses a message it does not know', async () => {
    const h = start();
    h.init.send(message(0x7a));
    closeOutputs(h);
    await expect(h.run).rejects.toThrow(/unknown message 122/);
  });
});

describe('a run with rlimits only (no cgroup)', () => {
  async function ended(status: number, cpuNs: bigint, cpuByRlimit: boolean): Promise<RunResult> {
    const manager: CgroupManager = new RlimitsOnlyManager();
    const box = manager.create('caged-1-1', null);
    const h = start(LIMITS, { cgroup: box, cpuByRlimit, initCpuNs: 1_000_000n });
    // B's own CPU is not in its children's rusage: nothing of it is subtracted.
    h.init.send(message(MSG.STARTED, { cpuNs: 7_000_000n }));
    closeOutputs(h);
    h.init.send(message(MSG.EXIT, { status, wallNs: 1_200_000_000n, cpuNs, maxRssKb: 2048n }));
    h.init.exit();
    return h.run;
  }

  it("measures CPU and peak memory by B's rusage", async () => {
    const r = await ended(0, 250_000_000n, true);
    expect(r).toMatchObject({ exitCode: 0, cpuTimeMs: 250, memoryBytes: 2048 * 1024, limitHit: null });
  });

  it("a SIGXCPU or SIGKILL of RLIMIT_CPU short of the limit (the kernel's tick-counted clock runs ahead under load) is TLE", async () => {
    const [SIGKILL, SIGXCPU] = [9, 24];
    expect(LIMITS.cpuTimeMs).toBe(1000);
    expect(await ended(SIGXCPU, 996_000_000n, true)).toMatchObject({ signal: 'SIGXCPU', limitHit: 'cpu' });
    expect(await ended(SIGXCPU, 800_000_000n, true)).toMatchObject({ signal: 'SIGXCPU', limitHit: 'cpu' });
    expect(await ended(SIGKILL, 500_000_000n, true)).toMatchObject({ signal: 'SIGKILL', limitHit: 'cpu' });
    // Under half of the limit, the signal is the program's own: RE, not TLE; so is another signal.
    expect((await ended(SIGXCPU, 499_000_000n, true)).limitHit).toBeNull();
    expect((await ended(11, 900_000_000n, true)).limitHit).toBeNull();
    // With a cgroup, the cgroup's count decides alone.
    expect((await ended(SIGXCPU, 996_000_000n, false)).limitHit).toBeNull();
  });
});
