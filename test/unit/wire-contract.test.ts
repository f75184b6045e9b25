/**
 * The wire contract: one job name, one set of failedReason prefixes, one progress shape, and one
 * path notation for a bad field, whichever side (client, worker gate, judge) reports it.
 */
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { CagedClient } from '../../src/client';
import { ClientClosedError, JobFailedError } from '../../src/client/errors';
import { InvalidRequestError } from '../../src/errors';
import { makeSubmissionSchema, TEST_VERDICTS } from '../../src/judge/schema';
import { parseSubmission } from '../../src/judge/plan';
import { submissionParser } from '../../src/queue/validate';
import {
  asJudgeProgress,
  describeIssues,
  fieldIssues,
  fieldName,
  INVALID_SUBMISSION,
  internalErrorReason,
  invalidSubmissionReason,
  isInvalidSubmissionReason,
  JOB_NAME,
} from '../../src/wire/contract';

const schema = makeSubmissionSchema({ maxSourceBytes: 1024 });
const good = { language: 'c', source: 'int main(){}', testcases: [{ stdin: '' }] };
const badStdin = { ...good, testcases: [{ stdin: '%%%', stdinEncoding: 'base64' as const }] };

describe('the path notation', () => {
  it('joins keys with dots and puts indices in brackets', () => {
    expect(fieldName(['testcases', 0, 'stdin'])).toBe('testcases[0].stdin');
    expect(fieldName(['limits', 'cpuTimeMs'], '[2]')).toBe('[2].limits.cpuTimeMs');
    expect(fieldName([0, 1])).toBe('[0][1]');
    expect(fieldName([])).toBe('(submission)');
  });

  it('reports an unknown key on the key itself', () => {
    const r = z.object({ a: z.object({}).strict() }).safeParse({ a: { b: 1 } });
    expect(r.success).toBe(false);
    expect(fieldIssues(r.error!)[0]!.field).toBe('a.b');
  });

  it('summarises at most N issues in one line', () => {
    const issues = [1, 2, 3].map((i) => ({ field: `f${i}`, message: 'bad' }));
    expect(describeIssues(issues, 2)).toBe('f1: bad; f2: bad (and 1 more)');
  });
});

describe('when the same field is bad', () => {
  it('names it the same way in the worker gate, the judge and the client', async () => {
    const gate = (() => {
      try {
        submissionParser(1024)(badStdin);
      } catch (err) {
        return err as Error;
      }
      throw new Error('accepted');
    })();
    expect(gate).toBeInstanceOf(UnrecoverableError);
    expect(gate.message).toMatch(/^invalid submission: testcases\[0\]\.stdin: /);

    expect(() => parseSubmission(badStdin, schema)).toThrow(expect.objectContaining({ field: 'testcases[0].stdin' }) as Error);

    const client = new CagedClient({ connection: 'redis://127.0.0.1:1' }); // never connects: refused before
    const err = await client.enqueue(badStdin).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).field).toBe('testcases[0].stdin');
    const batch = await client.enqueueMany([good, badStdin]).catch((e: unknown) => e);
    expect((batch as InvalidRequestError).field).toBe('[1].testcases[0].stdin');
    await client.close();
  });

  it('calls a payload that is not an object (submission) everywhere', () => {
    expect(() => submissionParser(1024)('int main(){}')).toThrow(/^invalid submission: \(submission\): /);
    expect(() => parseSubmission('int main(){}', schema)).toThrow(expect.objectContaining({ field: '(submission)' }) as Error);
  });
});

describe('failedReason prefixes', () => {
  it('are recognised by the client', () => {
    expect(JOB_NAME).toBe('judge');
    expect(invalidSubmissionReason('x: y')).toBe(`${INVALID_SUBMISSION}: x: y`);
    expect(isInvalidSubmissionReason(invalidSubmissionReason('x'))).toBe(true);
    expect(isInvalidSubmissionReason(internalErrorReason('HostError: boom'))).toBe(false);
    expect(new JobFailedError('j', invalidSubmissionReason('x')).invalid).toBe(true);
    expect(new JobFailedError('j', internalErrorReason('x'))).toMatchObject({ invalid: false, retryable: true });
  });
});

describe('the progress value', () => {
  it('is narrowed to our shape, or null for anything else', () => {
    expect(asJudgeProgress({ testIndex: 0, total: 3, verdict: 'WA', extra: 1 }, TEST_VERDICTS)).toEqual({
      testIndex: 0,
      total: 3,
      verdict: 'WA',
    });
    expect(asJudgeProgress({ testIndex: 0, total: 3, verdict: 'MAYBE' }, TEST_VERDICTS)).toBeNull();
    expect(asJudgeProgress(42, TEST_VERDICTS)).toBeNull();
    expect(asJudgeProgress(null, TEST_VERDICTS)).toBeNull();
  });
});

describe('a closed client', () => {
  it('refuses new work with ClientClosedError, not as a bad request', async () => {
    const client = new CagedClient({ connection: 'redis://127.0.0.1:1' });
    await client.close();
    for (const attempt of [() => client.enqueue(good), () => client.wait('some-job'), () => client.submit(good)]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientClosedError);
      expect(err).not.toBeInstanceOf(InvalidRequestError);
      expect((err as ClientClosedError).retryable).toBe(false);
    }
  });
});
