/**
 * bench/api: submissions per second through `caged api` (POST /submissions, wait=false, as a
 * Judge0 client sends them) against the same submissions through the client (enqueue), in one
 * run, on fresh queues of the same Redis, with no worker consuming (what is measured is the
 * intake: validation, translation, the Redis round trip). Both keep `--inflight` requests in
 * flight; the API runs as its own `caged api` process, as deployed. The two paths alternate in
 * `--rounds` rounds (so that a busy moment of the host hits both) and each path's median round
 * is reported. Target: HTTP ≥ 0.8× client.
 *
 * Run: `npm run build && node dist/bench/api.js [--submissions N] [--inflight K] [--rounds R] [--json]`.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { CagedClient } from '../src/client';
import { loadConfig } from '../src/config';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { Queue } from 'bullmq';

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => Number(args[args.indexOf(name) + 1] ?? 0) || def;
const N = arg('--submissions', 3000);
const INFLIGHT = arg('--inflight', 32);
const ROUNDS = arg('--rounds', 5);
const JSON_OUT = args.includes('--json');
const REDIS_URL = loadConfig(process.env, ['redisUrl']).redisUrl;
const TOKEN = 'bench-token-0123456789abcdef';
const SOURCE = '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;}\n';

/** Runs `count` calls of `one`, `inflight` at a time; resolves to calls per second. */
async function rate(count: number, inflight: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function post(agent: http.Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/submissions?wait=false',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'x-auth-token': TOKEN },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function startApi(queue: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const main = path.join(__dirname, '..', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [main, 'api'], {
    env: {
      ...process.env,
      CAGED_REDIS_URL: REDIS_URL,
      CAGED_QUEUE: queue,
      CAGED_API_PORT: '0',
      CAGED_API_TOKENS: TOKEN,
      CAGED_API_RATE_LIMIT: '0',
      CAGED_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)[^\n]*"msg":"api listening"/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`caged api exited (${code}) before listening: ${out}`)));
  });
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const stamp = `${process.pid}-${Date.now().toString(36)}`;
  const httpQueue = `caged-bench-api-http-${stamp}`;
  const clientQueue = `caged-bench-api-client-${stamp}`;
  const api = await startApi(httpQueue);
  const client = new CagedClient({ connection: REDIS_URL, queueName: clientQueue, attempts: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: INFLIGHT });
  try {
    const judge0 = { source_code: SOURCE, language_id: 50, stdin: '1 2\n', expected_output: '3\n' };
    const native = { language: 'c', source: SOURCE, testcases: [{ stdin: '1 2\n', expected: '3\n' }], checker: { type: 'lines' as const } };
    const body = JSON.stringify(judge0);
    // Warm both paths (connections, JIT) before measuring.
    await rate(200, INFLIGHT, async () => {
      if ((await post(agent, api.port, body)) !== 201) throw new Error('POST /submissions did not answer 201');
    });
    await rate(200, INFLIGHT, async () => void (await client.enqueue(native)));
    const httpRounds: number[] = [];
    const clientRounds: number[] = [];
    const perRound = Math.ceil(N / ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      httpRounds.push(
        await rate(perRound, INFLIGHT, async () => {
          const status = await post(agent, api.port, body);
          if (status !== 201) throw new Error(`POST /submissions answered ${status}`);
        }),
      );
      clientRounds.push(await rate(perRound, INFLIGHT, async () => void (await client.enqueue(native))));
    }
    const viaHttp = median(httpRounds);
    const viaClient = median(clientRounds);
    const ratio = viaHttp / viaClient;
    if (JSON_OUT)
      process.stdout.write(
        JSON.stringify({
          submissions: N,
          inflight: INFLIGHT,
          rounds: ROUNDS,
          httpPerS: viaHttp,
          clientPerS: viaClient,
          ratio,
          httpRounds,
          clientRounds,
        }) + '\n',
      );
    else {
      process.stdout.write(
        `bench/api: ${N} submissions per path in ${ROUNDS} alternating rounds, ${INFLIGHT} in flight, no worker consuming (median round)\n`,
      );
      process.stdout.write(`  HTTP (caged api, POST /submissions wait=false): ${viaHttp.toFixed(0)} submissions/s\n`);
      process.stdout.write(`  client (CagedClient.enqueue):                   ${viaClient.toFixed(0)} submissions/s\n`);
      process.stdout.write(`  HTTP / client: ${ratio.toFixed(2)}× (target ≥ 0.80×)\n`);
    }
  } finally {
    agent.destroy();
    await client.close();
    await api.stop();
    for (const name of [httpQueue, clientQueue]) {
      const q = new Queue(name, { connection: redisOptionsFromUrl(REDIS_URL) });
      await q.obliterate({ force: true });
      await q.close();
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
