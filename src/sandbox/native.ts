/**
 * koffi bindings: the native launcher (build/libcage.so, built from native/spawn.c at install
 * time) and the handful of libc calls the worker needs. Every call here is short: nothing
 * blocks the event loop or holds a libuv pool thread for a run. `spawnAsync` is the one call
 * made on the pool, for the clone into new namespaces (docs/benchmarks.md gives its cost).
 */
import fs from 'node:fs';
import path from 'node:path';
import koffi from 'koffi';
import os from 'node:os';
import { HostError } from '../errors';
import { errnoName } from './child-error';
import { AF_UNIX, F, F_SEAL, MFD, MNT_DETACH, O_CLOEXEC, POLL, SOCK, WALL, WNOHANG } from '../linux/constants';
import { SIZES, layoutString } from './protocol';

export interface Rusage {
  userNs: bigint;
  systemNs: bigint;
  maxRssKb: number;
}

export interface WaitOutcome {
  pid: number;
  status: number;
  rusage: Rusage;
}

export interface NativeApi {
  /**
   * Starts B (build/caged-init) in new namespaces with the control socket `ctl` as its only
   * fd, on a libuv pool thread (the clone is the costly part of a launch; the event loop stays free); resolves to
   * B's host pid once caged-init has been exec'd. B then waits for `sendRun`. `usernsFd`
   * (rootless): B is made in that user namespace, `cloneFlags` unshared there (spawn.c).
   */
  spawnAsync(ctl: number, prep: number, cloneFlags: number, usernsFd?: number): Promise<number>;
  /** Hands B its run on the control socket: stdin, stdout, stderr, configuration memfd. */
  /** `fds`: stdin, stdout, stderr, configuration, then the program's extra fds (at most CAGE_RUN_EXTRA_MAX). */
  sendRun(ctl: number, fds: readonly number[]): void;
  /** The CPU time (user + system) process `pid` has used so far, in ns: its CPU clock, which any process may read. */
  cpuNs(pid: number): bigint;
  /** wait4(pid, WNOHANG | __WALL): null while the child runs. */
  tryWait(pid: number): WaitOutcome | null;
  socketpair(): [number, number];
  /** pipe2(O_CLOEXEC), mode 0666 (/dev/stdout); `nonBlockingRead`: the read end O_NONBLOCK too (the write end stays blocking). */
  pipe(nonBlockingRead?: boolean): [number, number];
  /** An anonymous file holding `data`, sealed against any change, positioned at 0. */
  memfdWith(data: Buffer): number;
  /** mount(2) in the worker's own (host) namespace; throws HostError on failure. */
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  /** umount2(target, MNT_DETACH); false when target was not a mount point. */
  detach(target: string): boolean;
  /** flock(fd, LOCK_EX | LOCK_NB): true when taken, false when another open file holds it. */
  tryLockExclusive(fd: number): boolean;
  /** flock(fd, LOCK_UN): drops the lock this open file holds (the file stays open). */
  unlock(fd: number): void;
  /** F_SETPIPE_SZ; returns the new size or -1. */
  setPipeSize(fd: number, bytes: number): number;
  /**
   * Whether the pipe whose read end is `fd` has no writer left (poll's POLLHUP, without
   * waiting or reading): every process that could write to it has closed it or ended.
   */
  hungUp(fd: number): boolean;
}

function fail(what: string, errno: number): never {
  throw new HostError(`${what}: ${errnoName(errno)}`);
}

/** Finds build/ (libcage.so and caged-init) from src/ (ts-jest) or dist/src/ (compiled). */
export function findNativeDir(): string {
  const fromEnv = process.env.CAGED_NATIVE_DIR;
  if (fromEnv) return fromEnv;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'build');
    if (fs.existsSync(path.join(candidate, 'libcage.so')) && fs.existsSync(path.join(candidate, 'caged-init'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new HostError('native launcher build/libcage.so and build/caged-init not found: run `npm run build:native` (needs a C compiler)');
}

/** koffi's type names are process-global, so each library is bound once per process. */
const loaded = new Map<string, NativeApi>();

export function loadNative(nativeDir = findNativeDir()): NativeApi {
  let api = loaded.get(nativeDir);
  if (!api) {
    api = bind(nativeDir);
    loaded.set(nativeDir, api);
  }
  return api;
}

function bind(nativeDir: string): NativeApi {
  const libraryPath = path.join(nativeDir, 'libcage.so');
  const initPath = path.join(nativeDir, 'caged-init');
  const lib = koffi.load(libraryPath);
  const libc = koffi.load('libc.so.6');
  const sizes = lib.func('uint32_t cage_abi_sizes(void)')() as number;
  const wantSizes = SIZES.cfg | (SIZES.op << 8) | (SIZES.rlimit << 16) | (SIZES.msg << 24);
  if (sizes !== wantSizes) {
    throw new HostError(
      `native launcher ${libraryPath} has another ABI (sizes ${sizes.toString(16)}, want ${wantSizes.toString(16)}): rebuild it`,
    );
  }
  const layout = (lib.func('const char *cage_abi_layout(void)')() as string).split(';');
  const want = layoutString().split(';');
  if (layout.join(';') !== want.join(';')) {
    const differ = want.filter((f) => !layout.includes(f)).join(' ') || 'field lists';
    throw new HostError(`native launcher ${libraryPath} has another ABI (differs at ${differ}): rebuild it`);
  }
  const cageSpawn = lib.func('int cage_spawn(const char *init_path, int32_t ctl, int32_t prep, uint32_t clone_flags, int32_t userns_fd)');
  const cageSendFds = lib.func('int cage_send_fds(int32_t sock, const int32_t *fds, uint32_t n)');
  const cageCpuNs = lib.func('int64_t cage_cpu_ns(int32_t pid)');

  // wait4's status and rusage land in preallocated memory read directly: no koffi struct is
  // decoded into objects on every call (the reaper calls it for each watched pid at each SIGCHLD,
  // mostly for a child still running). struct rusage: ru_utime and ru_stime (timevals of two
  // longs), then ru_maxrss: 18 longs on LP64 Linux, of which the first five are read.
  const wait4 = libc.func('int wait4(int pid, int *status, int options, void *rusage)');
  const waitStatus = new Int32Array(1);
  const rusageBuf = Buffer.alloc(18 * 8);
  const socketpair = libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)');
  const pipe2 = libc.func('int pipe2(_Out_ int *fds, int flags)');
  const memfdCreate = libc.func('int memfd_create(const char *name, unsigned int flags)');
  const fcntl = libc.func('int fcntl(int fd, int cmd, ...)');
  const mount = libc.func('int mount(const char *src, const char *dst, const char *fstype, unsigned long flags, const char *data)');
  const umount2 = libc.func('int umount2(const char *target, int flags)');
  const flock = libc.func('int flock(int fd, int operation)');
  const poll = libc.func('int poll(void *fds, unsigned long nfds, int timeout)');
  // One struct pollfd (int fd; short events; short revents), reused: the calls never overlap.
  const pollFd = Buffer.alloc(8);

  /** The timeval at byte `at` of rusageBuf, in ns. */
  const timevalNs = (at: number) => rusageBuf.readBigInt64LE(at) * 1_000_000_000n + rusageBuf.readBigInt64LE(at + 8) * 1000n;

  return {
    spawnAsync(ctl, prep, cloneFlags, usernsFd = -1) {
      return new Promise((resolve, reject) => {
        cageSpawn.async(initPath, ctl, prep, cloneFlags, usernsFd, (err: unknown, pid: number) => {
          if (err) reject(err instanceof Error ? err : new HostError(`cage_spawn failed: ${JSON.stringify(err)}`));
          else if (pid < 0) reject(new HostError(`cage_spawn: ${errnoName(-pid)}`));
          else resolve(pid);
        });
      });
    },
    sendRun(ctl, fds) {
      const rc = cageSendFds(ctl, Int32Array.from(fds), fds.length) as number;
      if (rc < 0) fail('handing the run to the container init', -rc);
    },
    cpuNs(pid) {
      const ns = BigInt(cageCpuNs(pid) as number | bigint);
      if (ns < 0n) fail(`the CPU clock of process ${pid}`, Number(-ns));
      return ns;
    },
    tryWait(pid) {
      const r = wait4(pid, waitStatus, WNOHANG | WALL, rusageBuf) as number;
      if (r === 0) return null;
      if (r < 0) fail(`wait4(${pid})`, koffi.errno());
      return {
        pid: r,
        status: waitStatus[0] ?? 0,
        rusage: { userNs: timevalNs(0), systemNs: timevalNs(16), maxRssKb: Number(rusageBuf.readBigInt64LE(32)) },
      };
    },
    socketpair() {
      const sv = new Int32Array(2);
      if ((socketpair(AF_UNIX, SOCK.STREAM | SOCK.CLOEXEC, 0, sv) as number) < 0) fail('socketpair', koffi.errno());
      return [sv[0]!, sv[1]!];
    },
    pipe(nonBlockingRead = false) {
      const fds = new Int32Array(2);
      if ((pipe2(fds, O_CLOEXEC) as number) < 0) fail('pipe2', koffi.errno());
      // The pipe's inode is the worker's, mode 0600: a box's program (another uid) reopening its
      // own stdout as /dev/stdout (/proc/self/fd/1) would get EACCES. Only holders of an end reach
      // it that way (their /proc/PID/fd), so 0666 opens it to nobody else.
      try {
        fs.fchmodSync(fds[0]!, 0o666);
      } catch (err) {
        fs.closeSync(fds[0]!);
        fs.closeSync(fds[1]!);
        throw err;
      }
      if (nonBlockingRead && (fcntl(fds[0]!, 4 /* F_SETFL */, 'int', fs.constants.O_NONBLOCK) as number) < 0) {
        const errno = koffi.errno();
        fs.closeSync(fds[0]!);
        fs.closeSync(fds[1]!);
        fail('fcntl(F_SETFL, O_NONBLOCK)', errno);
      }
      return [fds[0]!, fds[1]!];
    },
    memfdWith(data) {
      const fd = memfdCreate('caged-stdin', MFD.CLOEXEC | MFD.ALLOW_SEALING) as number;
      if (fd < 0) fail('memfd_create', koffi.errno());
      try {
        let done = 0;
        while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, done);
        const seals = F_SEAL.SEAL | F_SEAL.SHRINK | F_SEAL.GROW | F_SEAL.WRITE;
        if ((fcntl(fd, F.ADD_SEALS, 'int', seals) as number) < 0) fail('fcntl(F_ADD_SEALS)', koffi.errno());
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      return fd;
    },
    mount(source, target, fstype, flags, data) {
      if ((mount(source, target, fstype, flags, data) as number) < 0) fail(`mount ${fstype} on ${target}`, koffi.errno());
    },
    detach(target) {
      if ((umount2(target, MNT_DETACH) as number) === 0) return true;
      const errno = koffi.errno();
      if (errno === os.constants.errno.EINVAL || errno === os.constants.errno.ENOENT) return false;
      return fail(`umount ${target}`, errno);
    },
    tryLockExclusive(fd) {
      for (;;) {
        if ((flock(fd, 2 /* LOCK_EX */ | 4 /* LOCK_NB */) as number) === 0) return true;
        const errno = koffi.errno();
        if (errno === os.constants.errno.EWOULDBLOCK) return false;
        if (errno !== os.constants.errno.EINTR) return fail('flock', errno);
      }
    },
    unlock(fd) {
      for (;;) {
        if ((flock(fd, 8 /* LOCK_UN */) as number) === 0) return;
        const errno = koffi.errno();
        if (errno !== os.constants.errno.EINTR) fail('flock(LOCK_UN)', errno);
      }
    },
    setPipeSize(fd, bytes) {
      return fcntl(fd, F.SETPIPE_SZ, 'int', bytes) as number;
    },
    hungUp(fd) {
      for (;;) {
        pollFd.writeInt32LE(fd, 0);
        pollFd.writeInt16LE(POLL.IN, 4);
        pollFd.writeInt16LE(0, 6);
        const n = poll(pollFd, 1, 0) as number;
        if (n >= 0) return (pollFd.readInt16LE(6) & POLL.HUP) !== 0;
        const errno = koffi.errno();
        if (errno !== os.constants.errno.EINTR) return fail('poll', errno);
      }
    },
  };
}
