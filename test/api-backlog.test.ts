/**
 * The bound on the queue's backlog through a real `caged api` and the real Redis, no worker (so
 * that nothing leaves the queue but what the test removes): CAGED_API_MAX_QUEUE submissions may
 * wait, one more is refused with Judge0's 503 "queue is full" on every route that adds, a burst
 * is admitted exactly up to the bound, and room made on the queue is seen again. Also Judge0's
 * routes for authentication and authorization. The bound's arithmetic alone:
 * test/unit/api-backlog.test.ts.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument --
   the answers are read as a Judge0 client reads them: untyped JSON, each field asserted by the test */
import { Queue } from 'bullmq';
import type { ApiServer } from '../src/api/server';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { apiClient, startApi } from './helpers/api';
import { REDIS_URL, SUBMISSIONS, freshQueueName, obliterate, sleep } from './helpers/queue';

jest.setTimeout(60_000);

const SUM_C = SUBMISSIONS.AC.source as string;
const MAX = 3;

describe('caged api with a bound on the queue', () => {
  let queueName: string;
  let server: ApiServer;
  let queue: Queue;
  let base: string;

  const api = apiClient(() => base);
  const judge0 = (n: number) => ({ source_code: SUM_C, language_id: 50, stdin: `${n} 1\n` });
  const waiting = async (): Promise<number> => queue.count();

  beforeAll(async () => {
    queueName = freshQueueName();
    const bound = { CAGED_API_RATE_LIMIT: '0', CAGED_API_MAX_QUEUE: String(MAX), CAGED_API_MAX_BATCH: String(MAX) };
    ({ server, base } = await startApi(queueName, bound));
    queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
  });
  afterEach(async () => {
    await queue.obliterate({ force: true });
    await sleep(60); // older than the API's read of the count
  });
  afterAll(async () => {
    await server?.close();
    await queue?.close();
    await obliterate(queueName);
  });

  it('refuses to start with a bound below the largest batch, which could never be taken', async () => {
    await expect(startApi(queueName, { CAGED_API_MAX_QUEUE: '10' })).rejects.toThrow(
      'CAGED_API_MAX_QUEUE: 10 is below CAGED_API_MAX_BATCH (20): a full batch could never be taken; raise it, or 0 for no bound',
    );
  });

  it("says its bound in Judge0's /config_info", async () => {
    expect((await api('GET', '/config_info')).body.max_queue_size).toBe(MAX);
  });

  it('takes submissions up to the bound, then answers 503 "queue is full" with Retry-After on every route that adds', async () => {
    for (let i = 0; i < MAX; i++) expect((await api('POST', '/submissions', judge0(i))).status).toBe(201);
    const full = await api('POST', '/submissions', judge0(9));
    expect(full).toEqual({ status: 503, retryAfter: '5', body: { error: 'queue is full' } });
    const batch = await api('POST', '/submissions/batch', { submissions: [judge0(10)] });
    expect(batch).toEqual({ status: 503, retryAfter: '5', body: { error: 'queue is full' } });
    const native = await api('POST', '/v1/jobs', { language: 'c', source: SUM_C, testcases: [{ stdin: '1 2\n', expected: '3\n' }] });
    expect(native.status).toBe(503);
    expect(native.retryAfter).toBe('5');
    expect(native.body.error).toEqual({
      code: 'queue_full',
      message: `the queue is full: at most ${MAX} submissions may wait (CAGED_API_MAX_QUEUE); try again later`,
    });
    expect(await waiting()).toBe(MAX); // nothing refused was added
  });

  it('refuses a batch that does not fit whole, adding none of it, and takes one that fits', async () => {
    expect((await api('POST', '/submissions', judge0(0))).status).toBe(201);
    const tooMany = await api('POST', '/submissions/batch', { submissions: [judge0(1), judge0(2), judge0(3)] });
    expect(tooMany.status).toBe(503);
    expect(await waiting()).toBe(1);
    const fits = await api('POST', '/submissions/batch', { submissions: [judge0(1), judge0(2)] });
    expect(fits.status).toBe(201);
    expect(fits.body.map((s: { token?: string }) => typeof s.token)).toEqual(['string', 'string']);
    expect(await waiting()).toBe(MAX);
  });

  it('admits a burst of concurrent requests exactly up to the bound', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => api('POST', '/submissions', judge0(i))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(MAX);
    expect(answers.filter((a) => a.status === 503)).toHaveLength(12 - MAX);
    expect(await waiting()).toBe(MAX);
  });

  it('takes submissions again once jobs have left the queue', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < MAX; i++) tokens.push((await api('POST', '/submissions', judge0(i))).body.token);
    expect((await api('POST', '/submissions', judge0(9))).status).toBe(503);
    // A worker would take them; here the test removes two (a job's id is its token).
    await queue.remove(tokens[0]!);
    await queue.remove(tokens[1]!);
    await sleep(60);
    expect((await api('POST', '/submissions', judge0(9))).status).toBe(201);
    expect((await api('POST', '/v1/jobs', { language: 'c', source: SUM_C, testcases: [{ stdin: '1 2\n' }] })).status).toBe(201);
    expect((await api('POST', '/submissions', judge0(10))).status).toBe(503);
  });

  it("answers Judge0's authentication and authorization routes as Judge0 does without an authorization token", async () => {
    expect((await api('POST', '/authenticate')).status).toBe(200);
    expect((await api('POST', '/authenticate', undefined, 'not-the-token-at-all')).status).toBe(401);
    const authorize = await api('POST', '/authorize');
    expect(authorize.status).toBe(403);
    expect(authorize.body.error).toMatch(/no authorization/);
    const list = await api('GET', '/submissions?page=1&per_page=20');
    expect(list.status).toBe(403);
    expect(list.body.error).toMatch(/authorized users only/);
  });
});
