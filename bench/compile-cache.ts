/**
 * bench/compile-cache: what the compile cache saves. For each compiled language, a submission
 * with one test is judged with a source never seen before (a miss: the compiler runs) and then
 * again unchanged (a hit: the artefact is copied from the cache), `runs` times each, in a fresh
 * cache directory. Prints the compile step (cache lookup included) and the whole judgement,
 * miss against hit, as medians, and the ratio. Run: `npm run build && node dist/bench/compile-cache.js [runs]`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { BENCH_MANIFEST, percentile } from './common';

const RUNS = Number(process.argv[2] ?? 5);

/** Typical contest programs: a C one with stdio, C++ ones with <bits/stdc++.h>. */
const PROGRAMS: Record<string, string> = {
  c: '#include <stdio.h>\nint main(void){long a,b; if(scanf("%ld %ld",&a,&b)!=2) return 1; printf("%ld\\n",a+b); return 0;}\n',
  cpp17:
    '#include <bits/stdc++.h>\nusing namespace std;\nint main(){ long a,b; cin>>a>>b; vector<long> v{a,b}; cout<<accumulate(v.begin(),v.end(),0L)<<"\\n"; }\n',
  cpp20:
    '#include <bits/stdc++.h>\nusing namespace std;\nint main(){ long a,b; cin>>a>>b; vector<long> v{a,b}; ranges::sort(v); cout<<v[0]+v[1]<<"\\n"; }\n',
};

interface Timing {
  compileMs: number;
  totalMs: number;
}

async function judgeOnce(judge: Judge, language: string, source: string, expectCached: boolean): Promise<Timing> {
  const sub: SubmissionInput = { language, source, testcases: [{ stdin: '2 40', expected: '42' }] };
  const r = await judge.judge(sub);
  if (r.verdict !== 'AC' || r.compile?.cached !== expectCached) {
    throw new Error(
      `${language}: expected AC with cached=${expectCached}, got ${r.verdict} cached=${String(r.compile?.cached)}: ${r.message}`,
    );
  }
  return { compileMs: r.timing.compileMs, totalMs: r.timing.totalMs };
}

const median = (xs: readonly number[]) => percentile(xs, 50);

async function main(): Promise<void> {
  if (!fs.existsSync(BENCH_MANIFEST)) throw new Error(`image ${BENCH_MANIFEST} missing: run \`npm run image:build -- debian\``);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-bench-cache-'));
  const judge = await Judge.create({
    sandbox: await Sandbox.create(),
    closeSandbox: true,
    manifestPath: BENCH_MANIFEST,
    compileCacheDir: cacheDir,
  });
  try {
    process.stdout.write(
      `compile cache, ${RUNS} runs each, medians (ms); compile = the compile step incl. cache lookup, total = whole judgement with one test\n`,
    );
    process.stdout.write(
      `${'language'.padEnd(9)} ${'miss compile'.padStart(12)} ${'hit compile'.padStart(12)} ${'ratio'.padStart(7)} ${'miss total'.padStart(11)} ${'hit total'.padStart(10)} ${'ratio'.padStart(7)}\n`,
    );
    for (const [language, program] of Object.entries(PROGRAMS)) {
      await judgeOnce(judge, language, `// warm-up ${crypto.randomUUID()}\n${program}`, false);
      const miss: Timing[] = [];
      const hit: Timing[] = [];
      for (let i = 0; i < RUNS; i++) {
        const source = `// ${crypto.randomUUID()}\n${program}`;
        miss.push(await judgeOnce(judge, language, source, false));
        hit.push(await judgeOnce(judge, language, source, true));
      }
      const mc = median(miss.map((t) => t.compileMs));
      const hc = median(hit.map((t) => t.compileMs));
      const mt = median(miss.map((t) => t.totalMs));
      const ht = median(hit.map((t) => t.totalMs));
      process.stdout.write(
        `${language.padEnd(9)} ${mc.toFixed(1).padStart(12)} ${hc.toFixed(1).padStart(12)} ${`${(mc / hc).toFixed(0)}x`.padStart(7)} ` +
          `${mt.toFixed(1).padStart(11)} ${ht.toFixed(1).padStart(10)} ${`${(mt / ht).toFixed(1)}x`.padStart(7)}\n`,
      );
    }
    const s = judge.stats();
    process.stdout.write(`compiler runs ${s.compiles}, cache hits ${s.cache?.hits}, misses ${s.cache?.misses}\n`);
  } finally {
    await judge.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
