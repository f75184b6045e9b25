/** The worker's configuration, declared once: defaults, units, every bad key together, its table in the docs. */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, configTable, loadConfig, unknownConfigVariables } from '../../src/config';
import { InvalidRequestError } from '../../src/errors';

describe('loadConfig', () => {
  it('has a default for every key', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', queue: 'caged', prefix: 'bull', prefetch: 0, rootfs: 'auto' });
    expect(c.concurrency).toBeGreaterThanOrEqual(1);
  });

  it('converts sizes from the unit in the name to bytes, once', () => {
    const c = loadConfig({ CAGED_MAX_MEMORY_MB: '64', CAGED_MAX_OUTPUT_KB: '2' });
    expect(c.maxMemoryBytes).toBe(64 * 2 ** 20);
    expect(c.maxOutputBytes).toBe(2048);
  });

  it('takes an empty variable as unset', () => {
    expect(loadConfig({ CAGED_QUEUE: '  ' }).queue).toBe('caged');
  });

  it('reports every bad key in one error, before anything connects', () => {
    let err: unknown;
    try {
      loadConfig({ CAGED_CONCURRENCY: 'two', CAGED_METRICS_PORT: '70000', CAGED_ROOTFS: 'zfs', CAGED_REDIS_URL: 'http://x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toBeInstanceOf(InvalidRequestError);
    const envs = (err as ConfigError).issues.map((i) => i.env).sort();
    expect(envs).toEqual(['CAGED_CONCURRENCY', 'CAGED_METRICS_PORT', 'CAGED_REDIS_URL', 'CAGED_ROOTFS']);
    expect((err as Error).message).toContain('CAGED_CONCURRENCY: must be a whole number (got "two")');
  });

  it('reads CAGED_CPUS into its CPUs, and refuses a bad list with the other bad keys', () => {
    expect(loadConfig({ CAGED_CPUS: '4-6,1' }, ['cpus']).cpus).toEqual([1, 4, 5, 6]);
    expect(loadConfig({}, ['cpus']).cpus).toEqual([]);
    expect(() => loadConfig({ CAGED_CPUS: '5-2' }, ['cpus'])).toThrow(/CAGED_CPUS: range 5-2 runs backwards/);
    expect(() => loadConfig({ CAGED_CPUS: 'all' }, ['cpus'])).toThrow(/CAGED_CPUS: "all" is not a CPU number or range/);
  });

  it('reads only the keys asked for', () => {
    expect(Object.keys(loadConfig({ CAGED_CONCURRENCY: 'bad' }, ['redisUrl', 'queue']))).toEqual(['redisUrl', 'queue']);
  });

  it('points out CAGED_* variables no key declares (typos)', () => {
    expect(unknownConfigVariables({ CAGED_CONCURENCY: '2', CAGED_QUEUE: 'x', CAGED_TEST_REDIS_URL: 'y', HOME: '/' })).toEqual([
      'CAGED_CONCURENCY',
    ]);
  });

  it('is documented in docs/configuration.md exactly as declared', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    expect(doc).toContain(configTable());
  });
});
