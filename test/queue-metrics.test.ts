/**
 * The worker's HTTP endpoint, scraped like Prometheus and a load balancer would: queue depth
 * and per-verdict counters move as jobs pass; /healthz turns 503 while draining.
 */
import http from 'node:http';
import { CagedClient } from '../src/client';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/queue/log';
import { WorkerRuntime } from '../src/queue/runtime';
import { REDIS_URL, SUBMISSIONS, freePort, freshQueueName, obliterate, sleeper, until } from './helpers/queue';

jest.setTimeout(120_000);

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** The value of one sample of the Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('when Prometheus scrapes a worker', () => {
  let queueName: string;
  let runtime: WorkerRuntime | undefined;
  let client: CagedClient;
  let port: number;

  beforeEach(async () => {
    queueName = freshQueueName();
    port = await freePort();
    client = new CagedClient({ connection: REDIS_URL, queueName });
    const config = loadConfig({
      CAGED_REDIS_URL: REDIS_URL,
      CAGED_QUEUE: queueName,
      CAGED_CONCURRENCY: '1',
      CAGED_METRICS_PORT: String(port),
      CAGED_METRICS_HOST: '127.0.0.1',
    });
    runtime = await WorkerRuntime.start(config, { logger: createLogger({ level: 'silent' }) });
  });
  afterEach(async () => {
    await client.close();
    await runtime?.shutdown();
    await obliterate(queueName);
  });

  it('shows the queue depth and the per-verdict counters moving', async () => {
    expect(await get(port, '/healthz')).toEqual({ status: 200, body: '{"status":"ok"}\n' });
    const before = (await get(port, '/metrics')).body;
    expect(sample(before, 'caged_queue_jobs', 'state="waiting"')).toBe(0);
    expect(sample(before, 'caged_jobs_total', 'verdict="WA"')).toBe(0);

    // One slow job occupies the only slot; the rest wait behind it.
    const slow = await client.enqueue(sleeper(2500, 1, 'slow'));
    await until(() => runtime!.worker.active === 1, 30_000, 'the slow job to start');
    const ids = await client.enqueueMany([SUBMISSIONS.AC, SUBMISSIONS.AC, SUBMISSIONS.WA, SUBMISSIONS.WA, SUBMISSIONS.WA]);
    const bad = await client.enqueue({ ...SUBMISSIONS.AC, language: 'swift' });

    const busy = (await get(port, '/metrics')).body;
    expect(sample(busy, 'caged_queue_jobs', 'state="waiting"')).toBe(6);
    expect(sample(busy, 'caged_queue_jobs', 'state="active"')).toBe(1);
    expect(sample(busy, 'caged_worker_active_jobs')).toBe(1);

    await client.wait(slow);
    await Promise.all(ids.map((id) => client.wait(id)));
    await client.wait(bad).catch(() => undefined);

    const after = (await get(port, '/metrics')).body;
    expect(sample(after, 'caged_queue_jobs', 'state="waiting"')).toBe(0);
    expect(sample(after, 'caged_queue_jobs', 'state="active"')).toBe(0);
    expect(sample(after, 'caged_queue_jobs', 'state="failed"')).toBe(1);
    expect(sample(after, 'caged_worker_active_jobs')).toBe(0);
    expect(sample(after, 'caged_jobs_total', 'verdict="AC"')).toBe(3);
    expect(sample(after, 'caged_jobs_total', 'verdict="WA"')).toBe(3);
    expect(sample(after, 'caged_job_failures_total', 'reason="invalid"')).toBe(1);
    expect(sample(after, 'caged_judge_duration_seconds_count', 'language="c",verdict="AC"')).toBe(3);
    expect(sample(after, 'caged_judge_duration_seconds_count', 'language="cpp17",verdict="WA"')).toBe(3);
    expect(sample(after, 'caged_sandbox_launch_seconds_count')).toBeGreaterThan(0);
    expect(after).toContain('caged_process_cpu_seconds_total');
    expect(sample(after, 'caged_check_duration_seconds_count')).toBeGreaterThan(0);
  });

  it("exports the event loop's delay and stalls, measured since the previous scrape", async () => {
    await get(port, '/metrics'); // starts a fresh window
    await new Promise((r) => setTimeout(r, 50)); // the scrape's own work done, the watchdog ticking
    const blockedUntil = Date.now() + 300;
    while (Date.now() < blockedUntil); // hold the event loop, as a synchronous step would
    await new Promise((r) => setTimeout(r, 120)); // the watchdog's timer sees it late
    const text = (await get(port, '/metrics')).body;
    expect(text).toContain('# TYPE caged_event_loop_delay_seconds gauge');
    expect(sample(text, 'caged_event_loop_delay_seconds', 'stat="max"')).toBeGreaterThanOrEqual(0.2);
    expect(sample(text, 'caged_event_loop_delay_seconds', 'stat="p99"')).toBeGreaterThan(0);
    expect(sample(text, 'caged_event_loop_stalls_total')).toBeGreaterThanOrEqual(1);
    const next = (await get(port, '/metrics')).body;
    expect(sample(next, 'caged_event_loop_delay_seconds', 'stat="max"')).toBeLessThan(0.2);
  });

  it('answers /healthz with 503 while draining', async () => {
    const slow = await client.enqueue(sleeper(1500, 1, 'drain-me'));
    await until(() => runtime!.worker.active === 1, 30_000, 'the job to start');
    const stopping = runtime!.shutdown();
    expect(await get(port, '/healthz')).toEqual({ status: 503, body: '{"status":"draining"}\n' });
    expect((await get(port, '/metrics')).status).toBe(200);
    await stopping;
    expect((await client.wait(slow)).verdict).toBe('AC');
    await expect(get(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});
