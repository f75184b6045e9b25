/**
 * The doctor's options from the worker's configuration (the CAGED_* variables, src/config.ts),
 * so that it judges the host for the worker that this environment would start.
 */
import path from 'node:path';
import { diskCapsAsked, loadConfig, type WorkerConfig } from '../config';
import { stateDir } from '../linux/state-dirs';
import type { DoctorOptions } from './doctor';

/** How long the doctor waits for Redis's PONG, in milliseconds. */
export const REDIS_TIMEOUT_MS = 2000;

const KEYS = [
  'redisUrl',
  'image',
  'rootfs',
  'rootless',
  'rootlessSingleUid',
  'rlimitsOnly',
  'stateDir',
  'devicePool',
  'jobsDir',
  'cpus',
  'diskBytesPerSecond',
  'diskIops',
] as const;

export function doctorOptionsFromEnv(env: NodeJS.ProcessEnv, opts: { checkRedis: boolean }): DoctorOptions {
  return doctorOptions(loadConfig(env, KEYS), { ...opts, diskAsked: diskCapsAsked(env) });
}

/** The options for a worker of this configuration. */
export function doctorOptions(
  config: Pick<WorkerConfig, (typeof KEYS)[number]>,
  opts: { checkRedis: boolean; diskAsked?: boolean },
): DoctorOptions {
  return {
    rootless: config.rootless,
    singleUid: config.rootlessSingleUid === 'yes',
    rlimitsOnly: config.rlimitsOnly === 'yes',
    cpus: config.cpus,
    disk: { bytesPerSecond: config.diskBytesPerSecond, iops: config.diskIops, asked: opts.diskAsked ?? false },
    rootfs: config.rootfs,
    manifestPath: config.image,
    // Empty: the default of src/linux/state-dirs.ts (root's, or the user's own).
    imageCacheDir: path.join(stateDir({ ...process.env, CAGED_STATE_DIR: config.stateDir }), 'images'),
    devicePool: config.devicePool === '' ? null : config.devicePool,
    jobsDir: config.jobsDir === '' ? null : config.jobsDir,
    stateDir: stateDir({ ...process.env, CAGED_STATE_DIR: config.stateDir }),
    redisUrl: opts.checkRedis ? config.redisUrl : null,
    redisTimeoutMs: REDIS_TIMEOUT_MS,
    nodePath: process.execPath,
  };
}
