/**
 * The client as a package of its own (client/): a separate Node project (test/client-project)
 * installs it from the repository's folder, the way a backend would, and judges submissions
 * through a real worker and the real Redis, and through a Redis Cluster (a seed URL, `cluster:
 * true`, a hash-tagged prefix). The installed package must hold no sandbox code
 * and require nothing but BullMQ, its Redis driver and zod.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/queue/log';
import { WorkerRuntime } from '../src/queue/runtime';
import { REDIS_URL, ROOT, SUBMISSIONS, freshQueueName, obliterate } from './helpers/queue';
import { RedisCluster } from './helpers/redis-cluster';

jest.setTimeout(300_000);
const run = promisify(execFile);

const PROJECT = path.join(ROOT, 'test', 'client-project');
const INSTALLED = path.join(PROJECT, 'node_modules', 'caged-client');
/** What the client package may require besides its own files and Node's built-in modules. */
const ALLOWED = new Set(['bullmq', 'ioredis', 'zod']);

function jsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? jsFiles(p) : e.name.endsWith('.js') ? [p] : [];
  });
}

/** test/client-project/judge.js (the installed package) on one program and test; its JSON answer. */
async function judgeWith(env: Record<string, string>, source: string, language: string, stdin: string, expected: string): Promise<unknown> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'caged-client-project-')), 'prog');
  fs.writeFileSync(file, source);
  const { stdout } = await run(process.execPath, ['judge.js', file, language, stdin, expected], {
    cwd: PROJECT,
    env: { ...process.env, ...env },
  });
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return JSON.parse(stdout) as unknown;
}

describe('the client package, installed from client/ by a project of its own', () => {
  beforeAll(async () => {
    fs.rmSync(path.join(PROJECT, 'node_modules'), { recursive: true, force: true });
    // --install-links: a copy (as from a registry), not a link back into this checkout, so
    // that the package can only reach what it declares.
    await run('npm', ['install', '--install-links', '--no-package-lock', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: PROJECT,
      env: { ...process.env, npm_config_loglevel: 'error' },
    });
  });

  it('is a copy built on install (prepare), declaring bullmq, ioredis and zod only', () => {
    expect(fs.lstatSync(INSTALLED).isSymbolicLink()).toBe(false);
    expect(fs.existsSync(path.join(INSTALLED, 'dist', 'src', 'client', 'index.js'))).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(INSTALLED, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['bullmq', 'ioredis', 'zod']);
    expect(fs.existsSync(path.join(PROJECT, 'node_modules', 'koffi'))).toBe(false);
  });

  it('requires nothing outside itself but its dependencies and Node built-ins, and holds no sandbox code', () => {
    const files = jsFiles(path.join(INSTALLED, 'dist'));
    const outside = new Set<string>();
    for (const f of files) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
        const spec = m[1]!;
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        outside.add(spec.split('/')[0]!);
      }
    }
    expect([...outside].filter((s) => !ALLOWED.has(s))).toEqual([]);
    const rel = files.map((f) => path.relative(path.join(INSTALLED, 'dist', 'src'), f).split(path.sep)[0]);
    for (const layer of ['sandbox', 'cgroup', 'rootfs', 'linux', 'cli']) expect(rel).not.toContain(layer);
  });

  describe('with a worker on the queue', () => {
    let queueName: string;
    let runtime: WorkerRuntime | undefined;
    beforeEach(async () => {
      queueName = freshQueueName();
      const config = loadConfig({ CAGED_REDIS_URL: REDIS_URL, CAGED_QUEUE: queueName, CAGED_CONCURRENCY: '2' });
      runtime = await WorkerRuntime.start(config, { logger: createLogger({ level: 'silent' }) });
    });
    afterEach(async () => {
      await runtime?.shutdown();
      await obliterate(queueName);
    });

    const judge = (source: string, language: string, stdin: string, expected: string): Promise<unknown> =>
      judgeWith({ CAGED_REDIS_URL: REDIS_URL, CAGED_QUEUE: queueName }, source, language, stdin, expected);

    it('judges a right program AC and a wrong one WA', async () => {
      const source = SUBMISSIONS.AC.source as string;
      expect(await judge(source, 'c', '1 2\n', '3\n')).toEqual({ verdict: 'AC', stdout: '3\n' });
      expect(await judge(source, 'c', '1 2\n', '4\n')).toEqual({ verdict: 'WA', stdout: '3\n' });
    });

    it('refuses an unknown language as an invalid submission', async () => {
      expect(await judge('x', 'no-such-language', '', '')).toEqual({ error: 'JobFailedError', invalid: true });
    });
  });

  describe('with a worker on a Redis Cluster', () => {
    // A throwaway cluster (test/helpers/redis-cluster.ts): the backend gives the package a seed
    // URL, `cluster: true` and the hash-tagged prefix, as the worker's CAGED_* variables say.
    const env = { CAGED_REDIS_CLUSTER: 'yes', CAGED_PREFIX: '{caged-client-package}', CAGED_QUEUE: 'caged-client-package' };
    let cluster: RedisCluster | undefined;
    let runtime: WorkerRuntime | undefined;
    beforeAll(async () => {
      cluster = await RedisCluster.start();
      const config = loadConfig({ ...env, CAGED_REDIS_URL: cluster.url, CAGED_CONCURRENCY: '1' });
      runtime = await WorkerRuntime.start(config, { logger: createLogger({ level: 'silent' }) });
    });
    afterAll(async () => {
      await runtime?.shutdown();
      await cluster?.stop();
    });

    it('judges through it', async () => {
      const source = SUBMISSIONS.AC.source as string;
      expect(await judgeWith({ ...env, CAGED_REDIS_URL: cluster!.url }, source, 'c', '4 5\n', '9\n')).toEqual({
        verdict: 'AC',
        stdout: '9\n',
      });
    });
  });
});
