/**
 * One table of limit bounds, used by every front: the submission schema (hence the client and
 * the worker), the command line's flags and the worker's CAGED_MAX_* configuration.
 */
import { parseArgs } from '../../src/cli/args';
import { checkFlagMaxima, limitsFromFlags } from '../../src/cli/limit-flags';
import { loadConfig } from '../../src/config';
import { testMaxima } from '../../src/config-limits';
import { InvalidRequestError } from '../../src/errors';
import { LIMIT_BOUNDS, LIMIT_NAMES, limitBoundProblem } from '../../src/limit-bounds';
import { makeSubmissionSchema } from '../../src/judge/schema';
import { describeIssues, fieldIssues } from '../../src/wire/contract';

const MiB = 2 ** 20;
const schema = makeSubmissionSchema();
const base = { language: 'c', source: 'int main(){}', testcases: [{ stdin: '' }] };

function schemaIssue(limits: Record<string, number>, key: 'limits' | 'compileLimits' = 'limits'): string {
  const parsed = schema.safeParse({ ...base, [key]: limits });
  return parsed.success ? '' : describeIssues(fieldIssues(parsed.error));
}

function flags(...argv: string[]): Record<string, number> {
  return limitsFromFlags(parseArgs(argv, ['time', 'wall', 'memory', 'output', 'pids'], []));
}

describe('the bounds table', () => {
  it('has a bound for every limit a request may set, the minimum below the maximum', () => {
    expect(Object.keys(LIMIT_BOUNDS).sort()).toEqual([...LIMIT_NAMES].sort());
    for (const name of LIMIT_NAMES) expect(LIMIT_BOUNDS[name].min).toBeLessThan(LIMIT_BOUNDS[name].max);
  });

  it('puts memory at 4 MiB and pids at 2, the least a container starts with', () => {
    expect(LIMIT_BOUNDS.memoryBytes.min).toBe(4 * MiB);
    expect(LIMIT_BOUNDS.pids.min).toBe(2);
    expect(limitBoundProblem('memoryBytes', 4 * MiB)).toBeNull();
    expect(limitBoundProblem('memoryBytes', 4 * MiB - 1)).toMatch(/^4194303 bytes is below the minimum of 4194304 bytes: /);
    expect(limitBoundProblem('pids', 2.5)).toBe('must be a whole number of processes (got 2.5)');
  });
});

describe('when a submission asks for an impossible limit', () => {
  it.each([
    [{ memoryBytes: 1024 }, /^limits\.memoryBytes: must be at least 4194304 bytes: /],
    [{ pids: 1 }, /^limits\.pids: must be at least 2 processes: /],
    [{ pids: 2.5 }, /^limits\.pids: must be a whole number of processes/],
    [{ cpuTimeMs: 0 }, /^limits\.cpuTimeMs: must be at least 1 ms/],
    [{ wallTimeMs: 1e12 }, /^limits\.wallTimeMs: must be at most 86400000 ms/],
  ])('the schema refuses %j naming the field and the bound', (limits, message) => {
    expect(schemaIssue(limits)).toMatch(message);
  });

  it('holds for compile limits too', () => {
    expect(schemaIssue({ memoryBytes: MiB }, 'compileLimits')).toMatch(/^compileLimits\.memoryBytes: must be at least/);
  });

  it('accepts the bounds themselves', () => {
    expect(schemaIssue({ memoryBytes: 4 * MiB, pids: 2, cpuTimeMs: 1 })).toBe('');
  });
});

describe('the limit flags of the command line', () => {
  it('convert into the internal units', () => {
    expect(flags('--time', '1.5', '--wall', '3', '--memory', '64', '--output', '2', '--pids', '8')).toEqual({
      cpuTimeMs: 1500,
      wallTimeMs: 3000,
      memoryBytes: 64 * MiB,
      outputBytes: 2048,
      pids: 8,
    });
  });

  it.each([
    [['--pids', '2.5'], '--pids: must be a whole number of processes (got 2.5)'],
    [['--pids', '1'], '--pids: 1 processes is below the minimum of 2 processes'],
    [['--memory', '0.001'], '--memory: 0.001 MB is below the minimum of 4 MB'],
    [['--memory', '0.2'], '--memory: 0.2 MB is below the minimum of 4 MB'],
    [['--time', '0.0001'], '--time: 0.0001 s is below the minimum of 0.001 s'],
    [['--time', '-1'], '--time: must be a number of s'],
    [['--time', '1e3'], '--time: must be a number of s'],
    [['--memory', 'lots'], '--memory: must be a number of MB'],
  ])('refuse %j naming the flag and the bound in its unit', (argv, message) => {
    const call = () => flags(...argv);
    expect(call).toThrow(InvalidRequestError);
    expect(call).toThrow(message);
  });
});

describe("the limit flags against a judge's maxima (caged run)", () => {
  // A judge's maxima for a test under CAGED_MAX_CPU_MS=10000 and the other defaults.
  const maxima = testMaxima(loadConfig({ CAGED_MAX_CPU_MS: '10000' }));

  it.each([
    [['--time', '9999'], "--time: 9999 s is above this judge's maximum of 10 s (CAGED_MAX_CPU_MS raises it)"],
    [['--wall', '30.5'], "--wall: 30.5 s is above this judge's maximum of 30 s (CAGED_MAX_WALL_MS raises it)"],
    [['--memory', '2049'], "--memory: 2049 MB is above this judge's maximum of 2048 MB (CAGED_MAX_MEMORY_MB raises it)"],
    [['--output', '9999999'], "--output: 9999999 KB is above this judge's maximum of 65536 KB (CAGED_MAX_OUTPUT_KB raises it)"],
    [['--pids', '1000'], "--pids: 1000 processes is above this judge's maximum of 256 processes (CAGED_MAX_PIDS raises it)"],
  ])('refuse %j naming the flag, the maximum in its unit and the setting', (argv, message) => {
    const call = () => checkFlagMaxima(flags(...argv), maxima);
    expect(call).toThrow(InvalidRequestError);
    expect(call).toThrow(message);
  });

  it('accept the maxima themselves', () => {
    expect(() => checkFlagMaxima(flags('--time', '10', '--wall', '30', '--memory', '1024', '--pids', '256'), maxima)).not.toThrow();
  });
});

describe('the configured maxima', () => {
  it('cannot be set below the floors either', () => {
    expect(() => loadConfig({ CAGED_MAX_MEMORY_MB: '2' })).toThrow(/CAGED_MAX_MEMORY_MB.*at least 4/);
    expect(() => loadConfig({ CAGED_MAX_PIDS: '1' })).toThrow(/CAGED_MAX_PIDS.*at least 2/);
    expect(loadConfig({ CAGED_MAX_MEMORY_MB: '4', CAGED_MAX_PIDS: '2' })).toMatchObject({ maxMemoryBytes: 4 * MiB, maxPids: 2 });
  });
});
