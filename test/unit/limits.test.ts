/** Limits of a step: defaults within the maxima, requests refused above them, language factors after. */
import { InvalidRequestError } from '../../src/errors';
import {
  checkLimitValues,
  compileLimitsConfig,
  DEFAULT_CHECKER_LIMITS,
  DEFAULT_COMPILE_LIMITS,
  DEFAULT_HELPER_COMPILE_LIMITS,
  DEFAULT_MAXIMA,
  DEFAULT_TEST_LIMITS,
  judgeLimitConfigs,
  resolveLimits,
  testLimitsConfig,
} from '../../src/judge/limits';
import { CONFIG_KEYS, ConfigError, judgingLimits, JUDGING_LIMIT_KEYS, loadConfig, TEST_MAXIMA_KEYS, testMaxima } from '../../src/config';

const MiB = 2 ** 20;

describe('resolveLimits', () => {
  it('takes the defaults for what the request leaves out', () => {
    const l = resolveLimits(undefined, testLimitsConfig(), 'limits');
    expect(l).toMatchObject(DEFAULT_TEST_LIMITS);
    expect(l).toMatchObject({ openFiles: 64, diskBytes: 64 * MiB });
  });

  it('lets a request lower a limit', () => {
    expect(resolveLimits({ memoryBytes: 16 * MiB, pids: 2 }, testLimitsConfig(), 'limits')).toMatchObject({
      memoryBytes: 16 * MiB,
      pids: 2,
    });
  });

  it('refuses a request above the maximum, naming the field with units', () => {
    const ask = () => resolveLimits({ memoryBytes: 4096 * MiB }, testLimitsConfig(), 'limits');
    expect(ask).toThrow(InvalidRequestError);
    expect(ask).toThrow('limits.memoryBytes: 4294967296 bytes is above the maximum of 2147483648 bytes');
  });

  it('derives the wall limit from a CPU limit given alone: max(default, 2 x CPU + 1 s), capped', () => {
    expect(resolveLimits({ cpuTimeMs: 1000 }, testLimitsConfig(), 'limits').wallTimeMs).toBe(5000);
    expect(resolveLimits({ cpuTimeMs: 4000 }, testLimitsConfig(), 'limits').wallTimeMs).toBe(9000);
    expect(resolveLimits({ cpuTimeMs: 10_000 }, testLimitsConfig({ wallTimeMs: 12_000 }), 'limits').wallTimeMs).toBe(12_000);
  });

  it('applies the language factors after the maxima check', () => {
    const l = resolveLimits({ cpuTimeMs: 10_000 }, testLimitsConfig(), 'limits', { timeFactor: 2, memoryFactor: 1.5 });
    expect(l.cpuTimeMs).toBe(20_000);
    expect(l.memoryBytes).toBe(384 * MiB);
  });

  it('lowers the defaults with a lower configured maximum', () => {
    const cfg = testLimitsConfig({ memoryBytes: 128 * MiB });
    expect(cfg.defaults.memoryBytes).toBe(128 * MiB);
    expect(resolveLimits(undefined, cfg, 'limits').memoryBytes).toBe(128 * MiB);
  });

  it('makes the compile limits both default and maximum', () => {
    const cfg = compileLimitsConfig();
    expect(cfg.defaults).toEqual(cfg.maxima);
    expect(() => resolveLimits({ cpuTimeMs: cfg.maxima.cpuTimeMs + 1 }, cfg, 'compileLimits')).toThrow(/^compileLimits\.cpuTimeMs: /);
  });
});

describe('checkLimitValues', () => {
  it('accepts whole numbers within the bounds and names the first bad one with its bound', () => {
    expect(() => checkLimitValues({ pids: 4 }, 'maxima')).not.toThrow();
    expect(() => checkLimitValues({ pids: 0 }, 'maxima')).toThrow('maxima.pids: 0 processes is below the minimum of 2 processes');
    expect(() => checkLimitValues({ cpuTimeMs: 1.5 }, 'maxima')).toThrow(/maxima\.cpuTimeMs/);
  });
});

describe('the maxima by default', () => {
  it('are the configuration defaults (CAGED_MAX_*)', () => {
    expect(DEFAULT_MAXIMA).toEqual(testMaxima(loadConfig({}, TEST_MAXIMA_KEYS)));
    expect(Object.keys(CONFIG_KEYS).length).toBeGreaterThan(0);
  });

  it("are read each from its own variable, in the limits' units", () => {
    const c = loadConfig(
      {
        CAGED_MAX_CPU_MS: '1001',
        CAGED_MAX_WALL_MS: '2002',
        CAGED_MAX_MEMORY_MB: '303',
        CAGED_MAX_OUTPUT_KB: '404',
        CAGED_MAX_PIDS: '55',
        CAGED_MAX_FILE_SIZE_KB: '606',
      },
      TEST_MAXIMA_KEYS,
    );
    expect(testMaxima(c)).toEqual({
      cpuTimeMs: 1001,
      wallTimeMs: 2002,
      memoryBytes: 303 * MiB,
      outputBytes: 404 * 1024,
      pids: 55,
      fileSizeBytes: 606 * 1024,
    });
  });
});

describe('the compile and checker limits by default', () => {
  it('are the configuration defaults (CAGED_COMPILE_*, CAGED_HELPER_COMPILE_*, CAGED_CHECKER_*)', () => {
    const l = judgingLimits(loadConfig({}, JUDGING_LIMIT_KEYS));
    expect(l.compileLimits).toEqual({
      cpuTimeMs: DEFAULT_COMPILE_LIMITS.cpuTimeMs,
      wallTimeMs: DEFAULT_COMPILE_LIMITS.wallTimeMs,
      memoryBytes: DEFAULT_COMPILE_LIMITS.memoryBytes,
    });
    expect(l.helperCompileLimits).toEqual({
      cpuTimeMs: DEFAULT_HELPER_COMPILE_LIMITS.cpuTimeMs,
      wallTimeMs: DEFAULT_HELPER_COMPILE_LIMITS.wallTimeMs,
      memoryBytes: DEFAULT_HELPER_COMPILE_LIMITS.memoryBytes,
    });
    expect(l.checkerLimits).toEqual({
      cpuTimeMs: DEFAULT_CHECKER_LIMITS.cpuTimeMs,
      wallTimeMs: DEFAULT_CHECKER_LIMITS.wallTimeMs,
      memoryBytes: DEFAULT_CHECKER_LIMITS.memoryBytes,
    });
    expect(l.maxima).toEqual(DEFAULT_MAXIMA);
  });

  it("are set by the operator and become the judge's compile, helper and checker steps", () => {
    const c = loadConfig(
      {
        CAGED_COMPILE_CPU_MS: '30000',
        CAGED_COMPILE_WALL_MS: '45000',
        CAGED_COMPILE_MEMORY_MB: '1536',
        CAGED_HELPER_COMPILE_CPU_MS: '90000',
        CAGED_HELPER_COMPILE_WALL_MS: '180000',
        CAGED_CHECKER_CPU_MS: '20000',
        CAGED_CHECKER_WALL_MS: '40000',
        CAGED_CHECKER_MEMORY_MB: '2048',
      },
      JUDGING_LIMIT_KEYS,
    );
    const steps = judgeLimitConfigs(judgingLimits(c));
    expect(steps.compile.maxima).toMatchObject({ cpuTimeMs: 30_000, wallTimeMs: 45_000, memoryBytes: 1536 * MiB });
    // What the operator leaves out keeps its default.
    expect(steps.compile.maxima.pids).toBe(DEFAULT_COMPILE_LIMITS.pids);
    expect(steps.validator.compile.maxima).toMatchObject({ cpuTimeMs: 90_000, wallTimeMs: 180_000, memoryBytes: 1536 * MiB });
    expect(steps.validator.run.maxima).toMatchObject({ cpuTimeMs: 20_000, wallTimeMs: 40_000, memoryBytes: 2048 * MiB });
  });

  it("are refused outside the limits' bounds, every bad one named", () => {
    let err: unknown;
    try {
      loadConfig(
        {
          CAGED_COMPILE_MEMORY_MB: '2',
          CAGED_CHECKER_CPU_MS: '0',
          CAGED_HELPER_COMPILE_WALL_MS: '1.5',
          // A day is the bound of every time limit, the maxima's too.
          CAGED_MAX_WALL_MS: String(24 * 3600 * 1000 + 1),
        },
        JUDGING_LIMIT_KEYS,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.env).sort()).toEqual([
      'CAGED_CHECKER_CPU_MS',
      'CAGED_COMPILE_MEMORY_MB',
      'CAGED_HELPER_COMPILE_WALL_MS',
      'CAGED_MAX_WALL_MS',
    ]);
    expect(loadConfig({ CAGED_MAX_WALL_MS: String(24 * 3600 * 1000) }, JUDGING_LIMIT_KEYS).maxWallTimeMs).toBe(86_400_000);
  });
});
