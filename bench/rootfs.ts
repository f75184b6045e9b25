/**
 * bench/rootfs: per-job root filesystem prepare + teardown on the Debian image.
 * - overlay: the same mounts a container's init makes (size-capped tmpfs, upper/work dirs, the
 *   layers linked as root-low0..N in it, overlay with relative lowerdir names) and their removal,
 *   done here in the host's namespace so that only the rootfs cost is timed. Two stacks in the
 *   same run, interleaved: the base layer alone, and a chain of the base plus 2 layers (a real
 *   3-layer chain of the image, e.g. clang > gcc > base, or two small layers made here when the
 *   image has none: then said so). Target: the 3-layer mount within 1.2x of the base alone.
 * - extract: the whole image (every layer, base first) unpacked for the job with GNU tar, then
 *   removed;
 * - for scale, one unpack of the base with node's tar package (what the image store does once
 *   per digest).
 * Run: `npm run build && node dist/bench/rootfs.js [overlayRuns] [extractRuns]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import koffi from 'koffi';
import * as tar from 'tar';
import { prepareJobRootfs } from '../src/rootfs/job-rootfs';
import { layerChain } from '../src/rootfs/layers';
import { ImageStore } from '../src/rootfs/store';
import { BENCH_MANIFEST, percentile } from './common';

const OVERLAY_RUNS = Number(process.argv[2] ?? 500);
const EXTRACT_RUNS = Number(process.argv[3] ?? 5);

/** Two small layers (a few hundred files each, like a small toolchain's top directories), for an image without a 3-layer chain. */
function syntheticLayers(dir: string): string[] {
  return ['upper', 'middle'].map((name) => {
    const root = path.join(dir, name);
    for (let d = 0; d < 20; d++) {
      const sub = path.join(root, 'opt', name, `d${d}`);
      fs.mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 20; f++) fs.writeFileSync(path.join(sub, `f${f}`), `${name} ${d} ${f}\n`);
    }
    fs.mkdirSync(path.join(root, 'usr', 'bin'), { recursive: true });
    fs.writeFileSync(path.join(root, 'usr', 'bin', `${name}-tool`), '#!/bin/sh\n', { mode: 0o755 });
    return root;
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync(BENCH_MANIFEST)) throw new Error(`image ${BENCH_MANIFEST} missing: run \`npm run image:build -- debian\``);
  const image = await new ImageStore().registerImage(BENCH_MANIFEST);
  const baseLayer = image.layers.find((l) => l.parent === null)!;
  const sizeMiB = image.layers.reduce((n, l) => n + l.sizeBytes, 0) / 2 ** 20;
  const whole = { top: image.layers[image.layers.length - 1]!.id, layers: [...image.layers].reverse() };

  const synthDir = fs.mkdtempSync('/var/lib/caged/bench-layers-');
  const real = image.layers.map((l) => layerChain(image.layers, l.id)).find((c) => c.length === 3);
  const stackName = real ? real.map((l) => l.id).join(' > ') : 'two small layers made here > base (the image has no 3-layer chain)';
  const three = real ? real.map((l) => l.rootfsDir) : [...syntheticLayers(synthDir), baseLayer.rootfsDir];
  const one = [baseLayer.rootfsDir];

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
  const cwd = process.cwd();
  // As mount-plan.ts does: the layers by relative names, in the scratch tmpfs.
  const overlayOnce = (lowers: readonly string[]) => {
    check(mount('caged', scratch, 'tmpfs', 2 | 4, 'size=67108864,mode=0755') as number, 'mount tmpfs');
    fs.mkdirSync(path.join(scratch, 'root-up'));
    fs.mkdirSync(path.join(scratch, 'root-work'));
    lowers.forEach((dir, i) => fs.symlinkSync(dir, path.join(scratch, `root-low${i}`)));
    process.chdir(scratch);
    const names = lowers.map((_, i) => `root-low${i}`).join(':');
    check(mount('overlay', root, 'overlay', 2 | 4, `lowerdir=${names},upperdir=root-up,workdir=root-work`) as number, 'mount overlay');
    process.chdir(cwd);
    check(umount2(root, 2 /* MNT_DETACH */) as number, 'umount overlay');
    check(umount2(scratch, 2) as number, 'umount tmpfs');
  };
  const overlay1: number[] = [];
  const overlay3: number[] = [];
  const timed = (lowers: readonly string[], into: number[]) => {
    const t = process.hrtime.bigint();
    overlayOnce(lowers);
    into.push(Number(process.hrtime.bigint() - t) / 1e6);
  };
  try {
    for (let i = 0; i < 20; i++) {
      overlayOnce(one);
      overlayOnce(three);
    }
    // Interleaved, in alternating order: drift and cache warmth hit both stacks alike.
    for (let i = 0; i < OVERLAY_RUNS; i++) {
      if (i % 2) {
        timed(one, overlay1);
        timed(three, overlay3);
      } else {
        timed(three, overlay3);
        timed(one, overlay1);
      }
    }
  } finally {
    process.chdir(cwd);
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(synthDir, { recursive: true, force: true });
  }

  const extract: number[] = [];
  for (let i = 0; i < EXTRACT_RUNS; i++) {
    const job = fs.mkdtempSync('/var/lib/caged/bench-job-');
    const t = process.hrtime.bigint();
    await prepareJobRootfs('extract', whole, job);
    fs.rmSync(job, { recursive: true, force: true });
    extract.push(Number(process.hrtime.bigint() - t) / 1e6);
  }

  const nodeTarDir = fs.mkdtempSync('/var/lib/caged/bench-nodetar-');
  const t = process.hrtime.bigint();
  await tar.x({ file: baseLayer.tarball, cwd: nodeTarDir, preserveOwner: true });
  const nodeTarMs = Number(process.hrtime.bigint() - t) / 1e6;
  fs.rmSync(nodeTarDir, { recursive: true, force: true });

  const [p1, p3] = [percentile(overlay1, 50), percentile(overlay3, 50)];
  console.log(
    `bench/rootfs: image ${image.manifest.name} (${image.layers.length} layers, ${sizeMiB.toFixed(0)} MiB of tarballs, base ${baseLayer.digest.slice(0, 12)})`,
  );
  console.log(
    `overlay  base alone          prepare+teardown  p50 ${p1.toFixed(3)} ms  p99 ${percentile(overlay1, 99).toFixed(3)} ms  (${OVERLAY_RUNS} runs; target <= 0.5 ms)`,
  );
  console.log(
    `overlay  base + 2 layers     prepare+teardown  p50 ${p3.toFixed(3)} ms  p99 ${percentile(overlay3, 99).toFixed(3)} ms  (${OVERLAY_RUNS} runs, interleaved; ${stackName})`,
  );
  console.log(`ratio 3 layers / base alone  ${(p3 / p1).toFixed(2)}x  (target <= 1.2x)`);
  console.log(
    `extract  whole image         prepare+teardown  p50 ${percentile(extract, 50).toFixed(1)} ms  (${EXTRACT_RUNS} runs, GNU tar of ${image.layers.length} layer(s) + rm -r)`,
  );
  console.log(`ratio extract / overlay      ${(percentile(extract, 50) / p1).toFixed(0)}x`);
  console.log(`one unpack of the base with node's tar package: ${nodeTarMs.toFixed(0)} ms (the image store does this once per digest)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
