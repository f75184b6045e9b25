/**
 * bench/api: submissions per second through `caged api` (POST /submissions, wait=false, as a
 * Judge0 client sends them) against the same submissions through the client (enqueue), in one
 * run, on fresh queues of the same Redis, with no worker consuming (what is measured is the
 * intake: validation, translation, the idempotency check, the Redis round trips).
 *
 * Fair to both: the API runs as its own `caged api` process, as deployed, with authentication
 * and its rate limit on (a limit too high to be reached, so that its bookkeeping is paid); both
 * paths keep `--inflight` submissions in flight; both store the same jobs (the client's carry a
 * fresh id each, as the API gives each submission its token, so both run the idempotency
 * check). The HTTP requests come from a minimal keep-alive HTTP/1.1 generator (as autocannon
 * does it: the request's bytes built once, each answer read as far as its status line and
 * Content-Length), so that the load generator is not what is measured: its CPU per request is
 * printed beside the API process's. The two paths alternate in `--rounds` rounds (so that a busy
 * moment of the host hits both) and each path's median round is reported. Target: HTTP ≥ 0.8×
 * client.
 *
 * Run: `npm run build && node dist/bench/api.js [--submissions N] [--inflight K] [--rounds R] [--json]`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import { CagedClient } from '../src/client';
import { loadConfig } from '../src/config';
import { redisOptionsFromUrl } from '../src/queue/connection';

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => Number(args[args.indexOf(name) + 1] ?? 0) || def;
const N = arg('--submissions', 10_000);
const INFLIGHT = arg('--inflight', 32);
const ROUNDS = arg('--rounds', 5);
const JSON_OUT = args.includes('--json');
const REDIS_URL = loadConfig(process.env, ['redisUrl']).redisUrl;
const TOKEN = 'bench-token-0123456789abcdef';
const SOURCE = '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;}\n';

/** Runs `count` calls of `one`, `inflight` at a time (worker `w` of them); resolves to calls per second. */
async function rate(count: number, inflight: number, one: (w: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inflight }, async (_, w) => {
      while (next < count) {
        next++;
        await one(w);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** CPU time (user + system, all threads) of a process of this host, in µs (Linux USER_HZ: 100). */
function processCpuUs(pid: number): number {
  const fields = fs
    .readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const ownCpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** One keep-alive HTTP/1.1 connection, one request at a time; resolves to the answer's status. */
class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (status: number) => void; reject: (err: Error) => void } | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.read(d));
    const fail = (err: Error): void => {
      this.waiting?.reject(err);
      this.waiting = null;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the API closed the connection')));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  request(bytes: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private read(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.waiting?.reject(new Error(`an answer without Content-Length: ${head}`));
    if (this.buf.length < end + 4 + Number(length[1])) return;
    this.buf = this.buf.subarray(end + 4 + Number(length[1]));
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve(Number(head.slice(9, 12)));
  }
}

async function startApi(queue: string): Promise<{ pid: number; port: number; stop: () => Promise<void> }> {
  const main = path.join(__dirname, '..', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [main, 'api'], {
    env: {
      ...process.env,
      CAGED_REDIS_URL: REDIS_URL,
      CAGED_QUEUE: queue,
      CAGED_API_PORT: '0',
      CAGED_API_TOKENS: TOKEN,
      CAGED_API_RATE_LIMIT: String(1e9),
      // No worker consumes: the queue grows by design. The bound stays on (its reads of the
      // queue's count are part of the cost measured), far above what the bench adds.
      CAGED_API_MAX_QUEUE: String(1e9),
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
    pid: child.pid!,
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
  const connections = await Promise.all(Array.from({ length: INFLIGHT }, () => Connection.open(api.port)));
  try {
    const body = JSON.stringify({ source_code: SOURCE, language_id: 50, stdin: '1 2\n', expected_output: '3\n' });
    const request = Buffer.from(
      `POST /submissions?wait=false HTTP/1.1\r\nHost: 127.0.0.1:${api.port}\r\nContent-Type: application/json\r\n` +
        `X-Auth-Token: ${TOKEN}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // What the API makes of that request, the token as its id.
    const native = () => ({
      id: randomUUID(),
      language: 'c',
      source: SOURCE,
      testcases: [{ stdin: '1 2\n', stdinEncoding: 'utf8' as const, expected: '3\n', expectedEncoding: 'utf8' as const }],
      checker: { type: 'lines' as const },
    });
    const viaHttp = async (w: number): Promise<void> => {
      const status = await connections[w]!.request(request);
      if (status !== 201) throw new Error(`POST /submissions answered ${status}`);
    };
    const viaClient = async (): Promise<void> => void (await client.enqueue(native()));
    // Warm both paths (connections, JIT) before measuring.
    await rate(500, INFLIGHT, viaHttp);
    await rate(500, INFLIGHT, viaClient);
    const httpRounds: number[] = [];
    const clientRounds: number[] = [];
    const cpu = { api: 0, generator: 0, client: 0 };
    const perRound = Math.ceil(N / ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      const [api0, own0] = [processCpuUs(api.pid), ownCpuUs()];
      httpRounds.push(await rate(perRound, INFLIGHT, viaHttp));
      const [api1, own1] = [processCpuUs(api.pid), ownCpuUs()];
      clientRounds.push(await rate(perRound, INFLIGHT, viaClient));
      cpu.api += api1 - api0;
      cpu.generator += own1 - own0;
      cpu.client += ownCpuUs() - own1;
    }
    const total = perRound * ROUNDS;
    const perSubmission = { api: cpu.api / total, generator: cpu.generator / total, client: cpu.client / total };
    const [httpRate, clientRate] = [median(httpRounds), median(clientRounds)];
    const ratio = httpRate / clientRate;
    if (JSON_OUT)
      process.stdout.write(
        JSON.stringify({
          submissions: total,
          inflight: INFLIGHT,
          rounds: ROUNDS,
          httpPerS: httpRate,
          clientPerS: clientRate,
          ratio,
          httpRounds,
          clientRounds,
          cpuUsPerSubmission: perSubmission,
        }) + '\n',
      );
    else {
      const us = (v: number): string => `${v.toFixed(0)} µs`;
      process.stdout.write(
        `bench/api: ${total} submissions per path in ${ROUNDS} alternating rounds, ${INFLIGHT} in flight, no worker consuming (median round)\n` +
          `  HTTP (caged api, POST /submissions wait=false): ${httpRate.toFixed(0)} submissions/s` +
          `  (CPU per submission: API process ${us(perSubmission.api)}, load generator ${us(perSubmission.generator)})\n` +
          `  client (CagedClient.enqueue):                   ${clientRate.toFixed(0)} submissions/s` +
          `  (CPU per submission: ${us(perSubmission.client)})\n` +
          `  HTTP / client: ${ratio.toFixed(2)}× (target ≥ 0.80×)\n`,
      );
    }
  } finally {
    for (const c of connections) c.close();
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
