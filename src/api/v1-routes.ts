/**
 * caged's own endpoints: the native submission schema (several tests, checkers, interactors,
 * problem packages, callbacks), the native result, and progress as server-sent events.
 *
 *   POST /v1/jobs[?wait=true]   201 { jobId, state } or, waited, { jobId, state, result | failedReason }
 *   GET  /v1/jobs/{jobId}       { jobId, state, progress, result | failedReason, createdAt, finishedAt }
 *   GET  /v1/jobs/{jobId}/events  text/event-stream: `progress` per judged test, then `completed` or `failed`
 *   GET  /v1/languages          the image's languages, caged ids
 * Errors: `{ "error": { "code", "message", "field" } }`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Job } from 'bullmq';
import { ConflictError, JobFailedError, WaitAbortedError, WaitTimeoutError } from '../client/errors';
import { InvalidRequestError } from '../errors';
import type { JudgeResult, SubmissionInput } from '../judge/schema';
import { checkCallback, checkCompilerOptionsOf, checkLimits, type ApiContext } from './context';
import { queueFull } from './backlog';

export function errorBody(code: string, message: string, field?: string): { error: { code: string; message: string; field?: string } } {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

async function jobView(ctx: ApiContext, jobId: string): Promise<Record<string, unknown> | null> {
  const job = (await ctx.queue.getJob(jobId)) as Job<unknown, JudgeResult> | undefined;
  if (!job) return null;
  const state = await job.getState();
  return {
    jobId,
    state,
    progress: job.progress ?? null,
    ...(state === 'completed' ? { result: job.returnvalue } : {}),
    ...(state === 'failed' ? { failedReason: job.failedReason } : {}),
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

/** A bad request is 422; an id already used for another payload (ConflictError) is 409. */
function invalid(reply: FastifyReply, err: InvalidRequestError): FastifyReply {
  const message = err.field && err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
  if (err instanceof ConflictError) return reply.code(409).send(errorBody('conflict', message, err.field));
  return reply.code(422).send(errorBody('invalid_request', message, err.field));
}

export function v1Routes(app: FastifyInstance, ctx: ApiContext): void {
  app.post<{ Querystring: { wait?: string } }>('/v1/jobs', async (req, reply) => {
    const submission = req.body as SubmissionInput;
    let jobId: string;
    try {
      if (typeof submission === 'object' && submission !== null) {
        checkCallback(ctx, submission);
        checkLimits(ctx, submission);
        checkCompilerOptionsOf(ctx, submission);
      }
      if (!(await ctx.backlog.admit(1))) {
        const message = `the queue is full: at most ${ctx.backlog.max} submissions may wait (CAGED_API_MAX_QUEUE); try again later`;
        return queueFull(reply, errorBody('queue_full', message));
      }
      try {
        jobId = await ctx.intake.enqueue(submission);
      } finally {
        ctx.backlog.settle(1);
      }
    } catch (err) {
      if (err instanceof InvalidRequestError) return invalid(reply, err);
      throw err;
    }
    if (req.query.wait !== 'true') return reply.code(201).send({ jobId, state: 'waiting' });
    try {
      const result = await ctx.client.wait(jobId, { timeoutMs: ctx.config.apiWaitTimeoutMs });
      return reply.code(201).send({ jobId, state: 'completed', result });
    } catch (err) {
      if (err instanceof JobFailedError) return reply.code(201).send({ jobId, state: 'failed', failedReason: err.reason });
      if (err instanceof WaitTimeoutError) return reply.code(201).send(await jobView(ctx, jobId));
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (req, reply) => {
    const view = await jobView(ctx, req.params.id);
    return view ?? reply.code(404).send(errorBody('not_found', `no job ${req.params.id}`, 'jobId'));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id/events', async (req, reply) => {
    const jobId = req.params.id;
    if (!(await ctx.queue.getJob(jobId))) return reply.code(404).send(errorBody('not_found', `no job ${jobId}`, 'jobId'));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (event: string, data: unknown): void => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const abort = new AbortController();
    req.raw.on('close', () => abort.abort());
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    try {
      const result = await ctx.client.wait(jobId, { signal: abort.signal, onProgress: (p) => send('progress', p) });
      send('completed', { jobId, result });
    } catch (err) {
      if (err instanceof JobFailedError) send('failed', { jobId, failedReason: err.reason });
      else if (!(err instanceof WaitAbortedError)) send('error', errorBody('internal', err instanceof Error ? err.message : String(err)));
    } finally {
      clearInterval(heartbeat);
      res.end();
    }
  });

  app.get('/v1/languages', () =>
    ctx.languages.map((l) => ({
      id: l.id,
      name: l.name,
      version: l.version,
      compiled: l.compile !== null,
      sourceFile: l.sourceFile,
      // Its runtime cannot start under RLIMIT_AS: a worker with rlimits only refuses it (docs/rootless.md).
      needsCgroup: l.reservesAddressSpace === true,
      judge0Id: ctx.judge0.idOf(l.id),
    })),
  );
}
