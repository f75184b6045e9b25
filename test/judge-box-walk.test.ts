/**
 * Host-side walks of a box that untrusted code wrote: bounded in depth and entries, through
 * descriptors (no path grows with the depth), never following a link, and a tree beyond the
 * bounds is the submission's compile error, never an internal error. The trees are built on a
 * tmpfs of their own (as a job directory is), unmounted afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import { removeTree } from '../src/fs/tree-walk';
import { InvalidRequestError } from '../src/errors';
import { listTree, normalizeTreeModes, UnsafeEntryError } from '../src/judge/safe-fs';
import { ImageStore } from '../src/rootfs/store';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { ROOTLESS } from './helpers/mode';
import { liveJobDirs } from './helpers/job-dirs';

let dir: string;

// Rootless (scripts/test-rootless.sh), an ordinary user cannot mount: a plain temporary
// directory holds the trees instead (the walks are the same; only the disk is not capped).
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-walk-'));
  if (!ROOTLESS) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0755', 'caged-test-walk', dir]);
});

afterEach(() => {
  if (!ROOTLESS) execFileSync('umount', ['-l', dir]);
  if (ROOTLESS) removeTree(dir);
  else fs.rmdirSync(dir);
});

/** `depth` nested directories `d` under `root`, each holding a file `f` (mode 0600), as a program would make them. */
function deepTree(root: string, depth: number): void {
  let fd = fs.openSync(root, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  for (let i = 0; i < depth; i++) {
    fs.writeFileSync(`/proc/self/fd/${fd}/f`, 'x', { mode: 0o600 });
    fs.mkdirSync(`/proc/self/fd/${fd}/d`, { mode: 0o700 });
    const next = fs.openSync(`/proc/self/fd/${fd}/d`, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    fs.closeSync(fd);
    fd = next;
  }
  fs.closeSync(fd);
}

describe('when a compile left a tree deeper than PATH_MAX', () => {
  it('normalizes the modes within the bound and reports where it stopped, without throwing', () => {
    const box = path.join(dir, 'box');
    fs.mkdirSync(box);
    deepTree(box, 3000);
    const report = normalizeTreeModes(box);
    expect(report.stopped?.reason).toBe('depth');
    expect(fs.statSync(path.join(box, 'f')).mode & 0o777).toBe(0o644);
    expect(fs.statSync(path.join(box, 'd')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(box, 'd/d/d/f')).mode & 0o777).toBe(0o644);
  });

  it('refuses to cache it as an unsafe tree, not with ENAMETOOLONG', () => {
    deepTree(dir, 3000);
    expect(() => listTree(dir, { maxFiles: 1_000_000, maxBytes: 1e9 })).toThrow(UnsafeEntryError);
  });
});

describe('when a compile left paths longer than the bound', () => {
  it('stops there, leaves the rest as it is, and says so', () => {
    const name = 'n'.repeat(200);
    fs.mkdirSync(path.join(dir, name, name, name, name, name, name), { recursive: true });
    const report = normalizeTreeModes(dir);
    expect(report.stopped?.reason).toBe('path');
    expect(report.entries).toBe(5);
  });
});

describe('when a deep tree is removed', () => {
  it('removes all of it, through no link', () => {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'keep'), 'k');
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    deepTree(tree, 3000);
    fs.symlinkSync(outside, path.join(tree, 'd', 'link'));
    fs.symlinkSync(path.join(outside, 'keep'), path.join(tree, 'd', 'd', 'file-link'));
    removeTree(tree);
    expect(fs.existsSync(tree)).toBe(false);
    expect(fs.readFileSync(path.join(outside, 'keep'), 'utf8')).toBe('k');
    expect(fs.readdirSync(dir).sort()).toEqual(['outside']);
  });

  it('removes names that are not UTF-8, a directory of such a name with what it holds, in bounded time', () => {
    // A box may name files with any bytes; read as text, such a name names no file, and the
    // removal once read the same batch for ever, the event loop blocked. The built module runs
    // in a child with a timeout, so that a loop fails this test instead of hanging it.
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    const at = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
    fs.writeFileSync(path.join(tree, 'x\u00ff\u00fe'), 'ok'); // "xÿþ": text, beside the bytes x ff fe that are not
    const bad = Buffer.from([0x78, 0xff, 0xfe]);
    fs.writeFileSync(at(tree, '/', bad), 'x');
    fs.mkdirSync(at(tree, '/d', bad));
    fs.writeFileSync(at(tree, '/d', bad, '/', bad), 'x');
    fs.mkdirSync(at(tree, '/d', bad, '/sub'));
    expect(fs.readdirSync(tree).length).toBe(3);
    const module = path.join(__dirname, '..', 'dist', 'src', 'fs', 'tree-walk.js');
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(module)}).removeTree(${JSON.stringify(tree)})`], {
      timeout: 30_000,
      encoding: 'utf8',
    });
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(fs.existsSync(tree)).toBe(false);
  });

  it('walks past a name that is not UTF-8, counting it as an entry left as it is', () => {
    const bad = Buffer.from([0x6e, 0xc3, 0x28]);
    fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), bad]), 'x', { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'plain'), 'x', { mode: 0o600 });
    const report = normalizeTreeModes(dir);
    expect(report).toMatchObject({ entries: 1, skipped: 1, stopped: null });
    expect(fs.statSync(path.join(dir, 'plain')).mode & 0o777).toBe(0o644);
    expect(() => listTree(dir, { maxFiles: 10, maxBytes: 1e6 })).toThrow(/could not be read/);
  });

  it('takes a missing tree as already removed', () => {
    expect(() => removeTree(path.join(dir, 'missing'))).not.toThrow();
  });
});

describe('when a compile left more entries than the bound', () => {
  it('stops at the bound quickly and leaves the rest as it is', () => {
    const many = path.join(dir, 'many');
    fs.mkdirSync(many);
    for (let i = 0; i < 12_000; i++) fs.writeFileSync(path.join(many, `f${i}`), '', { mode: 0o600 });
    const started = performance.now();
    const report = normalizeTreeModes(dir);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(report.stopped?.reason).toBe('entries');
    expect(report.entries).toBe(10_000);
  });
});

describe('when the box holds links', () => {
  it('changes nothing through them and does not descend into a linked directory', () => {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside, { mode: 0o700 });
    fs.writeFileSync(path.join(outside, 'secret'), 's', { mode: 0o600 });
    const box = path.join(dir, 'box');
    fs.mkdirSync(path.join(box, 'sub'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'secret'), path.join(box, 'sub', 'file-link'));
    fs.symlinkSync(outside, path.join(box, 'sub', 'dir-link'));
    const report = normalizeTreeModes(box);
    expect(report.stopped).toBeNull();
    expect(fs.statSync(outside).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(outside, 'secret')).mode & 0o777).toBe(0o600);
    expect(report.entries).toBe(3);
  });
});

describe('when the judged compile builds a 3 000-deep tree in /box', () => {
  let sandbox: Sandbox;
  let judge: Judge;
  let store: ImageStore;
  let cacheDir: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    store = new ImageStore();
    const image = await store.registerImage(TEST_MANIFEST);
    const python = image.manifest.languages.find((l) => l.id === 'python3')!;
    // A language whose "compiler" does what a compiler plugin did: builds a deep tree in /box.
    const deep = {
      ...python,
      id: 'deep-tree',
      compile: ['python3', '-c', 'import os\nfor i in range(3000):\n  os.mkdir("d"); os.chdir("d")\n'],
    };
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-walk-cache-'));
    sandbox = await Sandbox.create();
    judge = await Judge.create({
      sandbox,
      image: {
        layers: image.layers,
        manifest: { ...image.manifest, languages: [...image.manifest.languages, deep] },
      },
      compileCacheDir: cacheDir,
    });
  }, 120_000);

  afterAll(async () => {
    await judge?.close();
    await sandbox?.close();
    await store?.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('judges it CE with a note, not an internal error', async () => {
    const r = await judge.judge({ language: 'deep-tree', source: 'print(1)\n', testcases: [{ expected: '1' }] });
    expect(r.verdict).toBe('CE');
    expect(r.compile?.verdict).toBe('CE');
    expect(r.compile?.output).toContain('beyond 64 levels deep');
    expect(r.message).toContain('beyond 64 levels deep');
  }, 60_000);

  it('judges CE a compile that leaves a name that is not UTF-8 (a Perl BEGIN block at perl -c), not an error later', async () => {
    const source = 'BEGIN { open(my $f, ">", "x\\xff\\xfe") or die; close $f; }\nprint "1\\n";\n';
    const r = await judge.judge({ language: 'perl', source, testcases: [{ expected: '1' }] });
    expect([r.verdict, r.compile?.verdict]).toEqual(['CE', 'CE']);
    expect(r.compile?.output).toContain('left 1 entries in /box the judge cannot read');
    expect(liveJobDirs(sandbox.jobsDir)).toEqual([]);
  }, 60_000);

  it('refuses a compiler plugin before any container starts', async () => {
    const before = judge.stats().compiles;
    const err = await judge
      .judge({
        language: 'c',
        files: [
          { name: 'main.c', content: 'int main(void){return 0;}' },
          { name: 'p.so', content: 'not really' },
        ],
        compilerOptions: ['-O2', '-fplugin=./p.so'],
        testcases: [{}],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).field).toBe('compilerOptions[1]');
    expect(judge.stats().compiles).toBe(before);
    expect(liveJobDirs(sandbox.jobsDir)).toEqual([]);
  });

  it('judges a program that builds the tree while it runs normally', async () => {
    const source = 'import os\nfor i in range(3000):\n  os.mkdir("d"); os.chdir("d")\nprint(1)\n';
    const r = await judge.judge({ language: 'python3', source, testcases: [{ expected: '1' }, { expected: '1' }] });
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC']);
  }, 60_000);
});

describe('on a host without overlayfs, when the judged program builds a 3 000-deep tree in /box', () => {
  it("judges it normally: the run's copy of the box is removed without an internal error", async () => {
    const sandbox = await Sandbox.create({ overlay: false, preparedContainers: 0 });
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-walk-cache-'));
    const judge = await Judge.create({
      sandbox,
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      rootfsMode: 'extract',
      compileCacheDir: cacheDir,
    });
    try {
      const source = 'import os\nfor i in range(3000):\n  os.mkdir("d"); os.chdir("d")\nprint(1)\n';
      const r = await judge.judge({ language: 'python3', source, testcases: [{ expected: '1' }, { expected: '1' }] });
      expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC']);
    } finally {
      await judge.close();
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 180_000);
});
