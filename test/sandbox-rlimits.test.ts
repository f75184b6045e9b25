/**
 * The rlimits-only mode (docs/rootless.md#rlimits-only) on real containers: a sandbox given the
 * manager with no cgroup (what a rootless worker with CAGED_RLIMITS_ONLY=yes and no writable
 * cgroup gets) limits the program by its rlimits alone and measures it by B's rusage. Runs in
 * both modes (as root and by scripts/test-rootless.sh): the manager is passed explicitly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import { JudgeResultSchema } from '../src/judge/schema';
import { outcomeOf } from '../src/sandbox/outcome';
import { RlimitsOnlyManager } from '../src/cgroup/rlimits';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST, testRootfs } from './helpers/image';
import { compilePrograms, type Programs } from './helpers/programs';

let sandbox: Sandbox;
let programs: Programs;

beforeAll(async () => {
  sandbox = await Sandbox.create({ cgroups: new RlimitsOnlyManager('test: no cgroup on purpose'), preparedContainers: 1 });
  programs = await compilePrograms(sandbox, await testRootfs());
}, 120_000);

afterAll(async () => {
  programs?.job.remove();
  await sandbox?.close();
});

const RLIMIT = { memory: 'rlimit', cpu: 'rlimit', pids: 'rlimit' };

describe('a sandbox with rlimits only', () => {
  it('says so in every result, and measures a run by its rusage', async () => {
    expect(sandbox.enforcement).toEqual(RLIMIT);
    expect(sandbox.cgroups.describe()).toContain('rlimits only');
    const r = await programs.run(['./busy', '300']);
    expect(r.enforcement).toEqual(RLIMIT);
    expect(r.exitCode).toBe(0);
    expect(r.cpuTimeMs).toBeGreaterThan(100);
    expect(r.memoryBytes).toBeGreaterThan(0);
  });

  it('ends a busy loop at the CPU limit by RLIMIT_CPU: TLE', async () => {
    const r = await programs.run(['./cpu_loop'], { cpuTimeMs: 1000, wallTimeMs: 10_000 });
    expect(r.enforcement).toEqual(RLIMIT);
    expect(r.signal).toMatch(/^SIG(XCPU|KILL)$/);
    expect(r.limitHit).toBe('cpu');
    expect(outcomeOf(r).status).toBe('TLE');
    // The kernel stopped it at 1 s of its tick-counted CPU clock, which runs ahead of the precise
    // rusage on a loaded machine (0.80–0.92 s measured): TLE all the same.
    expect(r.cpuTimeMs).toBeGreaterThanOrEqual(500);
    expect(r.cpuTimeMs).toBeLessThan(2500);
    expect(r.wallTimeMs).toBeLessThan(10_000); // the rlimit ended it, not the wall clock
  });

  it('stops a memory hog at the memory limit by RLIMIT_AS: an allocation failure (RE, not MLE)', async () => {
    const limit = 64 * 2 ** 20;
    const r = await programs.run(['./memhog'], { memoryBytes: limit });
    expect(r.enforcement).toEqual(RLIMIT);
    expect(r.exitCode).toBe(3); // malloc returned NULL
    expect(outcomeOf(r).status).toBe('RE');
    expect(r.memoryBytes).toBeGreaterThan(limit / 2);
    expect(r.memoryBytes).toBeLessThanOrEqual(limit);
  });

  it('starts threads under the address-space limit: each gets a small default stack, not the memory limit', async () => {
    // Four threads under 64 MiB: with RLIMIT_STACK at the memory limit glibc would reserve 64 MiB for each.
    const r = await programs.run(['./threads', '4', '20'], { memoryBytes: 64 * 2 ** 20 });
    expect({ exitCode: r.exitCode, signal: r.signal, stderr: r.stderr.toString() }).toEqual({ exitCode: 0, signal: null, stderr: '' });
    expect(Number(r.stdout.toString())).toBeGreaterThanOrEqual(80);
  });

  it("bounds glibc to one arena, so that threads' arenas do not fill the address space", async () => {
    // Four threads that allocate once would each reserve a 64 MiB arena of the 64 MiB: then a
    // 40 MiB malloc returns NULL (exit 3). MALLOC_ARENA_MAX=1 in the environment (envFor).
    const r = await programs.run(['./arenas', '4', '40'], { memoryBytes: 64 * 2 ** 20 });
    expect({ exitCode: r.exitCode, signal: r.signal, stdout: r.stdout.toString() }).toEqual({ exitCode: 0, signal: null, stdout: '40\n' });
    const env = await programs.run(['/bin/sh', '-c', 'echo $MALLOC_ARENA_MAX']);
    expect(env.stdout.toString()).toBe('1\n');
  });

  it('stops a fork bomb by RLIMIT_NPROC of the box, and the next run is unaffected', async () => {
    const r = await programs.run(['./forkbomb'], { pids: 16, cpuTimeMs: 1000, wallTimeMs: 1500 });
    expect(r.enforcement).toEqual(RLIMIT);
    expect(['TLE', 'RE']).toContain(outcomeOf(r).status);
    const probe = await programs.run(['/bin/sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 0.3 & done; wait; echo done'], { pids: 16 });
    expect(probe.stdout.toString()).toBe('done\n');
    // A box's own processes are bounded: 20 at once do not fit under 16.
    const over = await programs.run(['/bin/sh', '-c', 'n=0; while [ $n -lt 20 ]; do sleep 1 & n=$((n+1)); done; wait'], { pids: 16 });
    expect(over.stderr.toString()).toMatch(/fork|Resource temporarily unavailable|Cannot/i);
  });
});

describe('a judge over a sandbox with rlimits only', () => {
  it('says in the result that every limit was an rlimit, and gives a busy loop TLE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-rlimits-'));
    const judge = await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: path.join(dir, 'cache') });
    try {
      const ok = await judge.judge({
        language: 'c',
        source: '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n',
        testcases: [{ expected: 'hi\n' }],
      });
      expect(ok.verdict).toBe('AC');
      expect(ok.enforcement).toEqual(RLIMIT);
      expect(JudgeResultSchema.parse(ok).enforcement).toEqual(RLIMIT);
      const busy = await judge.judge({
        language: 'c',
        source: 'int main(void) { for (volatile unsigned long i = 0;; i++) {} }\n',
        testcases: [{ expected: '' }],
        limits: { cpuTimeMs: 1000 },
      });
      expect(busy.verdict).toBe('TLE');
      expect(busy.enforcement).toEqual(RLIMIT);
      // A correct Java program would be CE here (its compiler's JVM cannot reserve its heap under
      // RLIMIT_AS): the language is refused by name instead, and so is Go.
      const java = 'public class Main { public static void main(String[] a) { System.out.println("hi"); } }\n';
      await expect(judge.judge({ language: 'java', source: java, testcases: [{ expected: 'hi\n' }] })).rejects.toThrow(
        /language: language "java" cannot run on this worker: .*RLIMIT_AS/,
      );
      await expect(
        judge.judge({ language: 'go', source: 'package main\nfunc main() {}\n', testcases: [{ expected: '' }] }),
      ).rejects.toThrow(/"go" cannot run on this worker/);
    } finally {
      await judge.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
