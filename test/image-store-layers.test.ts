/**
 * The image store with layered images (each layer registered by its own digest and shared
 * between images, a tampered layer refused), its gc (only what no live store uses), and the real
 * Debian image unpacked entry for entry as its tarballs say. Runs as root (CI does), like the worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import {
  baseDir,
  cacheContents,
  cacheDir,
  gnuTarImage,
  layeredImage,
  REAL_MANIFEST,
  store,
  useImageStoreFixture,
} from './helpers/image-store';

useImageStoreFixture();

describe('a layered image', () => {
  const baseFill = (src: string) => fs.writeFileSync(path.join(src, 'base-file'), 'base');

  it('registers every layer by its own digest, and shares a layer with another image', async () => {
    const one = await layeredImage('one', [
      { id: 'base', parent: null, fill: baseFill },
      { id: 'gcc', parent: 'base', fill: (src) => fs.writeFileSync(path.join(src, 'gcc-file'), 'gcc') },
    ]);
    const two = await layeredImage('two', [
      { id: 'base', parent: null, fill: baseFill },
      { id: 'jdk', parent: 'base', fill: (src) => fs.writeFileSync(path.join(src, 'jdk-file'), 'jdk') },
    ]);
    const a = await store().registerImage(one);
    expect(a.layers.map((l) => [l.id, l.parent, l.unpacked])).toEqual([
      ['base', null, true],
      ['gcc', 'base', true],
    ]);
    expect(fs.readdirSync(a.layers[1]!.rootfsDir)).toEqual(['gcc-file']);
    expect(a.layers[1]!.rootfsDir).toBe(path.join(cacheDir(), a.layers[1]!.digest, 'rootfs'));
    const b = await store().registerImage(two);
    expect(b.layers.map((l) => [l.id, l.unpacked])).toEqual([
      ['base', false],
      ['jdk', true],
    ]);
    expect(b.layers[0]!.digest).toBe(a.layers[0]!.digest);
    expect(cacheContents()).toEqual([a.layers[0]!.digest, a.layers[1]!.digest, b.layers[1]!.digest].sort());
    await expect(store().register(one)).rejects.toThrow(/has 2 layers; register it with registerImage/);
  });

  it('refuses a tampered layer naming it, and keeps no mark on the layers before it', async () => {
    const m = await layeredImage('bad', [
      { id: 'base', parent: null, fill: baseFill },
      { id: 'gcc', parent: 'base', fill: (src) => fs.writeFileSync(path.join(src, 'gcc-file'), 'gcc') },
    ]);
    fs.appendFileSync(path.join(baseDir(), 'bad', 'layers', 'gcc.tar'), 'x');
    const s = store();
    await expect(s.registerImage(m)).rejects.toThrow(/gcc\.tar: sha256 mismatch: .* for layer "gcc" but the file's sha256 is/);
    // The base was unpacked, but the store that failed holds it no more: gc may take it.
    expect(cacheContents()).toHaveLength(1);
    expect(await store().gc([])).toHaveLength(1);
  });
});

describe('gc', () => {
  it('removes images no live store uses, keeps the rest, and cleans up their locks', async () => {
    const a = await gnuTarImage('a', (src) => fs.writeFileSync(path.join(src, 'a'), 'a'));
    const b = await gnuTarImage('b', (src) => fs.writeFileSync(path.join(src, 'b'), 'b'));
    const first = store();
    const [ia, ib] = [await first.register(a), await first.register(b)];
    await first.close();
    const user = store();
    await user.register(b);
    const janitor = store();
    expect(await janitor.gc([])).toEqual([ia.digest]);
    expect((await janitor.list()).map((e) => [e.digest, e.inUse])).toEqual([[ib.digest, true]]);
    await user.close();
    expect(await janitor.gc([ib.digest])).toEqual([]);
    expect(await janitor.gc([])).toEqual([ib.digest]);
    expect(fs.readdirSync(cacheDir())).toEqual([]);
  });
});

describe('the real Debian image', () => {
  it('registers, and the unpacked tree matches the tarball entry for entry', async () => {
    if (!fs.existsSync(REAL_MANIFEST)) {
      throw new Error(`${REAL_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    }
    const started = Date.now();
    const image = await store().registerImage(REAL_MANIFEST);
    const ms = Date.now() - started;
    const sum = (f: (l: (typeof image.layers)[number]) => number): number => image.layers.reduce((n, l) => n + f(l), 0);
    console.log(
      `registering the real image (${image.layers.length} layers, ${(sum((l) => l.sizeBytes) / 2 ** 20).toFixed(0)} MiB): ${ms} ms ` +
        `(hash ${Math.round(sum((l) => l.timings.hashMs))} ms, unpack ${Math.round(sum((l) => l.timings.unpackMs))} ms)`,
    );
    const bottom = image.layers.find((l) => l.parent === null)!.rootfsDir;
    expect(image.layers.some((l) => fs.existsSync(path.join(l.rootfsDir, 'usr/bin/gcc')))).toBe(true);
    expect(fs.statSync(path.join(bottom, 'box')).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(bottom, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(fs.readdirSync(path.join(bottom, 'dev'))).toEqual([]);

    const mismatches: string[] = [];
    for (const layer of image.layers) {
      const root = layer.rootfsDir;
      await tar.t({
        file: layer.tarball,
        onReadEntry: (e) => {
          const p = path.join(root, e.path);
          // A missing entry is a mismatch of the test, never an exception thrown into tar's stream.
          const st = fs.lstatSync(p, { throwIfNoEntry: false });
          if (!st) {
            mismatches.push(`${layer.id}: ${e.path}: missing`);
            return;
          }
          if (e.type === 'SymbolicLink' && !st.isSymbolicLink()) {
            mismatches.push(`${layer.id}: ${e.path}: not a symbolic link`);
            return;
          }
          const link = e.type === 'SymbolicLink' ? fs.readlinkSync(p) : undefined;
          if (e.type !== 'SymbolicLink' && (st.mode & 0o7777) !== e.mode)
            mismatches.push(`${layer.id}: ${e.path}: mode ${st.mode.toString(8)} != ${e.mode?.toString(8)}`);
          if (st.uid !== e.uid || st.gid !== e.gid)
            mismatches.push(`${layer.id}: ${e.path}: owner ${st.uid}:${st.gid} != ${e.uid}:${e.gid}`);
          if (link !== undefined && link !== e.linkpath) mismatches.push(`${layer.id}: ${e.path}: link ${link} != ${e.linkpath}`);
        },
      });
    }
    expect(mismatches).toEqual([]);
    // 26 layers, 4.6 GiB: ~125 s on a quiet machine, more beside the other suites in CI.
  }, 600_000);
});
