/**
 * Limits of a step: defaults, maxima (a request may lower, never raise), the derived wall limit
 * and the language's factors.
 */
import { InvalidRequestError } from '../../src/errors';
import { compileLimitsConfig, DEFAULT_COMPILE_LIMITS, DEFAULT_TEST_LIMITS, resolveLimits, testLimitsConfig } from '../../src/judge/limits';

describe('when a submission names no limits', () => {
  it('gets the defaults, with no address-space limit', () => {
    const l = resolveLimits(undefined, testLimitsConfig(), 'limits');
    expect(l).toMatchObject({ ...DEFAULT_TEST_LIMITS, addressSpaceBytes: 0 });
  });

  it('never gets a default above a configured maximum', () => {
    const l = resolveLimits(undefined, testLimitsConfig({ memoryBytes: 64 * 2 ** 20, cpuTimeMs: 1000 }), 'limits');
    expect(l.memoryBytes).toBe(64 * 2 ** 20);
    expect(l.cpuTimeMs).toBe(1000);
  });
});

describe('when a submission lowers or raises limits', () => {
  it('takes lower values and derives the wall limit from the CPU limit', () => {
    const l = resolveLimits({ cpuTimeMs: 8000, memoryBytes: 32 * 2 ** 20 }, testLimitsConfig(), 'limits');
    expect(l.cpuTimeMs).toBe(8000);
    expect(l.wallTimeMs).toBe(17_000);
    expect(l.memoryBytes).toBe(32 * 2 ** 20);
  });

  it('refuses a value above the maximum, naming the field', () => {
    const call = () => resolveLimits({ outputBytes: 2 ** 40 }, testLimitsConfig(), 'limits');
    expect(call).toThrow(InvalidRequestError);
    expect(call).toThrow(/^limits\.outputBytes: 1099511627776 bytes is above the maximum of 67108864 bytes$/);
  });

  it('takes a stack limit up to the memory limit, which a larger one comes to; none is the whole memory limit', () => {
    const MiB = 2 ** 20;
    expect(resolveLimits({ stackBytes: 8 * MiB }, testLimitsConfig(), 'limits').stackBytes).toBe(8 * MiB);
    expect(resolveLimits({ stackBytes: 512 * MiB, memoryBytes: 64 * MiB }, testLimitsConfig(), 'limits').stackBytes).toBe(64 * MiB);
    expect(resolveLimits({}, testLimitsConfig(), 'limits').stackBytes).toBe(0);
  });

  it('lets compile limits only be lowered', () => {
    const cfg = compileLimitsConfig();
    expect(resolveLimits({ cpuTimeMs: 1000 }, cfg, 'compileLimits').cpuTimeMs).toBe(1000);
    expect(() => resolveLimits({ memoryBytes: DEFAULT_COMPILE_LIMITS.memoryBytes + 1 }, cfg, 'compileLimits')).toThrow(
      /^compileLimits\.memoryBytes/,
    );
  });
});

describe('when the language is slow or large', () => {
  it('multiplies time and memory by its factors after the maxima check', () => {
    const l = resolveLimits({ cpuTimeMs: 10_000, wallTimeMs: 30_000, memoryBytes: 2 ** 30 }, testLimitsConfig(), 'limits', {
      timeFactor: 2,
      memoryFactor: 1.5,
    });
    expect(l.cpuTimeMs).toBe(20_000);
    expect(l.wallTimeMs).toBe(60_000);
    expect(l.memoryBytes).toBe(1.5 * 2 ** 30);
  });
});
