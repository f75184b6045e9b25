/**
 * The per-job root filesystem. Two modes, chosen once at start-up:
 *
 * - `overlay` (default): the cached, read-only unpacked layers of the job's language's chain
 *   are the lower layers (top first); each run's
 *   upper and work directories live on a size-capped tmpfs mounted inside the run's own mount
 *   namespace (see src/sandbox/mount-plan.ts), so the writable layer costs one mount and
 *   disappears with the container. Nothing to prepare or remove on the host.
 * - `extract`: the chain's tarballs are unpacked (GNU tar), base first, into the job's
 *   directory, for hosts without overlayfs; the job directory's removal removes it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HostError, ImageError } from '../errors';
import { overlaySupported } from '../linux/kernel-features';
import type { RootfsSpec } from '../sandbox/types';

export type RootfsMode = 'overlay' | 'extract';

/** Whether the kernel offers overlayfs: a kernel feature, read in the sandbox layer. */
export { overlaySupported };

/**
 * Resolves the configured mode: `auto` takes overlay where the kernel has it and says so;
 * an explicit `overlay` on a kernel without it is an error, never a silent fallback.
 */
export function chooseRootfsMode(configured: RootfsMode | 'auto', hasOverlay = overlaySupported()): { mode: RootfsMode; reason: string } {
  if (configured === 'extract') return { mode: 'extract', reason: 'configured' };
  if (hasOverlay) return { mode: 'overlay', reason: configured === 'auto' ? 'auto: the kernel has overlayfs' : 'configured' };
  if (configured === 'overlay')
    throw new HostError('rootfs mode "overlay" is configured but this kernel has no overlayfs (see /proc/filesystems); use "extract"');
  return { mode: 'extract', reason: 'auto: the kernel has no overlayfs' };
}

/** One unpacked layer of an image (the store's cache entry). */
export interface JobLayer {
  /** The unpacked, read-only layer. */
  rootfsDir: string;
  /** The verified layer tarball. */
  tarball: string;
}

/** The chain of layers a job's language runs on, top first (the overlay's lowerdir order). */
export interface LayerChainForJobs {
  /** The top layer's id: names the chain's directory in rootfs mode `extract`. */
  top: string;
  layers: readonly JobLayer[];
}

/**
 * Size of a job directory's tmpfs: the job's own disk quota, plus in extract mode the unpacked
 * layers it may hold (`imageBytes`: all the image's layers, with 10% for filesystem overhead).
 * Extract mode costs that much RAM per job.
 */
export function jobDirBytes(mode: RootfsMode, imageBytes: number, quotaBytes: number): number {
  return mode === 'extract' ? Math.ceil(imageBytes * 1.1) + quotaBytes : quotaBytes;
}

/**
 * Gives a job the root filesystem of one chain in the chosen mode (the job dir sized by
 * jobDirBytes): the layers as the overlay's lower directories, or untarred bottom up (a layer
 * has no whiteouts, so each tarball only adds and replaces) into `<jobDir>/rootfs-<top>`.
 */
export async function prepareJobRootfs(mode: RootfsMode, chain: LayerChainForJobs, jobDir: string): Promise<RootfsSpec> {
  if (chain.layers.length === 0) throw new TypeError(`the chain of layer ${chain.top} has no layer`);
  if (mode === 'overlay') return { mode: 'overlay', lowerDirs: chain.layers.map((l) => l.rootfsDir) };
  const dir = path.join(jobDir, `rootfs-${chain.top}`);
  fs.mkdirSync(dir, { mode: 0o755 });
  for (const layer of [...chain.layers].reverse()) await untar(layer.tarball, dir);
  return { mode: 'dir', dir };
}

function untar(tarball: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // As root GNU tar keeps owners; --numeric-owner ignores the host's user database.
    const child = spawn('tar', ['--numeric-owner', '--same-permissions', '-xf', tarball, '-C', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4096) err += d.toString();
    });
    child.on('error', (e) => reject(new HostError(`extracting ${tarball}: ${e.message} (GNU tar is needed for rootfs mode "extract")`)));
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new ImageError(`extracting ${tarball} into ${dir} failed (tar exit ${code}): ${err.trim().split('\n')[0]}`)),
    );
  });
}
