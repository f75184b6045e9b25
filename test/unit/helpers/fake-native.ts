/**
 * A recording fake of the NativeApi seam for the unit tier, and a scripted B (the container
 * init) on a real socketpair, so that ContainerRun and its neighbours run unchanged without
 * root, namespaces or the native build. Pipes and socketpairs are real (plain libc through
 * koffi); everything that would need privileges (spawn, mount, mknod) or a real B (its CPU clock) is recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import koffi from 'koffi';
import type { BoxCgroup, CgroupLimits, CgroupStats } from '../../../src/cgroup/manager';
import type { NativeApi, WaitOutcome } from '../../../src/sandbox/native';
import { MSG, SIZES } from '../../../src/sandbox/protocol';

const libc = koffi.load('libc.so.6');
const socketpairFn = libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)');
const pipe2Fn = libc.func('int pipe2(_Out_ int *fds, int flags)');
const O_CLOEXEC = 0o2000000;

export function realSocketpair(): [number, number] {
  const sv = new Int32Array(2);
  if ((socketpairFn(1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | O_CLOEXEC, 0, sv) as number) < 0) throw new Error('socketpair failed');
  return [sv[0]!, sv[1]!];
}

/** `nonBlocking`: both ends O_NONBLOCK (as the worker's read ends are; the tests write little). */
export function realPipe(nonBlocking = false): [number, number] {
  const fds = new Int32Array(2);
  if ((pipe2Fn(fds, O_CLOEXEC | (nonBlocking ? fs.constants.O_NONBLOCK : 0)) as number) < 0) throw new Error('pipe2 failed');
  return [fds[0]!, fds[1]!];
}

export interface NativeCall {
  name: string;
  args: unknown[];
}

type Args<K extends keyof NativeApi> = Parameters<NativeApi[K]>;

/**
 * Records every call; `overrides` replaces a method (to inject a failure). Methods take the
 * interface's own parameter lists, so the fake follows NativeApi as it changes.
 */
export class FakeNative implements NativeApi {
  readonly calls: NativeCall[] = [];
  constructor(private readonly overrides: Partial<NativeApi> = {}) {}

  private record(name: string, args: unknown[]): void {
    this.calls.push({ name, args });
  }
  callsTo(name: string): unknown[][] {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  }

  spawnAsync(...args: Args<'spawnAsync'>): Promise<number> {
    this.record('spawnAsync', args);
    return this.overrides.spawnAsync?.(...args) ?? Promise.reject(new Error('FakeNative: no spawnAsync given'));
  }
  sendRun(...args: Args<'sendRun'>): void {
    this.record('sendRun', args);
    this.overrides.sendRun?.(...args);
  }
  cpuNs(...args: Args<'cpuNs'>): bigint {
    this.record('cpuNs', args);
    return this.overrides.cpuNs?.(...args) ?? 0n;
  }
  tryWait(...args: Args<'tryWait'>): WaitOutcome | null {
    this.record('tryWait', args);
    return this.overrides.tryWait ? this.overrides.tryWait(...args) : null;
  }
  socketpair(): [number, number] {
    this.record('socketpair', []);
    return this.overrides.socketpair ? this.overrides.socketpair() : realSocketpair();
  }
  pipe(): [number, number] {
    this.record('pipe', []);
    return this.overrides.pipe ? this.overrides.pipe() : realPipe();
  }
  memfdWith(...args: Args<'memfdWith'>): number {
    this.record('memfdWith', args);
    if (this.overrides.memfdWith) return this.overrides.memfdWith(...args);
    return fs.openSync('/dev/null', 'r');
  }
  mount(...args: Args<'mount'>): void {
    this.record('mount', args);
    this.overrides.mount?.(...args);
  }
  detach(...args: Args<'detach'>): boolean {
    this.record('detach', args);
    return this.overrides.detach?.(...args) ?? false;
  }
  tryLockExclusive(...args: Args<'tryLockExclusive'>): boolean {
    this.record('tryLockExclusive', args);
    return this.overrides.tryLockExclusive?.(...args) ?? true;
  }
  unlock(...args: Args<'unlock'>): void {
    this.record('unlock', args);
  }
  /** Recorded only (the seam may lose this call: device nodes are moving into the container). */
  mknod(...args: unknown[]): void {
    this.record('mknod', args);
  }
  setPipeSize(...args: Args<'setPipeSize'>): number {
    this.record('setPipeSize', args);
    return this.overrides.setPipeSize?.(...args) ?? args[1];
  }

  hungUp(...args: Args<'hungUp'>): boolean {
    this.record('hungUp', args);
    return this.overrides.hungUp?.(...args) ?? false;
  }
}

/** A cgroup whose CPU time and stats the test sets; records what the run did to it. */
export class FakeBoxCgroup implements BoxCgroup {
  readonly name = 'caged-1-1';
  cpuNs = 0;
  limits: CgroupLimits | null = null;
  destroyed = 0;
  statsOverride: Partial<CgroupStats> = {};
  setLimits(limits: CgroupLimits): void {
    this.limits = limits;
  }
  attach(): void {}
  cpuTimeNs(): number {
    return this.cpuNs;
  }
  stats(): CgroupStats {
    return { cpuTimeNs: this.cpuNs, memoryPeakBytes: 1 << 20, oomKills: 0, memoryLimitHits: 0, pidsLimitHits: 0, ...this.statsOverride };
  }
  killAll(): void {}
  destroy(): void {
    this.destroyed++;
  }
  /** No pool here: a released leaf is destroyed. */
  release(): void {
    this.destroy();
  }
}

/** One 64-byte message as B writes it (native/cage.h `struct cage_msg`). */
export function message(
  type: number,
  f: {
    stage?: number;
    errno?: number;
    detail?: number;
    status?: number;
    sysNr?: number;
    sysArch?: number;
    wallNs?: bigint;
    cpuNs?: bigint;
    maxRssKb?: bigint;
  } = {},
): Buffer {
  const b = Buffer.alloc(SIZES.msg);
  b.writeUInt32LE(type, 0);
  b.writeInt32LE(f.stage ?? 0, 4);
  b.writeInt32LE(f.errno ?? 0, 8);
  b.writeInt32LE(f.detail ?? 0, 12);
  b.writeInt32LE(f.status ?? 0, 16);
  b.writeInt32LE(f.sysNr ?? -1, 20);
  b.writeUInt32LE(f.sysArch ?? 0, 24);
  b.writeInt32LE(0, 28);
  b.writeBigUInt64LE(f.wallNs ?? 0n, 32);
  b.writeBigUInt64LE(f.cpuNs ?? 0n, 48);
  b.writeBigUInt64LE(f.maxRssKb ?? 0n, 56);
  return b;
}

/**
 * B, scripted: a real process stands in for B's pid (a `sleep`, so that a SIGKILL from the run
 * lands on something harmless and ends it), its end of the control socket is driven by the test.
 * `exited` resolves when the stand-in ends or when the test calls `exit()`.
 */
export class ScriptedInit {
  readonly pid: number;
  /** The worker's end of the control socket (the prepared container's `ctl`). */
  readonly ctl: number;
  readonly exited: Promise<WaitOutcome>;
  /** Bytes the worker sent to B on the control socket (none: the run travels by sendRun, and nothing follows). */
  readonly received: number[] = [];
  private readonly sock: net.Socket;
  private readonly proc: ChildProcess;
  private resolveExit!: (w: WaitOutcome) => void;

  constructor() {
    const [a, b] = realSocketpair();
    this.ctl = a;
    this.sock = new net.Socket({ fd: b, readable: true, writable: true });
    this.sock.on('data', (d: Buffer) => this.received.push(...d));
    this.sock.on('error', () => undefined);
    this.proc = spawn('sleep', ['30'], { stdio: 'ignore' });
    this.pid = this.proc.pid!;
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
    this.proc.on('exit', (code, signal) => {
      // A SIGKILL from the run: B's death, as wait4 would report it.
      this.sock.destroy();
      this.resolveExit({
        pid: this.pid,
        status: signal === 'SIGKILL' ? 9 : (code ?? 0) << 8,
        rusage: { userNs: 0n, systemNs: 0n, maxRssKb: 0 },
      });
    });
  }

  send(m: Buffer): void {
    this.sock.write(m);
  }

  /** Resolves once the worker has sent `n` bytes. */
  async waitForBytes(n: number): Promise<void> {
    while (this.received.length < n) await new Promise((r) => setTimeout(r, 2));
  }

  /** B reports and exits normally: its socket closes, then it is reaped with status 0. */
  exit(): void {
    this.sock.end();
    this.proc.removeAllListeners('exit');
    this.proc.kill('SIGTERM');
    this.proc.on('exit', () => this.resolveExit({ pid: this.pid, status: 0, rusage: { userNs: 0n, systemNs: 0n, maxRssKb: 0 } }));
  }

  end(): void {
    this.proc.kill('SIGKILL');
    this.sock.destroy();
  }
}

export { MSG };
