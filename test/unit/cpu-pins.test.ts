/**
 * CPU lists in the kernel's syntax (src/cpu-list.ts; the worker's own CPUs: src/linux/cpu-list.ts) and the choice of a run's CPU
 * (src/sandbox/cpu-pins.ts), alone. Pinning real runs: test/sandbox-cpu-pins.test.ts.
 */
import { formatCpuList, parseCpuList } from '../../src/cpu-list';
import { allowedCpus } from '../../src/linux/cpu-list';
import { CpuPins } from '../../src/sandbox/cpu-pins';

describe('CPU lists', () => {
  it('reads numbers and ranges, each CPU once and in order', () => {
    expect(parseCpuList('0-3,6', 'CAGED_CPUS')).toEqual([0, 1, 2, 3, 6]);
    expect(parseCpuList(' 7, 2-3 ,2 ', 'CAGED_CPUS')).toEqual([2, 3, 7]);
    expect(parseCpuList('', 'CAGED_CPUS')).toEqual([]);
  });

  it('refuses what is not a CPU list, naming the setting and the part', () => {
    expect(() => parseCpuList('0-3,a', 'CAGED_CPUS')).toThrow('CAGED_CPUS: "a" is not a CPU number or range (a list such as 0-3,6)');
    expect(() => parseCpuList('5-2', 'CAGED_CPUS')).toThrow('CAGED_CPUS: range 5-2 runs backwards');
    expect(() => parseCpuList('9000', 'CAGED_CPUS')).toThrow('CAGED_CPUS: CPU 9000 is above 8191');
    expect(() => parseCpuList('1,,2', 'CAGED_CPUS')).toThrow('is not a CPU number or range');
  });

  it('writes a list with its ranges folded, as cpuset.cpus shows it', () => {
    expect(formatCpuList([6, 0, 1, 2, 3])).toBe('0-3,6');
    expect(formatCpuList([4])).toBe('4');
    expect(formatCpuList([1, 3, 5, 6])).toBe('1,3,5-6');
  });

  it("reads this process's CPUs from its status", () => {
    expect(allowedCpus('Name:\tnode\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1,4\n')).toEqual([0, 1, 4]);
    expect(() => allowedCpus('Name:\tnode\n')).toThrow('no Cpus_allowed_list line');
  });
});

describe('CpuPins', () => {
  it('gives each run the least used CPU, the first of the list on a tie', () => {
    const pins = new CpuPins([4, 5, 6]);
    expect([pins.take(), pins.take(), pins.take()]).toEqual([4, 5, 6]);
    // All taken once: the next runs share, evenly, in the list's order.
    expect([pins.take(), pins.take()]).toEqual([4, 5]);
    expect(pins.inUse).toEqual([2, 2, 1]);
    pins.give(5);
    pins.give(5);
    expect(pins.take()).toBe(5);
    expect(pins.inUse).toEqual([2, 1, 1]);
  });

  it('refuses to give back a CPU that was not taken, and an empty list', () => {
    const pins = new CpuPins([0]);
    expect(() => pins.give(0)).toThrow('CPU 0 was not taken');
    expect(() => pins.give(3)).toThrow('CPU 3 was not taken');
    expect(() => new CpuPins([])).toThrow('no CPU to pin to');
  });
});
