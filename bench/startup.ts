/**
 * bench/startup: how long `caged run` takes to reach its first container, and where that time
 * goes. Runs the real command (`node dist/src/cli/main.js run noop.c`: a C no-op whose compile
 * the cache holds, one test) with bench/startup-probe.js preloaded, which times each phase from
 * inside without changing the code path:
 *
 *   node start     spawn → the first line of JavaScript (node's own start, measured by the parent)
 *   modules        every module loaded, whichever phase loaded it
 *   config         loadConfig (the CAGED_* variables)
 *   image store    ImageStore.registerImage: the manifest, each layer's verified stamp and locks
 *   sandbox init   Sandbox.create: native library, cgroup detection, the host's leftovers
 *   judge set-up   the rest of Judge.create (language registry, compile cache, schemas)
 *   before the run Judge.judge up to its first Sandbox.run: plan, job directory, compile cache
 *   first launch   the first Sandbox.run (the test's container, start to result)
 *
 * The figure is "first container at": spawn → the first Sandbox.run (target ≤ 150 ms), with
 * `node -e 0` spawned in the same run for node's own cost. Medians of N runs after one warm-up.
 * main.js runs the command's bundle (dist/cli-bundle/run.js) when the build made a current one,
 * else the compiled files (and always with CAGED_BUNDLE=0): the first line says which ran; the
 * probe sees the phases either way (startup-probe.ts).
 *
 * Run: `npm run build && node dist/bench/startup.js [--runs N] [--main FILE] [--json]` (as root, the image built).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { percentile } from './common';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 0) || 15;
const JSON_OUT = args.includes('--json');
/** `--main FILE`: another checkout's dist/src/cli/main.js (to compare before and after a change). */
const MAIN = args.includes('--main')
  ? path.resolve(args[args.indexOf('--main') + 1]!)
  : path.join(__dirname, '..', 'src', 'cli', 'main.js');
const PROBE = path.join(__dirname, 'startup-probe.js');

interface ProbeReport {
  probeAt: number;
  probeMs: number;
  exitMs: number;
  modulesMs: number;
  phases: Record<string, number>;
  marks: Record<string, number>;
  cpuAt: Record<string, number>;
  /** The bundle main.js loaded (dist/cli-bundle/run.js), null when it ran the compiled files. */
  bundle: string | null;
  /** How the bundle was compiled: 'used' (V8's code cache), 'rejected', 'none'. */
  codeCache: string | null;
}

interface Sample {
  /** spawn → exit of the child, ms */
  wallMs: number;
  /** spawn → the probe's first line, ms */
  nodeStartMs: number;
  report: ProbeReport | null;
  /** The child's CPU time (`node -e` baseline: at exit; `caged run`: at its first container), ms. */
  cpuMs: number;
  stdout: string;
}

/** Spawns node with `argv`, fd 3 a pipe for the probe's line. */
function spawnTimed(argv: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.timeOrigin + performance.now();
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
    let stdout = '';
    let line = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (line += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.timeOrigin + performance.now() - spawnedAt;
      if (code !== 0) return reject(new Error(`${argv.join(' ')} exited ${code}:\n${stdout}`));
      const parsed = line ? (JSON.parse(line) as Partial<ProbeReport> & { cpuMs?: number }) : null;
      const report = parsed?.phases ? (parsed as ProbeReport) : null;
      const cpuMs = report ? (report.cpuAt['run:start'] ?? NaN) : (parsed?.cpuMs ?? NaN);
      resolve({ wallMs, nodeStartMs: report ? report.probeAt - spawnedAt : NaN, report, cpuMs, stdout });
    });
  });
}

/** `node -e 0` that reports its CPU time on fd 3 as it exits. */
const BARE =
  "process.on('exit',()=>{const u=process.cpuUsage();require('fs').writeSync(3,JSON.stringify({cpuMs:(u.user+u.system)/1000})+'\\n')})";

const median = (xs: number[]): number => percentile(xs, 50);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-startup-'));
  const source = path.join(dir, 'noop.c');
  fs.writeFileSync(source, 'int main(void){return 0;}\n');
  const command = ['-r', PROBE, MAIN, 'run', source, '--lang', 'c', '--json'];
  try {
    // Warm-up: fills the compile cache and the page cache.
    const warm = await spawnTimed(command);
    if (!warm.report) throw new Error('the probe reported nothing (is dist/bench/startup-probe.js built?)');
    const bare: number[] = [];
    const bareCpu: number[] = [];
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      const b = await spawnTimed(['-e', BARE]);
      bare.push(b.wallMs);
      bareCpu.push(b.cpuMs);
      const s = await spawnTimed(command);
      const verdict = (JSON.parse(s.stdout) as { verdict: string; compile?: { cached: boolean } }).verdict;
      if (verdict !== 'AC') throw new Error(`the no-op was judged ${verdict}`);
      samples.push(s);
    }
    const r = (s: Sample): ProbeReport => s.report!;
    const loaded = new Set(samples.map((s) => r(s).bundle));
    if (loaded.size !== 1) throw new Error(`the runs did not all load the same code: ${[...loaded].join(', ')}`);
    const bundle = r(samples[0]!).bundle;
    const caches = samples.map((s) => r(s).codeCache ?? '-').join(' ');
    const phase = (name: string) => median(samples.map((s) => r(s).phases[name] ?? 0));
    const at = (s: Sample, mark: string): number => s.nodeStartMs + (r(s).marks[mark] ?? NaN) - r(s).probeMs;
    const rows: Array<[string, number, string]> = [
      [
        'node start',
        median(samples.map((s) => s.nodeStartMs)),
        `spawn → first JavaScript; \`node -e 0\` whole: ${median(bare).toFixed(1)} ms`,
      ],
      ['modules', median(samples.map((s) => r(s).modulesMs)), 'every require, whichever phase'],
      ['config', phase('config'), 'loadConfig'],
      ['image store', phase('image store'), 'ImageStore.registerImage'],
      ['sandbox init', phase('sandbox'), 'Sandbox.create'],
      [
        'judge set-up',
        median(samples.map((s) => (r(s).phases['judge create'] ?? 0) - (r(s).phases['image store'] ?? 0))),
        'Judge.create minus the image store',
      ],
      [
        'before the run',
        median(samples.map((s) => at(s, 'run:start') - at(s, 'judge:start'))),
        'Judge.judge → first Sandbox.run (modules included)',
      ],
      ['first launch', phase('run'), 'the first Sandbox.run, start to result'],
    ];
    const firstAt = median(samples.map((s) => at(s, 'run:start')));
    const wall = median(samples.map((s) => s.wallMs));
    if (JSON_OUT) {
      process.stdout.write(
        `${JSON.stringify({ runs: RUNS, rows: Object.fromEntries(rows.map(([k, v]) => [k, v])), firstContainerAtMs: firstAt, wallMs: wall, nodeMs: median(bare), bundle, codeCache: samples.map((s) => r(s).codeCache) })}\n`,
      );
      return;
    }
    process.stdout.write(`bench/startup: \`caged run noop.c --lang c\` (cached compile, 1 test), medians of ${RUNS} runs\n`);
    process.stdout.write(
      `  ${MAIN} ran ${bundle ? `the bundle ${bundle} (code cache per run: ${caches})` : 'the compiled files (no current bundle)'}\n`,
    );
    for (const [name, ms, why] of rows) process.stdout.write(`  ${name.padEnd(15)} ${ms.toFixed(1).padStart(7)} ms   ${why}\n`);
    const firstCpu = median(samples.map((s) => s.cpuMs));
    const p90 = percentile(
      samples.map((s) => at(s, 'run:start')),
      90,
    );
    process.stdout.write(
      `first container at ${firstAt.toFixed(1)} ms after spawn (p90 ${p90.toFixed(1)}), ${(firstAt / median(bare)).toFixed(2)}x \`node -e 0\` (${median(bare).toFixed(1)} ms); ` +
        `CPU to it ${firstCpu.toFixed(1)} ms, ${(firstCpu / median(bareCpu)).toFixed(2)}x node -e 0's ${median(bareCpu).toFixed(1)} ms; whole command ${wall.toFixed(1)} ms\n` +
        `target: first container <= 150 ms where node -e 0 takes ~40 ms (<= 3.75x)\n`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/startup: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
