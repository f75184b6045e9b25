/**
 * Checks of a run plan before anything is made for it: a bad plan is the caller's error
 * (InvalidRequestError naming the field), never a failed launch.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { RunPlan } from './types';

/** Throws InvalidRequestError for an empty command, a limit out of range, a bad box layer or environment entry. */
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
  const lowers = plan.box?.lowerDirs;
  if (lowers !== undefined) {
    if (plan.box?.mode !== 'overlay') throw new InvalidRequestError('lower layers are only for an overlay /box', 'box.lowerDirs');
    for (const dir of lowers) {
      if (!path.isAbsolute(dir) || /[:,\n]/.test(dir))
        throw new InvalidRequestError(
          `a lower layer must be an absolute path without ':', ',' or a newline: ${JSON.stringify(dir)}`,
          'box.lowerDirs',
        );
    }
  }
  const only = plan.box?.onlyWritable;
  if (only !== undefined) {
    if (!/^[^/\0]{1,255}$/.test(only) || only === '.' || only === '..')
      throw new InvalidRequestError(`must be a plain file name (got ${JSON.stringify(only)})`, 'box.onlyWritable');
    if (plan.box?.readOnly) throw new InvalidRequestError('is not with readOnly (it makes /box read-only itself)', 'box.onlyWritable');
    if (plan.box?.mode === 'overlay' && !plan.box.upper)
      throw new InvalidRequestError('needs a kept upper layer in an overlay /box', 'box.onlyWritable');
  }
  const upper = plan.box?.upper;
  if (upper !== undefined) {
    if (plan.box?.mode !== 'overlay') throw new InvalidRequestError('a kept upper layer is only for an overlay /box', 'box.upper');
    if (plan.box.readOnly) throw new InvalidRequestError('a read-only /box keeps no writes', 'box.upper');
    for (const dir of [upper.dir, upper.work]) {
      if (!path.isAbsolute(dir) || /[:,\n]/.test(dir))
        throw new InvalidRequestError(
          `an upper layer must be an absolute path without ':', ',' or a newline: ${JSON.stringify(dir)}`,
          'box.upper',
        );
    }
  }
  const owned = plan.box?.ownedDirs;
  if (owned !== undefined) {
    if (plan.box?.mode !== 'rw') throw new InvalidRequestError('owned directories are only for an rw /box', 'box.ownedDirs');
    for (const dir of owned) {
      if (!dir.split('/').every((p) => p !== '' && p !== '.' && p !== '..') || dir.includes('\0'))
        throw new InvalidRequestError(`must be a relative path of plain names: ${JSON.stringify(dir)}`, 'box.ownedDirs');
    }
  }
  for (const [k, v] of Object.entries(plan.env)) {
    if (!k || k.includes('=') || k.includes('\0') || v.includes('\0'))
      throw new InvalidRequestError(`bad environment entry ${JSON.stringify(k)}`, 'env');
  }
}
