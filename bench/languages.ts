/**
 * bench/languages: for each language of the image, the A+B program of test/fixtures/languages
 * (the judge's hello world: read two numbers, print their sum) judged `runs` times with the
 * compile cache off; prints the compile step's and the test run's wall time as p50 (ms, as the
 * sandbox measured them). Then the precompiled <bits/stdc++.h> of each C++ language that ships
 * one: the same program compiled with the include first (GCC uses the PCH) and with a
 * declaration before it (GCC cannot use a PCH once a token was seen), p50 of `runs`, and the
 * speedup. Run: `npm run build && node dist/bench/languages.js [runs] [ID…]` (CAGED_IMAGE picks the
 * image; IDs: only those languages).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { BENCH_MANIFEST, percentile } from './common';

const RUNS = Number(process.argv[2] ?? 5);
const ONLY = new Set(process.argv.slice(3));
const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'languages');
const LANGUAGE_TABLE = path.join(__dirname, '..', '..', 'images', 'languages');

/** Whether the table's language.json of `id` has a precompiled header (`pch`, a build-only field: not in the manifest). */
function hasPch(id: string): boolean {
  const file = path.join(LANGUAGE_TABLE, id, 'language.json');
  return fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { pch?: unknown }).pch !== undefined;
}
const INPUT = '123456789 987654321\n';
const SUM = '1111111110';

const PCH_PROGRAM =
  '#include <bits/stdc++.h>\nusing namespace std;\nint main() { long long a, b; cin >> a >> b; cout << a + b << endl; }\n';
/** A declaration before the include: GCC then cannot use a precompiled header. */
const NO_PCH_PROGRAM = `static int caged_bench_no_pch;\n${PCH_PROGRAM}`;

function acFixture(id: string): string | null {
  const dir = path.join(FIXTURES, id);
  if (!fs.existsSync(dir)) return null;
  const file = fs.readdirSync(dir).find((f) => f.startsWith('ac.'));
  return file ? fs.readFileSync(path.join(dir, file), 'utf8') : null;
}

async function judged(judge: Judge, language: string, source: string): Promise<JudgeResult> {
  const r = await judge.judge({ language, source, testcases: [{ stdin: INPUT, expected: SUM }] });
  if (r.verdict !== 'AC') throw new Error(`${language}: expected AC, got ${r.verdict}: ${r.message} ${r.compile?.output ?? ''}`);
  return r;
}

const p50 = (xs: readonly number[]) => percentile(xs, 50);
const cell = (v: number | null, w: number) => (v === null ? '-' : v.toFixed(0)).padStart(w);

async function main(): Promise<void> {
  if (!fs.existsSync(BENCH_MANIFEST)) throw new Error(`image ${BENCH_MANIFEST} missing: run \`npm run image:build -- debian\``);
  const judge = await Judge.create({
    sandbox: await Sandbox.create(),
    closeSandbox: true,
    manifestPath: BENCH_MANIFEST,
    compileCacheBytes: 0,
  });
  try {
    const languages = judge.languages().filter((l) => ONLY.size === 0 || ONLY.has(l.id));
    process.stdout.write(`${languages.length} languages, A+B judged ${RUNS} times each, compile cache off, p50 wall ms\n`);
    process.stdout.write(`${'language'.padEnd(11)} ${'compile'.padStart(8)} ${'run'.padStart(6)}  name\n`);
    for (const l of languages) {
      const source = acFixture(l.id);
      if (!source) {
        process.stdout.write(`${l.id.padEnd(11)} (no fixture in test/fixtures/languages/${l.id})\n`);
        continue;
      }
      await judged(judge, l.id, source); // warm-up: page cache, JIT archives
      const compile: number[] = [];
      const run: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await judged(judge, l.id, source);
        if (r.compile) compile.push(r.compile.wallTimeMs);
        run.push(r.tests[0]!.wallTimeMs);
      }
      process.stdout.write(`${l.id.padEnd(11)} ${cell(compile.length ? p50(compile) : null, 8)} ${cell(p50(run), 6)}  ${l.name}\n`);
    }
    for (const id of languages.map((l) => l.id).filter(hasPch)) {
      const withPch: number[] = [];
      const without: number[] = [];
      await judged(judge, id, PCH_PROGRAM);
      for (let i = 0; i < RUNS; i++) {
        withPch.push((await judged(judge, id, PCH_PROGRAM)).compile!.wallTimeMs);
        without.push((await judged(judge, id, NO_PCH_PROGRAM)).compile!.wallTimeMs);
      }
      const a = p50(without);
      const b = p50(withPch);
      process.stdout.write(
        `PCH ${id}: <bits/stdc++.h> A+B compiles in ${a.toFixed(0)} ms without the precompiled header, ${b.toFixed(0)} ms with it: ${(a / b).toFixed(1)}x\n`,
      );
    }
  } finally {
    await judge.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
