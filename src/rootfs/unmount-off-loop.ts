/**
 * umount2(target, MNT_DETACH) on a thread of libuv's pool (koffi's asynchronous call), for the
 * job directories' removal: an unmount waits for an RCU grace period, a few milliseconds on a
 * busy machine during which the worker's event loop would otherwise serve no other job. A
 * failure is classified again by the host's own synchronous `detach` (the thread's errno does
 * not come back with the call), which says "was not a mount point" or throws.
 */
import koffi from 'koffi';
import { MNT_DETACH } from '../linux/constants';
import type { HostMounts } from '../sandbox/sandbox';

type AsyncUmount2 = { async: (target: string, flags: number, done: (err: unknown, rc: number) => void) => void };
let umount2: AsyncUmount2 | undefined;

/** Detaches `target` off the event loop; resolves false when it was not a mount point (as HostMounts.detach). */
export function detachOffLoop(mounts: HostMounts): (target: string) => Promise<boolean> {
  return (target) =>
    new Promise((resolve, reject) => {
      umount2 ??= koffi.load('libc.so.6').func('int umount2(const char *target, int flags)') as unknown as AsyncUmount2;
      umount2.async(target, MNT_DETACH, (err, rc) => {
        if (err) return reject(err instanceof Error ? err : new Error(`umount2(${target}): ${JSON.stringify(err)}`));
        if (rc === 0) return resolve(true);
        try {
          resolve(mounts.detach(target));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
}
