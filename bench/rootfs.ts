/**
 * bench/rootfs: per-job root filesystem prepare + teardown on the Debian image.
 * - overlay: the same mounts a container's init makes (size-capped tmpfs, upper/work dirs,
 *   overlay on the cached image) and their removal, done here in the host's namespace so that
 *   only the rootfs cost is timed;
 * - extract: the whole tarball unpacked for the job with GNU tar, then removed;
 * - for scale, one unpack with node's tar package (what the image store uses once per digest).
 * Run: `npm run build && node dist/bench/rootfs.js [overlayRuns] [extractRuns]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import koffi from 'koffi';
import * as tar from 'tar';
import { prepareJobRootfs } from '../src/rootfs/job-rootfs';
import { ImageStore } from '../src/rootfs/store';
import { soleLayer } from '../src/rootfs/manifest';
import { BENCH_MANIFEST, percentile } from './common';

const OVERLAY_RUNS = Number(process.argv[2] ?? 500);
const EXTRACT_RUNS = Number(process.argv[3] ?? 5);

async function main(): Promise<void> {
  if (!fs.existsSync(BENCH_MANIFEST)) throw new Error(`image ${BENCH_MANIFEST} missing: run \`npm run image:build -- debian\``);
  const image = await new ImageStore().register(BENCH_MANIFEST);
  const tarball = path.join(path.dirname(BENCH_MANIFEST), soleLayer(image.manifest, BENCH_MANIFEST).tarball);
  const sizeMiB = fs.statSync(tarball).size / 2 ** 20;

  const libc = koffi.load('libc.so.6');
  const mount = libc.func('int mount(const char *src, const char *dst, const char *fstype, unsigned long flags, const char *data)');
  const umount2 = libc.func('int umount2(const char *target, int flags)');
  const base = fs.mkdtempSync('/run/caged-bench-');
  const scratch = path.join(base, 'scratch');
  const root = path.join(base, 'root');
  fs.mkdirSync(scratch);
  fs.mkdirSync(root);
  const check = (rc: number, what: string) => {
    if (rc !== 0) throw new Error(`${what}: errno ${koffi.errno()}`);
  };
  const overlayOnce = () => {
    check(mount('caged', scratch, 'tmpfs', 2 | 4, 'size=67108864,mode=0755') as number, 'mount tmpfs');
    fs.mkdirSync(path.join(scratch, 'up'));
    fs.mkdirSync(path.join(scratch, 'work'));
    check(
      mount('overlay', root, 'overlay', 2 | 4, `lowerdir=${image.rootfsDir},upperdir=${scratch}/up,workdir=${scratch}/work`) as number,
      'mount overlay',
    );
    check(umount2(root, 2 /* MNT_DETACH */) as number, 'umount overlay');
    check(umount2(scratch, 2) as number, 'umount tmpfs');
  };
  const overlay: number[] = [];
  try {
    for (let i = 0; i < 20; i++) overlayOnce();
    for (let i = 0; i < OVERLAY_RUNS; i++) {
      const t = process.hrtime.bigint();
      overlayOnce();
      overlay.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }

  const extract: number[] = [];
  for (let i = 0; i < EXTRACT_RUNS; i++) {
    const job = fs.mkdtempSync('/var/lib/caged/bench-job-');
    const t = process.hrtime.bigint();
    await prepareJobRootfs('extract', { rootfsDir: image.rootfsDir, tarball }, job);
    fs.rmSync(job, { recursive: true, force: true });
    extract.push(Number(process.hrtime.bigint() - t) / 1e6);
  }

  const nodeTarDir = fs.mkdtempSync('/var/lib/caged/bench-nodetar-');
  const t = process.hrtime.bigint();
  await tar.x({ file: tarball, cwd: nodeTarDir, preserveOwner: true });
  const nodeTarMs = Number(process.hrtime.bigint() - t) / 1e6;
  fs.rmSync(nodeTarDir, { recursive: true, force: true });

  console.log(`bench/rootfs: image ${image.manifest.name} (${sizeMiB.toFixed(0)} MiB tarball, digest ${image.digest.slice(0, 12)})`);
  console.log(
    `overlay  prepare+teardown  p50 ${percentile(overlay, 50).toFixed(3)} ms  p99 ${percentile(overlay, 99).toFixed(3)} ms  (${OVERLAY_RUNS} runs; target <= 0.5 ms)`,
  );
  console.log(`extract  prepare+teardown  p50 ${percentile(extract, 50).toFixed(1)} ms  (${EXTRACT_RUNS} runs, GNU tar + rm -r)`);
  console.log(`ratio extract / overlay    ${(percentile(extract, 50) / percentile(overlay, 50)).toFixed(0)}x`);
  console.log(`one unpack with node's tar package: ${nodeTarMs.toFixed(0)} ms (the image store does this once per digest)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
