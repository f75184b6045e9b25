/**
 * Checks of a run plan before anything is made for it: a bad plan is the caller's error
 * (InvalidRequestError naming the field), never a failed launch.
 */
import { InvalidRequestError } from '../errors';
import type { RunPlan } from './types';

/** Throws InvalidRequestError for an empty command, a limit out of range or a bad environment entry. */
export function validatePlan(plan: RunPlan): void {
  if (plan.argv.length === 0 || !plan.argv[0]) throw new InvalidRequestError('empty command', 'argv');
  const l = plan.limits;
  const positive: Array<keyof typeof l> = [
    'cpuTimeMs',
    'wallTimeMs',
    'memoryBytes',
    'pids',
    'outputBytes',
    'fileSizeBytes',
    'openFiles',
    'diskBytes',
  ];
  for (const k of positive) {
    if (!Number.isFinite(l[k]) || l[k] <= 0) throw new InvalidRequestError(`must be a positive number (got ${l[k]})`, `limits.${k}`);
  }
  for (const k of ['addressSpaceBytes', 'stackBytes'] as const) {
    if (!Number.isFinite(l[k]) || l[k] < 0) throw new InvalidRequestError(`must be zero or positive (got ${l[k]})`, `limits.${k}`);
  }
  for (const [k, v] of Object.entries(plan.env)) {
    if (!k || k.includes('=') || k.includes('\0') || v.includes('\0'))
      throw new InvalidRequestError(`bad environment entry ${JSON.stringify(k)}`, 'env');
  }
}
