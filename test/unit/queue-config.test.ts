/**
 * The worker's configuration: one declaration, every bad key reported at once, units converted
 * at the edge, and the documentation table kept equal to the declaration.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_KEYS, ConfigError, configTable, loadConfig, memoryBudgetOverHost, unknownConfigVariables } from '../../src/config';
import { hashTagOf } from '../../src/redis-cluster';

describe('the worker configuration', () => {
  it('has a default for every key', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queue: 'caged',
      prefix: 'bull',
      concurrency: os.availableParallelism(),
      metricsPort: 0,
      maxAttempts: 3,
      lockDurationMs: 30_000,
      maxMemoryBytes: 2048 * 2 ** 20,
      maxSourceBytes: 256 * 1024,
    });
    expect(c.workerName).toBe(`${os.hostname()}:${process.pid}`);
    expect(Object.keys(c).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
  });

  it('converts sizes from the unit in the variable name to bytes', () => {
    const c = loadConfig({ CAGED_MAX_MEMORY_MB: '64', CAGED_MAX_OUTPUT_KB: '2', CAGED_MAX_SOURCE_BYTES: '1000' });
    expect([c.maxMemoryBytes, c.maxOutputBytes, c.maxSourceBytes]).toEqual([64 * 2 ** 20, 2048, 1000]);
  });

  it('takes an empty variable as unset', () => {
    expect(loadConfig({ CAGED_QUEUE: '', CAGED_CONCURRENCY: ' ' })).toMatchObject({
      queue: 'caged',
      concurrency: os.availableParallelism(),
    });
  });

  it('reports every bad key together, naming each variable', () => {
    const env = {
      CAGED_CONCURRENCY: 'two',
      CAGED_METRICS_PORT: '70000',
      CAGED_REDIS_URL: 'http://localhost',
      CAGED_LOG_LEVEL: 'loud',
      CAGED_PREFIX: 'a:b',
      CAGED_MAX_CPU_MS: '0',
      CAGED_QUEUE: 'fine',
    };
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues;
    expect(issues.map((i) => i.env).sort()).toEqual([
      'CAGED_CONCURRENCY',
      'CAGED_LOG_LEVEL',
      'CAGED_MAX_CPU_MS',
      'CAGED_METRICS_PORT',
      'CAGED_PREFIX',
      'CAGED_REDIS_URL',
    ]);
    expect((err as Error).message).toMatch(/CAGED_CONCURRENCY: must be a whole number \(got "two"\)/);
    expect((err as Error).message).toMatch(/CAGED_METRICS_PORT: must be at most 65535/);
    expect((err as Error).message).toMatch(/CAGED_LOG_LEVEL: must be one of fatal, error/);
  });

  it('reads only the keys asked for (a client needs just Redis)', () => {
    expect(loadConfig({ CAGED_CONCURRENCY: 'bad' }, ['redisUrl', 'queue'])).toEqual({ redisUrl: 'redis://127.0.0.1:6379', queue: 'caged' });
  });

  describe('on Redis Cluster', () => {
    it('needs a hash tag in the prefix, and database 0', () => {
      const cluster = { CAGED_REDIS_CLUSTER: 'yes', CAGED_REDIS_URL: 'redis://10.0.0.5:7000' };
      expect(loadConfig({ ...cluster, CAGED_PREFIX: '{caged}' })).toMatchObject({ redisCluster: 'yes', prefix: '{caged}' });
      expect(loadConfig({ ...cluster, CAGED_PREFIX: 'judge{prod}x' }, ['redisCluster', 'prefix']).prefix).toBe('judge{prod}x');
      expect(() => loadConfig(cluster, ['redisUrl', 'redisCluster', 'prefix'])).toThrow(
        /CAGED_PREFIX: on Redis Cluster \(CAGED_REDIS_CLUSTER=yes\) must hold a hash tag such as \{caged\}, .* \(got "bull"\)/,
      );
      for (const bad of ['{}caged', 'caged}{x', '{caged']) expect(() => loadConfig({ ...cluster, CAGED_PREFIX: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...cluster, CAGED_PREFIX: '{caged}', CAGED_REDIS_URL: 'redis://10.0.0.5:7000/2' })).toThrow(
        /CAGED_REDIS_URL: names database "2", but a Redis Cluster has only database 0/,
      );
      expect(loadConfig({ ...cluster, CAGED_PREFIX: '{c}', CAGED_REDIS_URL: 'redis://10.0.0.5:7000/0' }).redisUrl).toMatch(/\/0$/);
      // Without a cluster, any prefix.
      expect(loadConfig({ CAGED_PREFIX: 'bull', CAGED_REDIS_URL: 'redis://h/2' }).prefix).toBe('bull');
    });

    it('hashes keys by the first {…} of the prefix, when not empty', () => {
      expect(['{caged}', 'a{b}c{d}', '{}x', 'x{', '{a{b}', 'plain'].map(hashTagOf)).toEqual(['caged', 'b', null, null, 'a{b', null]);
    });
  });

  it('points out CAGED_* variables that no key declares (typos)', () => {
    expect(unknownConfigVariables({ CAGED_CONCURENCY: '2', CAGED_QUEUE: 'x', CAGED_TEST_REDIS_URL: 'y', HOME: '/' })).toEqual([
      'CAGED_CONCURENCY',
    ]);
  });

  it('is documented exactly as declared in docs/configuration.md', () => {
    const docs = ['docs/configuration.md'].map((f) => path.join(__dirname, '..', '..', f)).filter((f) => fs.existsSync(f));
    const documented = docs.filter((f) => fs.readFileSync(f, 'utf8').includes(configTable()));
    if (documented.length === 0)
      throw new Error(`no copy of configTable() in docs/configuration.md: paste \`node dist/src/cli/main.js worker --help\`'s table`);
  });
});

describe('the memory budget', () => {
  it('is over the host when every job at once at the memory maximum needs more than it has', () => {
    const c = loadConfig({ CAGED_CONCURRENCY: '4', CAGED_MAX_MEMORY_MB: '2048' });
    expect(memoryBudgetOverHost(c, 8 * 2 ** 30)).toBe(false);
    expect(memoryBudgetOverHost(c, 8 * 2 ** 30 - 1)).toBe(true);
    expect(memoryBudgetOverHost(loadConfig({ CAGED_CONCURRENCY: '2' }), 4 * 2 ** 30)).toBe(false);
    expect(memoryBudgetOverHost(loadConfig({ CAGED_CONCURRENCY: '3' }), 4 * 2 ** 30)).toBe(true);
  });
});
