/**
 * Whether a process exists on this host: what tells a dead worker's leftovers (job directories,
 * cgroups named `caged-<pid>-<seq>`) from a live one's.
 */

/** True when `pid` exists (EPERM means it exists and belongs to someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
