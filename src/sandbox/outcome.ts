/**
 * What a run's result means before any checker looks at the output: the program ended normally
 * (OK), or a limit, a signal, an exit code or a forbidden system call ended it. The judge maps
 * these onto verdicts (OK becomes AC or WA after checking).
 *
 * A limit verdict (TLE, MLE, OLE) comes only from `limitHit`, which the sandbox sets from its
 * own measurements (container-run.ts); a signal such as SIGXCPU or SIGXFSZ without one is the
 * program's own doing, RE naming the signal.
 */
import type { RunResult } from './types';

export type RunStatus = 'OK' | 'TLE' | 'MLE' | 'OLE' | 'RE' | 'SE';

export function outcomeOf(r: RunResult): { status: RunStatus; message: string } {
  if (r.forbiddenSyscall) return { status: 'SE', message: `forbidden system call: ${r.forbiddenSyscall}` };
  switch (r.limitHit) {
    case 'cpu':
      return { status: 'TLE', message: 'CPU time limit exceeded' };
    case 'wall':
      return { status: 'TLE', message: 'wall time limit exceeded' };
    case 'memory':
      return { status: 'MLE', message: 'memory limit exceeded' };
    case 'output':
      return { status: 'OLE', message: 'output limit exceeded' };
    // Not verdicts of their own: the program ended by a signal or an exit code, judged below.
    case 'pids':
    case 'fileSize':
    case null:
      break;
  }
  if (r.signal) return { status: 'RE', message: `killed by ${r.signal}${r.limitHit === 'pids' ? ' (process limit reached)' : ''}` };
  if (r.exitCode !== 0)
    return { status: 'RE', message: `exit code ${r.exitCode}${r.limitHit === 'pids' ? ' (process limit reached)' : ''}` };
  return { status: 'OK', message: 'exited normally' };
}
