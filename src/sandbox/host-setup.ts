/**
 * The host-side set-up of a root-mode sandbox that is not the sandbox's own business: the
 * jobs directory's propagation and the worker's standard fds.
 */
import fs from 'node:fs';
import { MS } from '../linux/constants';
import type { NativeApi } from './native';

/**
 * A prepared container's mount namespace is a copy of the host's taken before its run's job
 * directory (a tmpfs mounted in the host) existed. So the jobs directory is made a mount of its
 * own with shared propagation: every job directory mounted under it later appears in the
 * prepared containers too, until their init makes every mount private as the first step of its
 * run (nothing ever propagates back, or after that). Idempotent.
 */
export function shareJobsDir(native: NativeApi, jobsDir: string): void {
  const dir = fs.realpathSync(jobsDir);
  // mountinfo escapes space, tab, newline and backslash in paths as \ooo.
  const unescape = (p: string | undefined) => p?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const entry = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => unescape(f[4]) === dir)
    .pop();
  if (!entry) native.mount(dir, dir, '', MS.BIND, '');
  else if (entry.slice(6).some((f) => f.startsWith('shared:'))) return;
  native.mount('', dir, '', MS.SHARED, '');
}

/** Fds 0-2 must be open, or a pipe could get number 0-2 and be clobbered by B's dup2s. */
export function ensureStdioOpen(): void {
  for (let fd = 0; fd <= 2; fd++) {
    try {
      fs.fstatSync(fd);
    } catch {
      fs.openSync('/dev/null', fd === 0 ? 'r' : 'w');
    }
  }
}
