/**
 * Layered images at run time, on the real kernel with the real test image as the base: a
 * fixture image (schema 2) is made here from the test image's layers plus three tiny layers,
 * `fakelang` (/opt/fakelang/bin/hello) with `fakelang2` on it, and `otherlang` beside them on
 * the base, with a language on each. A job mounts its language's chain and nothing else, in
 * both rootfs modes, and its checker the checker's language's chain; mountinfo names no host
 * path for a 3-layer chain; a language the worker's image lacks and an unknown one are refused
 * unretried through the queue; the worker logs its languages; `caged selftest` judges
 * self-tests and fails on a failing one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { InvalidRequestError } from '../src/errors';
import { Judge } from '../src/judge/judge';
import { defaultLanguagesDir, languageTableIds } from '../src/judge/language-table';
import type { JudgeResult, SubmissionInput } from '../src/judge/schema';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { chainDigest, layerChain } from '../src/rootfs/layers';
import { type ImageManifest, loadManifest } from '../src/rootfs/manifest';
import { sha256File } from '../src/rootfs/store';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { MAIN_JS, REDIS_URL, WorkerProcess, freshQueueName, obliterate, until } from './helpers/queue';

let dir: string;
let fixture: string;
let real: ImageManifest;
/** The base layer's digest, and the fixture layers' by id. */
const digests: Record<string, string> = {};
/** A language of caged's table that the real image has and the fixture leaves out. */
let uninstalled: string;

const sh = (id: string, layer: string) => ({
  id,
  name: `${id} (fixture)`,
  version: '1',
  sourceFile: 'main.sh',
  compile: null,
  run: ['/bin/sh', 'main.sh'],
  env: { FIXTURE: id },
  timeFactor: 1,
  memoryFactor: 1,
  layer,
});

/** A layer tarball from `files` (path → content, executable when it starts with #!), reproducible. */
async function makeLayer(id: string, parent: string, files: Record<string, string>): Promise<Record<string, unknown>> {
  const src = path.join(dir, `src-${id}`);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.join(src, path.dirname(rel)), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(src, rel), content, { mode: content.startsWith('#!') ? 0o755 : 0o644 });
  }
  const rel = `layers/${id}.tar`;
  const top = [...new Set(Object.keys(files).map((f) => f.split('/')[0]!))];
  execFileSync('tar', [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-cf',
    path.join(dir, rel),
    '-C',
    src,
    ...top,
  ]);
  const sha256 = await sha256File(path.join(dir, rel));
  digests[id] = sha256;
  return {
    id,
    parent,
    tarball: rel,
    sha256,
    sizeBytes: fs.statSync(path.join(dir, rel)).size,
    recipeSha256: 'e'.repeat(64),
    packages: [],
    buildSeconds: 0,
  };
}

beforeAll(async () => {
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\``);
  real = await loadManifest(TEST_MANIFEST);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-layered-'));
  fs.mkdirSync(path.join(dir, 'layers'), { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const realDir = path.dirname(TEST_MANIFEST);
  // The test image's own layers, linked (a schema-1 image is read as one layer, `base`).
  const baseLayers = real.layers.map((l) => ({ ...l, tarball: `layers/real-${l.id}.tar` }));
  real.layers.forEach((l, i) => fs.symlinkSync(path.join(realDir, l.tarball), path.join(dir, baseLayers[i]!.tarball)));
  const root = baseLayers.find((l) => l.parent === null)!;
  digests.base = root.sha256;

  const layers = [
    ...baseLayers,
    await makeLayer('fakelang', root.id, { 'opt/fakelang/bin/hello': '#!/bin/sh\necho "hello from fakelang $FIXTURE"\n' }),
    await makeLayer('fakelang2', 'fakelang', { 'opt/fakelang/lib/extra': 'extra\n' }),
    await makeLayer('otherlang', root.id, { 'opt/otherlang/bin/other': '#!/bin/sh\necho other\n' }),
  ];
  const table = languageTableIds(defaultLanguagesDir());
  uninstalled = real.languages.map((l) => l.id).find((id) => table.includes(id) && id !== 'python3' && id !== 'c')!;
  expect(uninstalled).toBeDefined();
  const manifest = {
    schema: 2,
    name: 'caged-layered-fixture',
    flavor: real.flavor,
    base: real.base,
    createdAt: new Date().toISOString(),
    recipeSha256: 'f'.repeat(64),
    env: real.env,
    layers,
    languages: [...real.languages.filter((l) => l.id !== uninstalled), sh('fakesh', 'fakelang2'), sh('othersh', 'otherlang')],
  };
  fixture = path.join(dir, 'manifest.json');
  fs.writeFileSync(fixture, JSON.stringify(manifest, null, 2));
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const SEES = 'for d in /opt/fakelang /opt/otherlang; do test -e $d && echo "sees $d" || echo "no $d"; done';
const PY_SEES = "import os\nfor d in ('/opt/fakelang', '/opt/otherlang'):\n    print(('sees ' if os.path.exists(d) else 'no ') + d)\n";
/** A Python checker: accepts the hello line, and checks that its own root has no fixture layer. */
const PY_CHECKER =
  "import os, sys\nout = open(sys.argv[2]).read()\nok = out.startswith('hello from fakelang fakesh') and not os.path.exists('/opt/fakelang')\nsys.exit(0 if ok else 1)\n";

/** The real image's chain for python3 (the base alone in a schema-1 image). */
const pythonChain = () => layerChain(real.layers, real.languages.find((l) => l.id === 'python3')!.layer);

function one(language: string, source: string, extra: Partial<SubmissionInput> = {}): SubmissionInput {
  return { language, source, testcases: [{ stdin: '' }], ...extra };
}
const stdout = (r: JudgeResult): string => {
  expect(r.verdict).toBe('AC');
  return Buffer.from(r.tests[0]!.stdout, r.tests[0]!.stdoutEncoding).toString();
};

describe.each([
  ['overlay', true],
  ['extract', false],
] as const)('a layered image in rootfs mode %s', (mode, overlay) => {
  let sandbox: Sandbox;
  let judge: Judge;

  beforeAll(async () => {
    sandbox = await Sandbox.create({ overlay });
    judge = await Judge.create({ sandbox, manifestPath: fixture, compileCacheBytes: 0 });
    expect(judge.rootfs.mode).toBe(mode);
  }, 300_000);
  afterAll(async () => {
    await judge?.close();
    await sandbox?.close();
  });

  it("gives a base language's job none of the other layers", async () => {
    const r = await judge.judge(one('python3', PY_SEES));
    expect(stdout(r)).toBe('no /opt/fakelang\nno /opt/otherlang\n');
    const chain = pythonChain();
    expect(r.image).toEqual({ name: 'caged-layered-fixture', digest: chainDigest(chain.map((l) => l.sha256)) });
  }, 60_000);

  it('gives the fixture language its 3-layer chain and nothing of the sibling layer', async () => {
    const r = await judge.judge(one('fakesh', `/opt/fakelang/bin/hello; cat /opt/fakelang/lib/extra; ${SEES}`));
    expect(stdout(r)).toBe('hello from fakelang fakesh\nextra\nsees /opt/fakelang\nno /opt/otherlang\n');
    expect(r.image.digest).toBe(chainDigest([digests.fakelang2!, digests.fakelang!, digests.base!]));
    const other = await judge.judge(one('othersh', `/opt/otherlang/bin/other; ${SEES}`));
    expect(stdout(other)).toBe('other\nno /opt/fakelang\nsees /opt/otherlang\n');
    expect(other.image.digest).toBe(chainDigest([digests.otherlang!, digests.base!]));
  }, 60_000);

  it("runs a checker in its own language's chain beside the submission's", async () => {
    const checker = { type: 'custom', language: 'python3', source: PY_CHECKER };
    const withChecker = { checker, testcases: [{ stdin: '', expected: 'hello' }] } as Partial<SubmissionInput>;
    const ok = await judge.judge(one('fakesh', '/opt/fakelang/bin/hello', withChecker));
    expect(ok.verdict).toBe('AC');
    const wrong = await judge.judge(one('fakesh', 'echo bye', withChecker));
    expect(wrong.verdict).toBe('WA');
  }, 60_000);

  it('names no host path, digest or layer directory in the mountinfo of a 3-layer chain', async () => {
    const r = await judge.judge(one('fakesh', 'cat /proc/self/mountinfo /proc/mounts'));
    const text = stdout(r);
    if (mode === 'overlay') expect(text).toContain('lowerdir=root-low0:root-low1:root-low2,upperdir=root-up,workdir=root-work');
    for (const bad of [
      ...Object.values(digests),
      ...Object.values(digests).map((d) => d.slice(0, 12)),
      '/var/lib/caged',
      '/var/cache',
      dir,
      os.tmpdir() + '/',
    ])
      expect(text).not.toContain(bad);
  }, 60_000);

  it('refuses a language the image lacks as not installed, and an unknown one listing the known', async () => {
    await expect(judge.judge(one(uninstalled, 'x'))).rejects.toThrow(
      new RegExp(`^language: language "${uninstalled}" is not installed on this worker \\(installed: .*fakesh`),
    );
    await expect(judge.judge(one(uninstalled, 'x'))).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(judge.judge(one('swift', 'x'))).rejects.toThrow(/^language: unknown language "swift" \(known: .*python3.*fakesh/);
    const checker = { type: 'custom', language: uninstalled, source: 'x' };
    await expect(judge.judge(one('fakesh', 'true', { checker } as Partial<SubmissionInput>))).rejects.toThrow(
      /^checker\.language: .*is not installed on this worker/,
    );
  }, 60_000);
});

describe('a worker on a layered image', () => {
  let worker: WorkerProcess | undefined;
  let queueName: string;
  let queue: Queue;

  afterAll(async () => {
    await worker?.stop();
    await queue?.close();
    if (queueName) await obliterate(queueName);
  });

  it('logs its languages with their layers, serves them, and fails jobs for others at once, unretried', async () => {
    queueName = freshQueueName();
    queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    worker = new WorkerProcess('layered', { CAGED_QUEUE: queueName, CAGED_CONCURRENCY: '1', CAGED_IMAGE: fixture });
    await worker.ready();
    const logged = await worker.waitFor((l) => Array.isArray(l.languages));
    expect(logged.languages).toEqual(
      expect.arrayContaining([
        { id: 'fakesh', layers: ['fakelang2', 'fakelang', 'base'] },
        { id: 'othersh', layers: ['otherlang', 'base'] },
        { id: 'python3', layers: pythonChain().map((l) => l.id) },
      ]),
    );
    expect(logged.msg).toMatch(/fakesh \[fakelang2 > fakelang > base\]/);

    const bad: Array<[string, RegExp]> = [
      [uninstalled, new RegExp(`^invalid submission: language: language "${uninstalled}" is not installed on this worker`)],
      ['swift', /^invalid submission: language: unknown language "swift" \(known: /],
    ];
    // attempts: 5 proves that "unrecoverable" wins over the producer's retries.
    const jobs = await Promise.all(bad.map(([language]) => queue.add(language, one(language, 'x'), { attempts: 5 })));
    const good = await queue.add('fakesh', one('fakesh', '/opt/fakelang/bin/hello'), { attempts: 5 });
    await until(async () => (await good.getState()) === 'completed', 60_000, 'the fakesh job');
    for (const [i, [language, reason]] of bad.entries()) {
      const job = (await queue.getJob(jobs[i]!.id!))!;
      await until(async () => (await job.getState()) === 'failed', 10_000, `the ${language} job to fail`);
      const failed = (await queue.getJob(jobs[i]!.id!))!;
      expect(failed.failedReason).toMatch(reason);
      expect(failed.attemptsMade).toBe(1);
    }
    const done = (await queue.getJob(good.id!))!;
    expect(stdout(done.returnvalue as JudgeResult)).toBe('hello from fakelang fakesh\n');
  }, 180_000);
});

describe('caged selftest', () => {
  let table: string;

  beforeAll(() => {
    table = path.join(dir, 'table');
    const write = (rel: string, content: string) => {
      fs.mkdirSync(path.dirname(path.join(table, rel)), { recursive: true });
      fs.writeFileSync(path.join(table, rel), content);
    };
    write('fakesh/selftest.sh', '/opt/fakelang/bin/hello >/dev/null && echo OK\n');
    write('fakesh/stress.sh', 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; test -x /opt/fakelang/bin/hello && echo OK\n');
    write('othersh/selftest.sh', 'test -e /opt/fakelang && echo OK || echo "no fakelang here"\n');
  });

  const selftest = (...args: string[]) =>
    spawnSync(process.execPath, [MAIN_JS, 'selftest', '--manifest', fixture, '--languages-dir', table, ...args], { encoding: 'utf8' });

  it("judges each language's selftest and stress in the sandbox, one line each, and exits 0 when all pass", () => {
    const r = selftest('--lang', 'fakesh');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^fakesh\s+selftest\.sh\s+ok\s+AC\s+compile 0 ms, run \d+(\.\d+)? ms, total \d+ ms$/);
    expect(lines[1]).toMatch(/^fakesh\s+stress\.sh\s+ok\s+AC\s+/);
    expect(lines[2]).toBe('selftest: 2 of 2 passed');
  }, 60_000);

  it('exits 1 naming a failing self-test and a language without one', () => {
    const r = selftest('--lang', 'fakesh', 'othersh', 'python3', '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { passed: boolean; results: Array<{ language: string; program: string | null; verdict: string }> };
    expect(out.passed).toBe(false);
    expect(out.results.map((l) => [l.language, l.program, l.verdict])).toEqual([
      ['fakesh', 'selftest.sh', 'AC'],
      ['fakesh', 'stress.sh', 'AC'],
      ['othersh', 'selftest.sh', 'WA'],
      ['python3', null, 'MISSING'],
    ]);
  }, 60_000);

  it('refuses a language the image does not have', () => {
    const r = selftest('--lang', 'swift');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--lang: the image has no language "swift"/);
  }, 60_000);
});
