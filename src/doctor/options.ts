/**
 * The doctor's options from the worker's configuration (the CAGED_* variables), so that it
 * judges the host for the worker that this environment would start.
 */
import path from 'node:path';
import { loadConfig, type WorkerConfig } from '../config';
import { InvalidRequestError } from '../errors';
import { stateDir } from '../linux/state-dirs';
import type { DoctorOptions } from './doctor';

/** How long the doctor waits for Redis's PONG, in milliseconds. */
export const REDIS_TIMEOUT_MS = 2000;

export function doctorOptionsFromEnv(env: NodeJS.ProcessEnv, opts: { checkRedis: boolean }): DoctorOptions {
  return doctorOptions(loadConfig(env, ['redisUrl', 'image', 'rootfs']), env, opts);
}

/** The options for a worker of this configuration (the rootless keys are read from `env`). */
export function doctorOptions(
  config: Pick<WorkerConfig, 'redisUrl' | 'image' | 'rootfs'>,
  env: NodeJS.ProcessEnv,
  opts: { checkRedis: boolean },
): DoctorOptions {
  const rootless = choice(env, 'CAGED_ROOTLESS', ['auto', 'yes', 'no'] as const, 'auto');
  return {
    rootless,
    singleUid: choice(env, 'CAGED_ROOTLESS_SINGLE_UID', ['no', 'yes'] as const, 'no') === 'yes',
    rlimitsOnly: choice(env, 'CAGED_RLIMITS_ONLY', ['no', 'yes'] as const, 'no') === 'yes',
    rootfs: config.rootfs,
    manifestPath: config.image,
    imageCacheDir: path.join(stateDir(env), 'images'),
    redisUrl: opts.checkRedis ? config.redisUrl : null,
    redisTimeoutMs: REDIS_TIMEOUT_MS,
    nodePath: process.execPath,
  };
}

function choice<const T extends readonly string[]>(env: NodeJS.ProcessEnv, name: string, values: T, def: T[number]): T[number] {
  const v = env[name]?.trim();
  if (v === undefined || v === '') return def;
  if (!values.includes(v)) throw new InvalidRequestError(`must be one of ${values.join(', ')} (got ${JSON.stringify(v)})`, name);
  return v;
}
