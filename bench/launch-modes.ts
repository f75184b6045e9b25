/**
 * bench/launch in both modes: root and rootless (docs/rootless.md), side by side. The parent
 * (root) starts two servers of this file, one as root and one as an ordinary user prepared by
 * `scripts/setup-host.sh --user NAME` (setpriv), each with its sandboxes (containers prepared
 * ahead, and made at their run), the static no-op built in its own job; then it asks them for
 * runs in interleaved rounds, so that drift in the machine's speed hits both modes alike, and
 * prints each mode's figures and rootless ÷ root.
 * Run: `node dist/bench/launch.js` with CAGED_BENCH_ROOTLESS_USER=NAME (after its own rows), or
 * `node dist/bench/launch-modes.js [runs] NAME`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { JobDirs } from '../src/rootfs/job-dirs';
import { Sandbox } from '../src/sandbox/sandbox';
import { benchImageRootfs, percentile } from './common';
import { NOOP_LIMITS, busyMs, buildNoop } from './noop';

const LIMITS = NOOP_LIMITS;
const ROUNDS = 10;
const VARIANTS = ['prepared', 'atRun'] as const;
type VariantName = (typeof VARIANTS)[number];

/** A server: reads "<variant> <n>" lines, answers each with one JSON line {ms, busyMs}. */
async function serve(): Promise<void> {
  const rootfs = await benchImageRootfs();
  const sandboxes: Record<VariantName, Sandbox> = {
    prepared: await Sandbox.create(),
    atRun: await Sandbox.create({ preparedContainers: 0 }),
  };
  const job = JobDirs.of(sandboxes.prepared).create();
  try {
    await buildNoop(sandboxes.prepared, rootfs, job.box);
    process.stdout.write(`${JSON.stringify({ ready: sandboxes.prepared.mode, cgroups: sandboxes.prepared.cgroups.describe() })}\n`);
    for await (const line of readline.createInterface({ input: process.stdin })) {
      const [name, count] = line.split(' ');
      const sb = sandboxes[name as VariantName];
      const ms: number[] = [];
      const busy = busyMs();
      for (let i = 0; i < Number(count); i++) {
        const t = process.hrtime.bigint();
        const r = await sb.run({
          rootfs: { mode: 'overlay', lowerDirs: rootfs },
          box: { hostDir: job.box, mode: 'overlay' },
          argv: ['/box/noop'],
          env: {},
          limits: LIMITS,
        });
        if (r.exitCode !== 0) throw new Error(`no-op failed: ${JSON.stringify(r)}`);
        ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      process.stdout.write(`${JSON.stringify({ ms, busyMs: busyMs() - busy })}\n`);
    }
  } finally {
    job.remove();
    await sandboxes.prepared.close();
    await sandboxes.atRun.close();
  }
}

interface Server {
  child: ChildProcess;
  ask(line: string): Promise<{ ms: number[]; busyMs: number }>;
  hello: { ready: string; cgroups: string };
}

async function startServer(user: string | null): Promise<Server> {
  const self = __filename;
  const cmd = user
    ? [
        'setpriv',
        `--reuid=${user}`,
        `--regid=${user}`,
        '--init-groups',
        '--reset-env',
        'env',
        `PATH=${process.env.PATH}`,
        process.execPath,
        self,
        '--serve',
      ]
    : [process.execPath, self, '--serve'];
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<unknown> => {
    const r = await lines.next();
    if (r.done) throw new Error(`the ${user ?? 'root'} server ended early`);
    return JSON.parse(r.value) as unknown;
  };
  const hello = (await next()) as Server['hello'];
  return {
    child,
    hello,
    ask: async (line) => {
      child.stdin.write(`${line}\n`);
      return (await next()) as { ms: number[]; busyMs: number };
    },
  };
}

/** Runs both modes in interleaved rounds and prints them and rootless ÷ root. */
export async function compareModes(runs: number, user: string): Promise<void> {
  if (process.geteuid?.() !== 0) throw new Error('bench/launch-modes: run as root (it starts the rootless side as the user)');
  const servers = { root: await startServer(null), rootless: await startServer(user) };
  try {
    const ms: Record<string, number[]> = {};
    const cpu: Record<string, number> = {};
    const perRound = Math.ceil(runs / ROUNDS);
    for (const s of Object.values(servers)) for (const v of VARIANTS) await s.ask(`${v} 20`); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of VARIANTS) {
        for (const [mode, s] of Object.entries(servers)) {
          const r = await s.ask(`${v} ${perRound}`);
          const key = `${mode} ${v}`;
          (ms[key] ??= []).push(...r.ms);
          cpu[key] = (cpu[key] ?? 0) + r.busyMs;
        }
      }
    }
    const p50 = (k: string) => percentile(ms[k]!, 50);
    console.log(`bench/launch modes: ${runs} runs per variant and mode in ${ROUNDS} interleaved rounds; rootless as ${user}`);
    console.log(`  root:     ${servers.root.hello.cgroups}`);
    console.log(`  rootless: ${servers.rootless.hello.cgroups}`);
    for (const k of Object.keys(ms)) {
      const m = ms[k]!;
      const mean = m.reduce((a, b) => a + b, 0) / m.length;
      console.log(
        `${k.padEnd(20)} p50 ${p50(k).toFixed(3)} ms   p99 ${percentile(m, 99).toFixed(3)} ms   mean ${mean.toFixed(3)} ms   machine CPU ${(cpu[k]! / m.length).toFixed(3)} ms/run`,
      );
    }
    const ratio = (v: VariantName) => (p50(`rootless ${v}`) / p50(`root ${v}`)).toFixed(2);
    const cpuRatio = (v: VariantName) =>
      (cpu[`rootless ${v}`]! / ms[`rootless ${v}`]!.length / (cpu[`root ${v}`]! / ms[`root ${v}`]!.length)).toFixed(2);
    console.log(
      `rootless / root, p50: prepared ${ratio('prepared')}x, made at run ${ratio('atRun')}x (target <= 1.2x); machine CPU per run: prepared ${cpuRatio('prepared')}x, made at run ${cpuRatio('atRun')}x`,
    );
  } finally {
    for (const s of Object.values(servers)) {
      s.child.stdin!.end();
      await new Promise((r) => s.child.once('exit', r));
    }
  }
}

if (require.main === module) {
  const run = process.argv[2] === '--serve' ? serve() : compareModes(Number(process.argv[2] ?? 300), process.argv[3] ?? 'caged-ci');
  run.catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
