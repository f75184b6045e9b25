/**
 * `caged api` driven as a Judge0 client drives Judge0: plain fetch calls following Judge0's
 * documented requests, against a real worker, the real Redis and the real image. Also caged's
 * own /v1 routes (with server-sent events), the OpenAPI document, and webhooks delivered to a
 * receiver in this test, signed, including after the receiver refused the first delivery.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   the answers are read as a Judge0 client reads them: untyped JSON, each field asserted by the test */
import http from 'node:http';
import { loadConfig } from '../src/config';
import { ApiServer } from '../src/api/server';
import { createLogger } from '../src/queue/log';
import { WorkerRuntime } from '../src/queue/runtime';
import { verifySignature } from '../src/webhook/signature';
import { REDIS_URL, SUBMISSIONS, freshQueueName, obliterate, sleeper, until } from './helpers/queue';

jest.setTimeout(180_000);

const TOKEN = 'test-token-0123456789abcdef';
const SECRET = 'webhook-secret-for-the-test';
const SUM_C = SUBMISSIONS.AC.source as string;
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

interface Received {
  body: string;
  signature: string | undefined;
  status: number;
}

describe('caged api', () => {
  let queueName: string;
  let runtime: WorkerRuntime;
  let server: ApiServer;
  let base: string;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Received[] = [];
  let refuseNext = 0;

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    CAGED_REDIS_URL: REDIS_URL,
    CAGED_QUEUE: queueName,
    CAGED_CONCURRENCY: '2',
    CAGED_API_PORT: '0',
    CAGED_API_TOKENS: TOKEN,
    CAGED_API_BODY_LIMIT_KB: '64',
    CAGED_WEBHOOK_SECRET: SECRET,
    CAGED_WEBHOOK_ALLOW_NETWORKS: '127.0.0.1/32',
    CAGED_WEBHOOK_BACKOFF_MS: '200',
    ...extra,
  });

  const api = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-auth-token': TOKEN, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    queueName = freshQueueName();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const status = refuseNext > 0 ? 500 : 204;
        if (refuseNext > 0) refuseNext--;
        received.push({ body, signature: req.headers['x-caged-signature'] as string | undefined, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const logger = createLogger({ level: 'silent' });
    runtime = await WorkerRuntime.start(loadConfig(env()), { logger });
    server = await ApiServer.create(loadConfig(env()), logger);
    base = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  });
  afterAll(async () => {
    await server?.close();
    await runtime?.shutdown();
    await new Promise((r) => receiver.close(r));
    await obliterate(queueName);
    await obliterate(`${queueName}-webhooks`);
  });

  describe('authentication and request limits', () => {
    it('refuses a request without or with a wrong X-Auth-Token (401), but serves /about and /openapi.json', async () => {
      expect((await api('GET', '/statuses', undefined, { 'x-auth-token': '' })).status).toBe(401);
      expect((await api('GET', '/statuses', undefined, { 'x-auth-token': 'not-the-token-at-all' })).status).toBe(401);
      const about = await fetch(`${base}/about`);
      expect(about.status).toBe(200);
      expect(((await about.json()) as { version: string }).version).toMatch(/^\d+\.\d+\.\d+/);
      expect((await fetch(`${base}/openapi.json`)).status).toBe(200);
    });

    it('sends no CORS header unless origins are configured', async () => {
      const res = await fetch(`${base}/statuses`, { headers: { 'x-auth-token': TOKEN, origin: 'https://evil.example' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('refuses an oversize body with 413 and bad JSON with 400, both as JSON', async () => {
      const big = await api('POST', '/submissions', { source_code: 'x'.repeat(70 * 1024), language_id: 50 });
      expect(big.status).toBe(413);
      expect(big.body.error).toMatch(/larger than/);
      const bad = await api('POST', '/submissions', '{"source_code": "x", ');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/not valid JSON/);
    });

    it('names the missing or wrong fields with 422, as Judge0 does', async () => {
      const r = await api('POST', '/submissions', { source_code: 'int main(){}' });
      expect(r.status).toBe(422);
      expect(r.body.language_id).toEqual(["can't be blank"]);
      const unknown = await api('POST', '/submissions', { source_code: 'x', language_id: 9999 });
      expect(unknown.body.language_id[0]).toMatch(/doesn't exist/);
      const net = await api('POST', '/submissions', { source_code: 'x', language_id: 50, enable_network: true });
      expect(Object.keys(net.body)).toEqual(['enable_network']);
      const limit = await api('POST', '/submissions', { source_code: 'x', language_id: 50, cpu_time_limit: -1 });
      expect(limit.status).toBe(422);
      expect(Object.keys(limit.body)).toEqual(['cpu_time_limit']);
      const above = await api('POST', '/submissions', { source_code: 'x', language_id: 50, cpu_time_limit: 100, memory_limit: 64 });
      expect(above.status).toBe(422);
      expect(above.body.cpu_time_limit[0]).toMatch(/above the maximum of 10000 ms/);
    });

    it('answers 429 past the rate limit, per token', async () => {
      const limited = await ApiServer.create(loadConfig(env({ CAGED_API_RATE_LIMIT: '3' })), createLogger({ level: 'silent' }));
      try {
        const url = `http://127.0.0.1:${await limited.listen('127.0.0.1', 0)}/statuses`;
        const codes: number[] = [];
        for (let i = 0; i < 4; i++) codes.push((await fetch(url, { headers: { 'x-auth-token': TOKEN } })).status);
        expect(codes).toEqual([200, 200, 200, 429]);
      } finally {
        await limited.close();
      }
    });
  });

  describe('Judge0 submissions', () => {
    it('creates one (wait=false), then reads it by token until it is judged', async () => {
      const created = await api('POST', '/submissions?base64_encoded=false&wait=false', {
        source_code: SUM_C,
        language_id: 50,
        stdin: '1 2\n',
        expected_output: '3\n',
        cpu_time_limit: 2,
        memory_limit: 128000,
      });
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^[0-9a-f-]{36}$/);
      let view: any;
      await until(
        async () => {
          view = (await api('GET', `/submissions/${created.body.token}`)).body;
          return view.status.id > 2;
        },
        60_000,
        'the submission to be judged',
      );
      expect(view.status).toEqual({ id: 3, description: 'Accepted' });
      expect(view.stdout).toBe('3\n');
      expect(view.token).toBe(created.body.token);
      expect(view.time).toMatch(/^\d+\.\d{3}$/);
      expect(typeof view.memory).toBe('number');
      expect(Object.keys(view).sort()).toEqual(['compile_output', 'memory', 'message', 'status', 'stderr', 'stdout', 'time', 'token']);
      const some = await api(
        'GET',
        `/submissions/${created.body.token}?fields=status_id,language_id,stdin,cpu_time_limit,memory_limit,exit_code`,
      );
      expect(some.body).toEqual({ status_id: 3, language_id: 50, stdin: '1 2\n', cpu_time_limit: 2, memory_limit: 128000, exit_code: 0 });
      expect((await api('GET', `/submissions/${created.body.token}?fields=stdout,nonsense`)).status).toBe(400);
      expect((await api('GET', '/submissions/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    });

    it('answers with the result at once with wait=true: WA, CE with compile_output', async () => {
      const wa = await api('POST', '/submissions?wait=true', { source_code: SUM_C, language_id: 50, stdin: '1 2', expected_output: '4' });
      expect(wa.status).toBe(201);
      expect(wa.body.status).toEqual({ id: 4, description: 'Wrong Answer' });
      const ce = await api('POST', '/submissions?wait=true', { source_code: 'int main(void){ return missing; }', language_id: 50 });
      expect(ce.body.status.id).toBe(6);
      expect(ce.body.compile_output).toMatch(/missing/);
    });

    it('takes and gives base64 with base64_encoded=true, and refuses non-UTF-8 output without it', async () => {
      const r = await api('POST', '/submissions?base64_encoded=true&wait=true', {
        source_code: b64(SUM_C),
        language_id: 50,
        stdin: b64('20 22\n'),
        expected_output: b64('42\n'),
      });
      expect(r.body.status.id).toBe(3);
      expect(Buffer.from(r.body.stdout, 'base64').toString()).toBe('42\n');
      const bytes = await api('POST', '/submissions?base64_encoded=true&wait=true', {
        source_code: b64('#include <stdio.h>\nint main(void){ putchar(0xff); putchar(0xfe); return 0; }\n'),
        language_id: 50,
      });
      expect(Buffer.from(bytes.body.stdout, 'base64')).toEqual(Buffer.from([0xff, 0xfe]));
      const token = bytes.body.token as string;
      const plain = await api('GET', `/submissions/${token}`);
      expect(plain.status).toBe(400);
      expect(plain.body.error).toMatch(/use base64_encoded=true/);
    });

    it('fills the fields as Judge0 does, from a request sending numbers as strings, under exactly the limits asked for', async () => {
      // Judge0's own documentation sends numbers as strings; Judge0 casts them.
      const ok = await api('POST', '/submissions?wait=true&fields=status_id,message,stderr,exit_code,cpu_time_limit', {
        source_code: SUM_C,
        language_id: '50',
        stdin: '1 2',
        expected_output: '3',
        cpu_time_limit: '2.0',
      });
      expect(ok.body).toEqual({ status_id: 3, message: null, stderr: null, exit_code: 0, cpu_time_limit: 2 });
      const nzec = await api('POST', '/submissions?wait=true&fields=status_id,message,exit_code', {
        source_code: 'int main(void){ return 3; }',
        language_id: 50,
      });
      expect(nzec.body).toEqual({ status_id: 11, message: 'Exited with error status 3', exit_code: 3 });
      // Python's time factor (2) is not applied: 1.5 s of CPU under a 1 s limit is TLE, as on Judge0.
      const slow = await api('POST', '/submissions?wait=true&fields=status_id,message,time', {
        source_code: 'import time\nt = time.process_time()\nwhile time.process_time() - t < 1.5: pass\n',
        language_id: 71,
        cpu_time_limit: 1,
      });
      expect(slow.body).toMatchObject({ status_id: 5, message: 'Time limit exceeded' });
      expect(Number(slow.body.time)).toBeLessThan(1.3);
      // max_file_size caps stdout as isolate's file size limit does: status 8.
      const big = await api('POST', '/submissions?wait=true&fields=status_id', {
        source_code: '#include <stdio.h>\nint main(void){ for (int i = 0; i < 100000; i++) puts("0123456789"); }',
        language_id: 50,
        max_file_size: 64,
      });
      expect(big.body).toEqual({ status_id: 8 });
      // Compiler options for a language whose compiler takes none: refused before the queue.
      const opts = await api('POST', '/submissions', { source_code: 'print(1)', language_id: 71, compiler_options: '-O' });
      expect(opts.status).toBe(422);
      expect(Object.keys(opts.body)).toEqual(['compiler_options']);
      // Output that is not UTF-8 asked for without base64 after a create: 201 with the token, to read it again.
      const bytes = await api('POST', '/submissions?wait=true', {
        source_code: '#include <stdio.h>\nint main(void){ putchar(0xff); return 0; }',
        language_id: 50,
      });
      expect(bytes.status).toBe(201);
      expect(bytes.body).toEqual({
        token: expect.stringMatching(/^[0-9a-f-]{36}$/),
        error: 'some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter',
      });
      expect((await api('GET', `/submissions/${bytes.body.token}?base64_encoded=true&fields=stdout`)).body).toEqual({ stdout: '/w==' });
      const batch = await api('GET', `/submissions/batch?fields=stdout`, undefined, { tokens: bytes.body.token });
      expect(batch).toEqual({
        status: 400,
        body: {
          error: 'some attributes for one or more submissions cannot be converted to UTF-8, use base64_encoded=true query parameter',
        },
      });
    });

    it('creates a batch (a bad one reported in its place) and reads it back with tokens= and fields=', async () => {
      const created = await api('POST', '/submissions/batch', {
        submissions: [
          { source_code: SUM_C, language_id: 50, stdin: '1 1', expected_output: '2' },
          { source_code: 'print(1)', language_id: 12345 },
          { source_code: 'a, b = map(int, input().split())\nprint(a * b)\n', language_id: 71, stdin: '6 7', expected_output: '42' },
        ],
      });
      expect(created.status).toBe(201);
      expect(created.body[1].language_id).toBeDefined();
      const tokens = [created.body[0].token as string, created.body[2].token as string];
      let subs: any[] = [];
      await until(
        async () => {
          subs = (await api('GET', `/submissions/batch?tokens=${tokens.join(',')}&fields=token,status_id,stdout`)).body.submissions;
          return subs.every((s) => s.status_id > 2);
        },
        60_000,
        'the batch to be judged',
      );
      expect(subs).toEqual([
        { token: tokens[0], status_id: 3, stdout: '2\n' },
        { token: tokens[1], status_id: 3, stdout: '42\n' },
      ]);
      const tooMany = Array.from({ length: 21 }, () => ({ source_code: 'x', language_id: 50 }));
      // Judge0's answers to a batch of too many, or of none, word for word.
      const tooLarge = { error: 'number of submissions in a batch should be less than or equal to 20' };
      const empty = { error: 'there should be at least one submission in a batch' };
      expect(await api('POST', '/submissions/batch', { submissions: tooMany })).toEqual({ status: 400, body: tooLarge });
      expect(await api('POST', '/submissions/batch', { submissions: [] })).toEqual({ status: 400, body: empty });
      expect(await api('GET', '/submissions/batch')).toEqual({ status: 400, body: empty });
      // None created: 422 with each one's errors in its place, as Judge0 answers.
      const none = await api('POST', '/submissions/batch', {
        submissions: [{ source_code: 'x' }, { source_code: 'x', language_id: 12345 }],
      });
      expect(none.status).toBe(422);
      expect(none.body).toEqual([{ language_id: ["can't be blank"] }, { language_id: [expect.stringMatching(/doesn't exist/)] }]);
    });

    it('lists languages with Judge0 ids, one language, and the statuses', async () => {
      const langs = (await api('GET', '/languages')).body as Array<{ id: number; name: string }>;
      expect(langs.map((l) => l.id)).toEqual(expect.arrayContaining([50, 54, 71]));
      expect(langs.find((l) => l.id === 50)!.name).toMatch(/^C \(GCC/);
      expect(langs.map((l) => l.name)).toEqual(langs.map((l) => l.name).sort()); // by name, as Judge0 lists them
      // An older compiler's id answers as itself.
      expect((await api('GET', '/languages/48')).body).toMatchObject({ id: 48, source_file: expect.any(String), is_archived: false });
      expect((await api('GET', '/languages/99999')).status).toBe(404);
      const statuses = (await api('GET', '/statuses')).body as Array<{ id: number; description: string }>;
      expect(statuses.map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
      expect(statuses[2]).toEqual({ id: 3, description: 'Accepted' });
    });
  });

  describe('caged /v1 routes', () => {
    it("lists the image's languages with caged ids, Judge0 ids, and which need a worker with a cgroup", async () => {
      const langs = (await api('GET', '/v1/languages')).body as Array<{
        id: string;
        compiled: boolean;
        needsCgroup: boolean;
        judge0Id: number | null;
      }>;
      expect(langs.find((l) => l.id === 'c')).toMatchObject({ compiled: true, needsCgroup: false, judge0Id: 50 });
      expect(langs.find((l) => l.id === 'java')).toMatchObject({ compiled: true, needsCgroup: true });
      expect(
        langs
          .filter((l) => l.needsCgroup)
          .map((l) => l.id)
          .sort(),
      ).toEqual(['clojure', 'commonlisp', 'elixir', 'erlang', 'go', 'groovy', 'java', 'kotlin', 'scala']);
    });

    it('judges a native job with several tests, streams its progress and serves its result', async () => {
      const created = await api('POST', '/v1/jobs', { ...SUBMISSIONS.AC, id: `v1-${queueName}` });
      expect(created.status).toBe(201);
      const jobId = created.body.jobId as string;
      const res = await fetch(`${base}/v1/jobs/${jobId}/events`, { headers: { 'x-auth-token': TOKEN } });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const text = await res.text();
      const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      expect(events[events.length - 1]).toBe('completed');
      const job = await api('GET', `/v1/jobs/${jobId}`);
      expect(job.body.state).toBe('completed');
      expect(job.body.result.verdict).toBe('AC');
      expect(job.body.result.tests).toHaveLength(2);
      const bad = await api('POST', '/v1/jobs', { language: 'c', source: 'x', testcases: [{ stdin: '' }], limits: { cpuTimeMs: -1 } });
      expect(bad.status).toBe(422);
      expect(bad.body.error.field).toBe('limits.cpuTimeMs');
      expect((await api('GET', '/v1/jobs/no-such-job')).status).toBe(404);
      // The same id again: the same payload is the same job; another payload under it is a conflict.
      expect((await api('POST', '/v1/jobs', { ...SUBMISSIONS.AC, id: `v1-${queueName}` })).status).toBe(201);
      const other = await api('POST', '/v1/jobs', {
        ...SUBMISSIONS.AC,
        source: `${SUBMISSIONS.AC.source}\n// changed`,
        id: `v1-${queueName}`,
      });
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('conflict');
      expect(other.body.error.message).toContain(`v1-${queueName}`);
    });
  });

  describe('caged /v1 progress', () => {
    it('streams a progress event per judged test before the completed event', async () => {
      const created = await api('POST', '/v1/jobs', sleeper(400, 3));
      const res = await fetch(`${base}/v1/jobs/${created.body.jobId}/events`, { headers: { 'x-auth-token': TOKEN } });
      const text = await res.text();
      const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
        event: m[1],
        data: JSON.parse(m[2]!) as { testIndex: number; total: number; verdict: string },
      }));
      const progress = events.filter((e) => e.event === 'progress');
      // The stream opened while the first test ran: at least the later tests' progress arrives, in order.
      expect(progress.length).toBeGreaterThanOrEqual(2);
      const indices = progress.map((p) => p.data.testIndex);
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
      expect(progress.every((p) => p.data.total === 3 && p.data.verdict === 'AC')).toBe(true);
      expect(events[events.length - 1]!.event).toBe('completed');
    });
  });

  describe('the OpenAPI document', () => {
    it('documents every route served, and serves every route documented', async () => {
      const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      };
      expect(doc.openapi).toBe('3.1.0');
      const documented = Object.entries(doc.paths)
        .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
        .sort();
      const served = server.routes.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`).sort();
      expect(served).toEqual(documented);
    });
  });

  describe('webhooks', () => {
    it('PUTs the signed Judge0 result to callback_url, again after the receiver refused the first delivery', async () => {
      refuseNext = 1;
      const start = received.length;
      const created = await api('POST', '/submissions', { source_code: SUM_C, language_id: 50, stdin: '2 3', callback_url: receiverUrl });
      expect(created.status).toBe(201);
      await until(() => received.slice(start).some((r) => r.status === 204), 60_000, 'a delivery accepted');
      const deliveries = received.slice(start);
      expect(deliveries.map((d) => d.status)).toEqual([500, 204]);
      for (const d of deliveries) expect(verifySignature(SECRET, d.signature, d.body)).toBe(true);
      expect(verifySignature('another-secret', deliveries[1]!.signature, deliveries[1]!.body)).toBe(false);
      const body = JSON.parse(deliveries[1]!.body) as { token: string; status: { id: number }; stdout: string };
      expect(body.token).toBe(created.body.token);
      expect(body.status.id).toBe(3);
      expect(Buffer.from(body.stdout, 'base64').toString()).toBe('5\n');
      // The receiver answered before the deliverer counted the answer: wait for the count.
      let metrics = '';
      await until(
        async () => /caged_webhook_deliveries_total\{outcome="delivered"\} 1/.test((metrics = (await runtime.metrics.text()).body)),
        10_000,
        'the delivery to be counted',
      );
      expect(metrics).toMatch(/caged_webhook_deliveries_total\{outcome="failed_try"\} 1/);
    });

    it('PUTs the native result for a /v1 job with callback, and refuses private or non-http targets', async () => {
      const start = received.length;
      const created = await api('POST', '/v1/jobs', { ...SUBMISSIONS.AC, callback: { url: receiverUrl } });
      await until(() => received.length > start, 60_000, 'a delivery');
      const body = JSON.parse(received[start]!.body) as { jobId: string; state: string; result: { verdict: string } };
      expect(body).toMatchObject({ jobId: created.body.jobId, state: 'completed', result: { verdict: 'AC' } });
      expect(verifySignature(SECRET, received[start]!.signature, received[start]!.body)).toBe(true);
      const priv = await api('POST', '/submissions', { source_code: SUM_C, language_id: 50, callback_url: 'http://10.1.2.3/hook' });
      expect(priv.status).toBe(422);
      expect(priv.body.callback_url[0]).toMatch(/private/);
      const ftp = await api('POST', '/v1/jobs', { ...SUBMISSIONS.AC, callback: { url: 'ftp://example.com/x' } });
      expect(ftp.status).toBe(422);
      expect(ftp.body.error.field).toBe('callback.url');
    });
  });
});
