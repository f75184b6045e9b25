/**
 * The address-space limit of languages with `addressSpaceGraceMiB` (an operator's opt-in, off on
 * the Debian image: docs/judging.md#limits): RLIMIT_AS = the memory limit + the grace, so that
 * memory the cgroup never sees (a static array never touched, a `new` never written) cannot be
 * had beyond the limit. Real programs in real containers; the image's manifest is given the grace
 * here, as an operator's language.json would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { ImageStore } from '../src/rootfs/store';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { GUESS_INTERACTOR_C } from './helpers/interactive-programs';

const MiB = 2 ** 20;
const GRACE_MIB = 16;
/** RLIM_INFINITY as Python prints it. */
const PY_RLIM_INFINITY = -1;

let sandbox: Sandbox;
let judge: Judge;
let store: ImageStore;
let cacheDir: string;

beforeAll(async () => {
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
  store = new ImageStore();
  const image = await store.registerImage(TEST_MANIFEST);
  const languages = image.manifest.languages.map((l) =>
    l.id === 'c' || l.id.startsWith('cpp') ? { ...l, addressSpaceGraceMiB: GRACE_MIB } : { ...l, addressSpaceGraceMiB: undefined },
  );
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-as-cache-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({
    sandbox,
    image: { layers: image.layers, manifest: { ...image.manifest, languages } },
    compileCacheDir: cacheDir,
  });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  await store?.close();
  if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
});

const run = (language: string, source: string, memoryMiB: number): Promise<JudgeResult> =>
  judge.judge({ language, source, testcases: [{ stdin: '', expected: 'done\n' }], limits: { memoryBytes: memoryMiB * MiB } });

// The array and the allocation are used through volatile pointers, so the compiler keeps them.
const STATIC_C =
  '#include <stdio.h>\nstatic char big[128 << 20];\nint main(void){ volatile char *p = big; p[1000] = 1; if (p[1000]) puts("done"); return 0; }\n';
const NEW_CPP =
  '#include <cstdio>\n#include <new>\nint main(){ char *volatile p = new char[512u << 20]; p[1000] = 1; if (p[1000]) std::puts("done"); delete[] p; }\n';

const RLIMIT_AS_C =
  '#include <stdio.h>\n#include <sys/resource.h>\nint main(void){ struct rlimit r; getrlimit(RLIMIT_AS, &r); printf("%llu\\n", (unsigned long long)r.rlim_cur); return 0; }\n';

describe('the address-space limit', () => {
  it('is the memory limit plus the grace for C', async () => {
    const r = await run('c', RLIMIT_AS_C, 64);
    expect(r.tests[0]!.stdout).toBe(`${(64 + GRACE_MIB) * MiB}\n`);
  });

  it('is absent for a language without the grace (Python)', async () => {
    const r = await run('python3', 'import resource\nprint(resource.getrlimit(resource.RLIMIT_AS)[0])\n', 64);
    expect(r.tests[0]!.stdout).toBe(`${PY_RLIM_INFINITY}\n`);
  });
});

describe('a C or C++ program under the address-space limit', () => {
  it('runs an ordinary program under a 4 MiB limit (the smallest memory limit)', async () => {
    const r = await run('c', '#include <stdio.h>\nint main(void){ puts("done"); return 0; }\n', 4);
    expect(r.verdict).toBe('AC');
  });

  it('reports MLE for a 128 MiB static array under a 4 MiB limit, naming the sizes', async () => {
    const r = await run('c', STATIC_C, 4);
    const t = r.tests[0]!;
    expect(r.verdict).toBe('MLE');
    expect(t.limitHit).toBe('memory');
    expect(t.signal).toBe('SIGSEGV');
    expect(t.message).toMatch(/needs 128(\.\d)? MiB of address space, more than the 20 MiB allowed/);
    expect(r.judge0.id).toBe(12);
  });

  it('names the sizes likewise on a compile-cache hit (the binary read from the cache entry, a layer under /box)', async () => {
    const r = await run('c', STATIC_C, 4);
    expect(r.compile?.cached).toBe(true);
    expect(r.verdict).toBe('MLE');
    expect(r.tests[0]!.message).toMatch(/needs 128(\.\d)? MiB of address space, more than the 20 MiB allowed/);
  });

  it('runs the same static array when the limit covers it', async () => {
    const r = await run('c', STATIC_C, 128);
    expect(r.verdict).toBe('AC');
  });

  it("reports RE (SIGABRT, bad_alloc) for a 512 MiB new under a 4 MiB limit: a refused allocation is the program's failure", async () => {
    const r = await run('cpp17', NEW_CPP, 4);
    const t = r.tests[0]!;
    expect(r.verdict).toBe('RE');
    expect(t.signal).toBe('SIGABRT');
    expect(t.stderr).toContain('std::bad_alloc');
    expect(t.limitHit).toBeNull();
    expect(r.judge0.id).toBe(10);
  });

  it('reports MLE for the static array in an interactive test too', async () => {
    const r = await judge.judge({
      language: 'c',
      source: STATIC_C,
      testcases: [{ stdin: '5\n' }],
      limits: { memoryBytes: 4 * MiB },
      interactor: { language: 'c', source: GUESS_INTERACTOR_C, flags: ['0'] },
    });
    expect(r.verdict).toBe('MLE');
    expect(r.tests[0]!.message).toMatch(/needs 128(\.\d)? MiB of address space/);
  });

  it('runs the same new when the limit covers it', async () => {
    const r = await run('cpp17', NEW_CPP, 600);
    expect(r.verdict).toBe('AC');
  });

  it("starts threads with glibc's 2 MiB default stack, not one the size of the memory limit each (which the address space could not hold)", async () => {
    const threads =
      '#include <bits/stdc++.h>\nint main(){ std::vector<std::thread> v; std::atomic<long> s{0};\n' +
      '  for (int i = 0; i < 8; i++) v.emplace_back([&]{ pthread_attr_t a; size_t z; pthread_attr_init(&a); pthread_attr_getstacksize(&a, &z); if (z <= (4u << 20)) s++; });\n' +
      '  for (auto &t : v) t.join(); if (s == 8) std::puts("done"); }\n';
    // The threads allocate nothing: this test is about their stacks (the next one, their arenas).
    const r = await run('cpp17', threads, 256);
    expect({ verdict: r.verdict, stderr: r.tests[0]!.stderr }).toEqual({ verdict: 'AC', stderr: '' });
  });

  it('lets threads that allocate leave the address space to the program: glibc keeps one arena, not one of 64 MiB per thread', async () => {
    // Without MALLOC_ARENA_MAX=1 the eight threads' arenas would reserve up to 8 x 64 MiB of the
    // 272 MiB, and the 160 MiB vector would throw bad_alloc (RE).
    const threads =
      '#include <bits/stdc++.h>\nint main(){ std::vector<std::thread> v; std::atomic<long> s{0};\n' +
      '  for (int i = 0; i < 8; i++) v.emplace_back([&]{ std::vector<int> w; for (int j = 0; j < 100000; j++) w.push_back(j); s += w.size(); });\n' +
      '  for (auto &t : v) t.join(); std::vector<char> big(160u << 20, 1); if (s == 800000 && big[12345]) std::puts("done"); }\n';
    const r = await run('cpp17', threads, 256);
    expect({ verdict: r.verdict, stderr: r.tests[0]!.stderr }).toEqual({ verdict: 'AC', stderr: '' });
  });

  it('still lets the main stack grow as deep as the memory limit allows (200 000 frames of 1 KiB under 256 MiB)', async () => {
    const deep =
      '#include <stdio.h>\nint f(int n){ volatile char b[1024]; b[0] = (char)n; return n ? f(n - 1) + b[0] : 0; }\n' +
      'int main(void){ if (f(200000) != 1) puts("done"); return 0; }\n';
    const r = await run('c', deep, 256);
    expect(r.verdict).toBe('AC');
    expect(r.tests[0]!.memoryBytes).toBeGreaterThan(190 * MiB);
  });
});
