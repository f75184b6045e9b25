import os from 'node:os';
import { CagedError } from '../errors';
import { STAGES, STAGE_OP, STAGE_RLIMIT } from './protocol';

export function errnoName(errno: number): string {
  const entry = Object.entries(os.constants.errno).find(([, v]) => v === errno);
  return entry ? entry[0] : `errno ${errno}`;
}

/**
 * The container could not be set up: a stage of B or C and the errno it met, e.g.
 * `op 12 (mount overlay: the image, copy-on-write...): EINVAL` or `exec: ENOENT`.
 * A failed exec of a missing program is the caller's mistake (not retried); any other stage
 * is a host fault that another try, or another host, may not hit.
 */
export class ChildError extends CagedError {
  readonly stageName: string;
  readonly errnoName: string;
  readonly retryable: boolean;
  constructor(
    readonly stage: number,
    readonly errno: number,
    readonly detail: number,
    what?: string,
  ) {
    const stageName = STAGES[stage] ?? `stage ${stage}`;
    const where = stage === STAGE_OP || stage === STAGE_RLIMIT ? `${stageName} ${detail}${what ? ` (${what})` : ''}` : stageName;
    super(`container set-up failed at ${where}: ${errnoName(errno)}`);
    this.stageName = stageName;
    this.errnoName = errnoName(errno);
    this.retryable = stageName !== 'exec' && stageName !== 'chdir-cwd';
  }
}
