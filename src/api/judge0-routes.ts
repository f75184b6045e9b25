/**
 * Judge0's API (https://ce.judge0.com, version 1.13), so that a Judge0 client switches by
 * changing its base URL: submissions (single, `wait`, batch, `fields`, `base64_encoded`),
 * languages, statuses, about, the workers' health. Tokens are UUIDs and are the submissions'
 * ids on the queue. Errors in Judge0's shapes: 422 `{"field": ["message"]}`, others `{"error": "message"}`.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { JobFailedError, WaitTimeoutError } from '../client/errors';
import { jobIdFor } from '../client/job-id';
import { InvalidRequestError } from '../errors';
import type { SubmissionInput } from '../judge/schema';
import { fromJudge0, type Judge0Errors } from '../judge0/request';
import { JUDGE0_STATUSES, NOT_UTF8_BATCH, NotUtf8Error, judge0View, parseFields, type Judge0Field, type JobSnapshot } from '../judge0/view';
import { judge0ConfigInfo } from '../judge0/config-info';
import { queueFull } from './backlog';
import { checkCallback, checkCompilerOptionsOf, checkLimits, type ApiContext } from './context';
import { jobSnapshot } from './snapshot';
import { WorkerListUnavailable, queueWorkersSource, workersHealth } from './workers';

interface Query {
  base64_encoded?: string;
  wait?: string;
  fields?: string;
  tokens?: string;
}

const truthy = (v: string | undefined): boolean => v === 'true' || v === '1';

function fieldsOf(q: Query, reply: FastifyReply): readonly Judge0Field[] | null {
  const { fields, unknown } = parseFields(q.fields);
  if (unknown.length) {
    void reply.code(400).send({ error: `invalid fields: [${unknown.join(', ')}]` });
    return null;
  }
  return fields;
}

/** The native submission of a Judge0 request, or its Judge0-style errors (callback checked too). */
function translate(
  ctx: ApiContext,
  body: unknown,
  base64: boolean,
): { submission: SubmissionInput; token: string } | { errors: Judge0Errors } {
  const token = randomUUID();
  const out = fromJudge0(body, { id: token, base64, languages: ctx.judge0, maxSourceBytes: ctx.config.maxSourceBytes });
  if ('errors' in out) return out;
  try {
    checkCallback(ctx, out.submission, 'callback_url');
    checkLimits(ctx, out.submission);
    checkCompilerOptionsOf(ctx, out.submission);
  } catch (err) {
    const errors = clientErrors(err);
    if (errors) return { errors };
    throw err;
  }
  return { submission: out.submission, token };
}

/** Native field names of a translated submission, back in Judge0's. */
const JUDGE0_FIELD: Record<string, string> = {
  'limits.cpuTimeMs': 'cpu_time_limit',
  'limits.wallTimeMs': 'wall_time_limit',
  'limits.memoryBytes': 'memory_limit',
  'limits.pids': 'max_processes_and_or_threads',
  'limits.fileSizeBytes': 'max_file_size',
  'limits.outputBytes': 'max_file_size',
  'limits.stackBytes': 'stack_limit',
  language: 'language_id',
  source: 'source_code',
  'files[0].content': 'source_code',
  compilerOptions: 'compiler_options',
  'testcases[0].stdin': 'stdin',
  'testcases[0].expected': 'expected_output',
  'testcases[0].args': 'command_line_arguments',
  stderrToStdout: 'redirect_stderr_to_stdout',
};

/** A check of a translated submission (callback, limits above the maxima, the client's schema) in Judge0's shape. */
function clientErrors(err: unknown): Judge0Errors | null {
  if (!(err instanceof InvalidRequestError)) return null;
  const field = err.field ?? 'submission';
  const message = err.field && err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
  const name =
    JUDGE0_FIELD[field] ??
    (/^compilerOptions\[/.test(field)
      ? 'compiler_options'
      : /^testcases\[0\]\.args\b/.test(field)
        ? 'command_line_arguments'
        : // files[0] is the source (a multi-file program's is of the archive too, and its name always is)
          /^files($|\[[1-9]|\[0\]\.name)/.test(field)
          ? 'additional_files'
          : field);
  return { [name]: [message] };
}

/**
 * The Judge0 view of a job, or null once `reply` has been sent Judge0's answer to output that is
 * not UTF-8 asked for without base64: `status` (400; 201 with the token after a create, so the
 * client can read the result again with base64) and its words (`NOT_UTF8_BATCH` for a batch).
 */
function view(
  ctx: ApiContext,
  snap: JobSnapshot,
  fields: readonly Judge0Field[],
  base64: boolean,
  reply: FastifyReply,
  notUtf8: { status: 201 | 400; batch?: boolean } = { status: 400 },
): Record<string, unknown> | null {
  try {
    return judge0View(snap, { fields, base64, languages: ctx.judge0, testLimits: ctx.testLimits });
  } catch (err) {
    if (!(err instanceof NotUtf8Error)) throw err;
    const error = notUtf8.batch ? NOT_UTF8_BATCH : err.message;
    void reply.code(notUtf8.status).send(notUtf8.status === 201 ? { error, token: snap.token } : { error });
    return null;
  }
}

/** The Judge0 release whose API these routes speak. */
export const JUDGE0_VERSION = '1.13.1';

/** Judge0's answers to a batch (create or read) of no submission, or of too many. */
const BATCH_EMPTY = 'there should be at least one submission in a batch';
const batchTooLarge = (max: number): string => `number of submissions in a batch should be less than or equal to ${max}`;

/** Judge0's answer when its queue holds MAX_QUEUE_SIZE submissions. */
const QUEUE_FULL = { error: 'queue is full' };

export function judge0Routes(app: FastifyInstance, ctx: ApiContext): void {
  app.post<{ Querystring: Query }>('/submissions', async (req, reply) => {
    const base64 = truthy(req.query.base64_encoded);
    const fields = fieldsOf(req.query, reply);
    if (!fields) return reply;
    const t = translate(ctx, req.body, base64);
    if ('errors' in t) return reply.code(422).send(t.errors);
    if (!(await ctx.backlog.admit(1))) return queueFull(reply, QUEUE_FULL);
    let jobId: string;
    try {
      jobId = await ctx.intake.enqueue(t.submission);
    } catch (err) {
      const errors = clientErrors(err);
      if (errors) return reply.code(422).send(errors);
      throw err;
    } finally {
      ctx.backlog.settle(1);
    }
    if (!truthy(req.query.wait)) return reply.code(201).send({ token: t.token });
    try {
      await ctx.client.wait(jobId, { timeoutMs: ctx.config.apiWaitTimeoutMs });
    } catch (err) {
      // Failed (status 13) or still running after the wait: the view below says which.
      if (!(err instanceof JobFailedError) && !(err instanceof WaitTimeoutError)) throw err;
    }
    const snap = await jobSnapshot(ctx.queue, jobId, t.token);
    if (!snap) return reply.code(404).send({ error: 'the submission is gone (removed from the queue)' });
    const body = view(ctx, snap, fields, base64, reply, { status: 201 });
    return body ? reply.code(201).send(body) : reply;
  });

  app.post<{ Querystring: Query }>('/submissions/batch', async (req, reply) => {
    const base64 = truthy(req.query.base64_encoded);
    const list = (req.body as { submissions?: unknown } | null)?.submissions;
    // Judge0's answers, word for word.
    if (!Array.isArray(list) || list.length === 0) return reply.code(400).send({ error: BATCH_EMPTY });
    if (list.length > ctx.config.apiMaxBatch) return reply.code(400).send({ error: batchTooLarge(ctx.config.apiMaxBatch) });
    const out: Array<{ token: string } | Judge0Errors> = list.map(() => ({}));
    const valid: Array<{ index: number; submission: SubmissionInput; token: string }> = [];
    list.forEach((body, index) => {
      const t = translate(ctx, body, base64);
      if ('errors' in t) out[index] = t.errors;
      else valid.push({ index, ...t });
    });
    // The whole batch or none of it, as Judge0 counts a batch against its queue's size.
    if (valid.length && !(await ctx.backlog.admit(valid.length))) return queueFull(reply, QUEUE_FULL);
    // One round trip for the valid ones; one the client refuses is checked alone for its message.
    try {
      if (valid.length) await ctx.client.enqueueMany(valid.map((v) => v.submission));
      for (const v of valid) out[v.index] = { token: v.token };
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      for (const v of valid) {
        try {
          await ctx.client.enqueue(v.submission);
          out[v.index] = { token: v.token };
        } catch (e) {
          const errors = clientErrors(e);
          if (!errors) throw e;
          out[v.index] = errors;
        }
      }
    } finally {
      ctx.backlog.settle(valid.length);
    }
    // Judge0: 201 when at least one was created, else 422 with the same list of errors.
    return reply.code(out.some((o) => 'token' in o) ? 201 : 422).send(out);
  });

  app.get<{ Querystring: Query }>('/submissions/batch', async (req, reply) => {
    const base64 = truthy(req.query.base64_encoded);
    const fields = fieldsOf(req.query, reply);
    if (!fields) return reply;
    // Judge0 reads the list from a `tokens` header too.
    const header = req.headers.tokens;
    const tokens = (req.query.tokens ?? (typeof header === 'string' ? header : ''))
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    if (tokens.length === 0) return reply.code(400).send({ error: BATCH_EMPTY });
    if (tokens.length > ctx.config.apiMaxBatch) return reply.code(400).send({ error: batchTooLarge(ctx.config.apiMaxBatch) });
    const submissions: Array<Record<string, unknown> | null> = [];
    for (const token of tokens) {
      const snap = await snapshotOf(ctx, token);
      if (!snap) {
        submissions.push(null);
        continue;
      }
      const body = view(ctx, snap, fields, base64, reply, { status: 400, batch: true });
      if (!body) return reply;
      submissions.push(body);
    }
    return { submissions };
  });

  app.get<{ Params: { token: string }; Querystring: Query }>('/submissions/:token', async (req, reply) => {
    const fields = fieldsOf(req.query, reply);
    if (!fields) return reply;
    const snap = await snapshotOf(ctx, req.params.token);
    if (!snap) return reply.code(404).send({ error: 'Not Found' });
    return view(ctx, snap, fields, truthy(req.query.base64_encoded), reply) ?? reply;
  });

  // Judge0 lists submissions and answers POST /authorize only to an authorized user (its
  // AUTHZ_TOKEN); without one configured it answers 403, as here: caged has no such role.
  app.get('/submissions', (_req, reply) =>
    reply.code(403).send({ error: 'listing submissions is not offered: Judge0 allows it to authorized users only, and caged has none' }),
  );
  app.post('/authorize', (_req, reply) => reply.code(403).send({ error: 'no authorization is configured on this server' }));
  // Reached only through the X-Auth-Token check (or with authentication off): the token is good.
  app.post('/authenticate', (_req, reply) => reply.code(200).send());

  // Judge0's answer when submission deletes are off (/config_info's enable_submission_delete):
  // results stay on the queue for CAGED_KEEP_COMPLETED_S, as the operator configured.
  app.delete('/submissions/:token', (_req, reply) => reply.code(400).send({ error: 'delete not allowed' }));

  // Judge0 lists them by name.
  const byName = [...ctx.judge0.list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  app.get('/languages', () => byName.map((l) => ({ id: l.id, name: l.name })));

  app.get<{ Params: { id: string } }>('/languages/:id', async (req, reply) => {
    const l = /^\d{1,9}$/.test(req.params.id) ? ctx.judge0.get(Number(req.params.id)) : undefined;
    const native = l && ctx.languages.find((x) => x.id === l.cagedId);
    if (!l || !native) return reply.code(404).send({ error: 'Not Found' });
    // An older compiler's id (52 for C++) answers as itself: judged by caged's version, named by it.
    return {
      id: Number(req.params.id),
      name: l.name,
      is_archived: false,
      // A multi-file program has no source file (Judge0's 89 says null): its archive is the program.
      source_file: l.project ? null : native.sourceFile,
      compile_cmd: native.compile?.join(' ') ?? null,
      run_cmd: native.run.join(' '),
    };
  });

  app.get('/languages/all', () => byName.map((l) => ({ id: l.id, name: l.name, is_archived: false })));

  app.get('/statuses', () => JUDGE0_STATUSES);

  app.get('/config_info', () =>
    judge0ConfigInfo({
      testLimits: ctx.testLimits,
      callbacks: ctx.config.webhookSecret !== '',
      callbackAttempts: ctx.config.webhookAttempts,
      callbackTimeoutMs: ctx.config.webhookTimeoutMs,
      maxBatch: ctx.config.apiMaxBatch,
      maxQueue: ctx.config.apiMaxQueue,
    }),
  );

  // Judge0's health check (src/api/workers.ts says what each count means in caged).
  const workers = queueWorkersSource(ctx.queue);
  app.get('/workers', async (_req, reply) => {
    try {
      return await workersHealth(workers);
    } catch (err) {
      if (err instanceof WorkerListUnavailable) return reply.code(503).send({ error: err.message });
      throw err;
    }
  });

  // The version of Judge0's API spoken: clients key their tables by it (judge0-python maps
  // language names to ids by /about's version). caged's own is `caged_version`.
  app.get('/version', (_req, reply) => reply.type('text/plain').send(JUDGE0_VERSION));

  app.get('/about', () => ({
    version: JUDGE0_VERSION,
    homepage: null,
    source_code: null,
    maintainer: 'caged',
    caged_version: ctx.version,
    compatibility: `Judge0 CE ${JUDGE0_VERSION} API (docs/api.md)`,
  }));
}

async function snapshotOf(ctx: ApiContext, token: string): Promise<JobSnapshot | null> {
  let jobId: string;
  try {
    jobId = jobIdFor(token);
  } catch {
    return null;
  }
  return jobSnapshot(ctx.queue, jobId, token);
}
