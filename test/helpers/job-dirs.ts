/**
 * The job directories a process still holds: `caged-<pid>-*` in a jobs directory that are a
 * mount point (a job's tmpfs) or hold anything. An empty plain directory there is a spare
 * mount point kept for the next job (src/rootfs/job-dirs.ts), not a job's leftover.
 */
import fs from 'node:fs';
import path from 'node:path';

export function liveJobDirs(jobsDir: string, pid = process.pid): string[] {
  const parent = fs.statSync(jobsDir).dev;
  return fs
    .readdirSync(jobsDir)
    .filter((n) => n.startsWith(`caged-${pid}-`))
    .filter((n) => {
      const dir = path.join(jobsDir, n);
      const st = fs.lstatSync(dir, { throwIfNoEntry: false });
      return st !== undefined && (!st.isDirectory() || st.dev !== parent || fs.readdirSync(dir).length > 0);
    });
}
