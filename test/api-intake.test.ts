/**
 * The API's intake (src/api/enqueue-batcher.ts over the client), against the real Redis, no
 * worker: the submissions of one event-loop turn go to the queue together, and the idempotency
 * check, read for the whole batch at once, still tells the same payload (whatever the order of
 * its keys or the defaults written out) from a different one under a used id.
 */
import { Queue } from 'bullmq';
import { EnqueueBatcher } from '../src/api/enqueue-batcher';
import { CagedClient, ConflictError, type SubmissionInput } from '../src/client';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { REDIS_URL, SUBMISSIONS, freshQueueName, obliterate } from './helpers/queue';

jest.setTimeout(60_000);

describe('the API intake', () => {
  let queueName: string;
  let client: CagedClient;
  let queue: Queue;
  let intake: EnqueueBatcher;

  const submission = (id: string, source = SUBMISSIONS.AC.source as string): SubmissionInput => ({
    id,
    language: 'c',
    source,
    testcases: [{ stdin: '1 2\n', expected: '3\n' }],
  });

  beforeEach(() => {
    queueName = freshQueueName();
    client = new CagedClient({ connection: REDIS_URL, queueName, attempts: 1 });
    queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    intake = new EnqueueBatcher(client);
  });
  afterEach(async () => {
    await client.close();
    await queue.close();
    await obliterate(queueName);
  });

  it('adds the submissions of one turn as jobs under their ids, each with its payload', async () => {
    const ids = await Promise.all(
      ['a-1', 'a-2', 'a-3'].map((id) => intake.enqueue(submission(id, `int main(void){return ${id.length};}\n`))),
    );
    expect(ids).toEqual(['a-1', 'a-2', 'a-3']);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 3 });
    expect((await queue.getJob('a-2'))!.data).toEqual(submission('a-2', 'int main(void){return 3;}\n'));
  });

  it('takes the same payload again under its id, written otherwise, and adds nothing', async () => {
    await intake.enqueue(submission('same-1'));
    const { id, language, source, testcases } = submission('same-1');
    // Keys in another order, a default written out: another JSON text, the same submission.
    const rewritten: SubmissionInput = { testcases, source, language, id, checker: { type: 'tokens' } };
    expect(JSON.stringify(rewritten)).not.toBe(JSON.stringify(submission('same-1')));
    await expect(Promise.all([intake.enqueue(rewritten), intake.enqueue(submission('same-2'))])).resolves.toEqual(['same-1', 'same-2']);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 2 });
    expect((await queue.getJob('same-1'))!.data).toEqual(submission('same-1'));
  });

  it('refuses a different payload under a used id with a conflict naming it, and only that one', async () => {
    await intake.enqueue(submission('used-1'));
    const [conflict, fresh] = await Promise.allSettled([
      intake.enqueue(submission('used-1', 'int main(void){return 1;}\n')),
      intake.enqueue(submission('new-1')),
    ]);
    expect(conflict.status).toBe('rejected');
    const err = (conflict as PromiseRejectedResult).reason as ConflictError;
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toMatch(/^id: a different submission was already sent under "used-1"/);
    expect(fresh).toEqual({ status: 'fulfilled', value: 'new-1' });
    // The stored job keeps the first payload.
    expect((await queue.getJob('used-1'))!.data).toEqual(submission('used-1'));
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 2 });
  });
});
