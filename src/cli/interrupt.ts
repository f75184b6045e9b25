/**
 * What an interrupted command does to the boxes it runs. A run given the command's signal
 * (RunPlan.signal: `caged exec`, and every run of a judgement given it) is killed by it and
 * rejects; this is the command line's catch-all beside it: on SIGINT/SIGTERM it kills the
 * container inits it started itself (`caged-init` processes whose parent is this process): the
 * prepared ones, which no run's signal reaches, and any run a signal has not ended yet, so that
 * no program spinning to its wall limit holds the exit; the kernel then kills everything in their
 * PID namespaces, and the judge's own teardown removes the job directory and the cgroups as
 * after any failed run.
 */
import fs from 'node:fs';

/** Pids of this process's children named `caged-init` (running and prepared containers). */
export function ownContainerInits(parent: number = process.pid): number[] {
  const found: number[] = [];
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (comm === 'caged-init' && ppid === parent) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** SIGKILLs this process's own container inits; returns how many. */
export function killOwnContainers(): number {
  let n = 0;
  for (const pid of ownContainerInits()) {
    try {
      process.kill(pid, 'SIGKILL');
      n++;
    } catch {
      // ended meanwhile
    }
  }
  return n;
}
