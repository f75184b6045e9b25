/**
 * The layered image build (images/build.sh) with a fixture layer: adding a layer builds that
 * layer only and leaves every other layer's tarball and sha256 as they were; the new layer holds
 * only its own files and its language is listed on it; a layer that deletes or hides files of its
 * parents is refused naming the paths, and nothing is published. Runs as root (chroot, overlay
 * mounts), against the real layer cache: base and python3 are reused when cached (built once,
 * about 3 minutes, otherwise).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ImageManifest, loadManifest } from '../src/rootfs/manifest';

const REPO = path.resolve(__dirname, '..');
const FIXTURE = path.join(REPO, 'test/fixtures/images-layers');
const CACHE = path.join(process.env.CAGED_IMAGE_CACHE ?? '/var/cache/caged', 'layers/debian');
const EXTRA = ['--extra-layers', path.join(FIXTURE, 'layers'), '--extra-languages', path.join(FIXTURE, 'languages')];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-layers-'));
  // The fixture layers are built by this test, never taken from an earlier run's cache.
  if (fs.existsSync(CACHE)) {
    for (const e of fs.readdirSync(CACHE)) if (e.startsWith('fixture')) fs.rmSync(path.join(CACHE, e), { recursive: true, force: true });
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Build {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** images/build.sh debian ARGS into DIR/out (--no-sandbox-selftest: this test is about the layers). */
function build(out: string, args: string[]): Build {
  const r = spawnSync(
    'bash',
    [path.join(REPO, 'images/build.sh'), 'debian', ...args, '--out', path.join(dir, out), '--no-sandbox-selftest'],
    {
      encoding: 'utf8',
      timeout: 15 * 60_000,
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function built(out: string, args: string[]): Promise<ImageManifest> {
  const r = build(out, args);
  if (r.status !== 0) throw new Error(`build.sh ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return loadManifest(path.join(dir, out, 'manifest.json'));
}

const layer = (m: ImageManifest, id: string): ImageManifest['layers'][number] => {
  const l = m.layers.find((x) => x.id === id);
  if (!l) throw new Error(`no layer ${id} in ${m.layers.map((x) => x.id).join(', ')}`);
  return l;
};
const sha256 = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const tarList = (file: string): string[] =>
  spawnSync('tar', ['-tf', file], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .stdout.split('\n')
    .filter(Boolean);

describe('adding a fixture layer on top of python3', () => {
  let before: ImageManifest;
  let after: ImageManifest;
  let output: string;

  beforeAll(async () => {
    before = await built('before', ['python3']);
    const r = build('after', ['python3', 'fixture', ...EXTRA]);
    output = r.stdout + r.stderr;
    if (r.status !== 0) throw new Error(`build.sh with the fixture failed (${r.status}):\n${output}`);
    after = await loadManifest(path.join(dir, 'after', 'manifest.json'));
  }, 30 * 60_000);

  it('builds the new layer and reuses the others', () => {
    expect(output).toMatch(/layer fixture: building/);
    expect(output).not.toMatch(/layer (base|python3): building/);
    expect(output).toMatch(/selftest fixture: OK/);
  });

  it("leaves the other layers' tarballs and digests unchanged", () => {
    expect(after.layers.map((l) => l.id)).toEqual(['base', 'python3', 'fixture']);
    for (const id of ['base', 'python3']) {
      expect(layer(after, id)).toEqual(layer(before, id));
      expect(sha256(path.join(dir, 'after', layer(after, id).tarball))).toBe(layer(before, id).sha256);
    }
  });

  it('lists the new layer with its own digest, size and recipe, on its parent', () => {
    const f = layer(after, 'fixture');
    const file = path.join(dir, 'after', f.tarball);
    expect(f).toMatchObject({ parent: 'python3', packages: [], tarball: `layers/${f.sha256}.tar` });
    expect(sha256(file)).toBe(f.sha256);
    expect(fs.statSync(file).size).toBe(f.sizeBytes);
    expect(f.recipeSha256).not.toBe(layer(after, 'python3').recipeSha256);
    expect(before.layers.map((l) => l.id)).toEqual(['base', 'python3']);
  });

  it("holds only the layer's own files: no parent's file, no directory it only passed through", () => {
    const names = tarList(path.join(dir, 'after', layer(after, 'fixture').tarball));
    expect(names.sort()).toEqual(['./', './opt/', './opt/caged-fixture/', './opt/caged-fixture/ok', './opt/caged-fixture/version']);
  });

  it('lists its language on it with the detected version, without the build-only fields', () => {
    const lang = after.languages.find((l) => l.id === 'fixture');
    expect(lang).toMatchObject({ layer: 'fixture', name: 'Fixture 1.2.3', version: '1.2.3', run: ['/bin/sh', 'main.sh'] });
    expect(lang).not.toHaveProperty('versionCommand');
    expect(before.languages.map((l) => l.id)).not.toContain('fixture');
  });

  it(
    'gives the same tarball when built again from the cache',
    async () => {
      const again = await built('again', ['fixture', ...EXTRA]);
      expect(layer(again, 'fixture')).toEqual(layer(after, 'fixture'));
      expect(again.layers.map((l) => l.id)).toEqual(['base', 'python3', 'fixture']);
    },
    15 * 60_000,
  );
});

describe('a layer rebuilt with --force', () => {
  it(
    'is rebuilt alone, and the layers on it are rebuilt when next asked for (they were built on its old tarball)',
    async () => {
      const first = await built('chain1', ['fixture-child', ...EXTRA]);
      const r = build('forced', ['fixture', '--force', ...EXTRA]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/layer fixture: building/);
      expect(r.stdout).not.toMatch(/layer (base|python3): building/);
      const forced = await loadManifest(path.join(dir, 'forced', 'manifest.json'));
      expect(layer(forced, 'fixture').sha256).not.toBe(layer(first, 'fixture').sha256);
      expect(layer(forced, 'python3')).toEqual(layer(first, 'python3'));

      const again = build('chain2', ['fixture-child', ...EXTRA]);
      expect(again.status).toBe(0);
      expect(again.stdout).toMatch(/layer fixture-child: building/);
      expect(again.stdout).not.toMatch(/layer fixture: building/);
      const second = await loadManifest(path.join(dir, 'chain2', 'manifest.json'));
      expect(layer(second, 'fixture')).toEqual(layer(forced, 'fixture'));
      expect(layer(second, 'fixture-child').sha256).not.toBe(layer(first, 'fixture-child').sha256);
    },
    15 * 60_000,
  );
});

describe('a layer that changes its parents', () => {
  it(
    'is refused when it deletes a parent file, naming the path; nothing is published',
    () => {
      const r = build('deletes', ['fixture-deletes', ...EXTRA]);
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(
        /layer fixture-deletes deletes files of its parent layers \(overlay whiteouts\).*\/etc\/debian_version/,
      );
      expect(fs.existsSync(path.join(dir, 'deletes'))).toBe(false);
      expect(fs.readdirSync(CACHE).filter((e) => e.startsWith('fixture-deletes-') && !e.endsWith('.lock'))).toEqual([]);
    },
    15 * 60_000,
  );

  it(
    'is refused when it replaces a parent directory by its own, naming the path',
    () => {
      const r = build('hides', ['fixture-hides', ...EXTRA]);
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(
        /layer fixture-hides hides or renames directories of its parent layers.*\/etc\/apt\/apt\.conf\.d/,
      );
      expect(fs.existsSync(path.join(dir, 'hides'))).toBe(false);
    },
    15 * 60_000,
  );
});
