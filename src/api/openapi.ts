/**
 * The OpenAPI 3.1 document of `caged api` (GET /openapi.json). The request and result bodies
 * are the zod schemas the server itself validates with, rendered by zod's JSON Schema output,
 * so the document cannot drift from them; test/api.test.ts checks that every route served is
 * documented and every documented operation is served.
 */
import { z } from 'zod';
import { JudgeResultSchema, makeSubmissionSchema } from '../judge/schema';
import { Judge0RequestSchema } from '../judge0/request';

const json = (schema: unknown): unknown => ({ content: { 'application/json': { schema } } });
const ref = (name: string): unknown => ({ $ref: `#/components/schemas/${name}` });
const qp = (name: string, description: string, type = 'string'): unknown => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type },
});
const pp = (name: string): unknown => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const B64 = qp('base64_encoded', 'true: text fields are base64 both ways', 'boolean');
const FIELDS = qp('fields', 'comma-separated field names, or * (default: stdout,time,memory,stderr,token,compile_output,message,status)');
const err = { description: 'error', ...(json(ref('Error')) as object) };
const FULL = { ...err, description: 'the queue is full (CAGED_API_MAX_QUEUE); Retry-After says when to try again' };

export function openApiDocument(version: string): Record<string, unknown> {
  const toSchema = (s: z.ZodType, io: 'input' | 'output'): unknown => z.toJSONSchema(s, { io, unrepresentable: 'any' });
  return {
    openapi: '3.1.0',
    info: { title: 'caged api', version, description: 'Judge0-compatible submissions API and caged native jobs (docs/api.md).' },
    components: {
      securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } },
      schemas: {
        Judge0Submission: toSchema(Judge0RequestSchema, 'input'),
        Judge0View: { type: 'object', description: 'The fields asked for (Judge0 names and units)', additionalProperties: true },
        Submission: toSchema(makeSubmissionSchema(), 'input'),
        JudgeResult: toSchema(JudgeResultSchema, 'output'),
        Error: { type: 'object', description: '{"error": "…"} (Judge0 routes) or {"error": {code, message, field}} (/v1)' },
        Judge0Errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      },
    },
    security: [{ token: [] }],
    paths: {
      '/submissions': {
        post: {
          summary: 'Create a submission (Judge0)',
          parameters: [B64, qp('wait', 'true: answer with the result (up to CAGED_API_WAIT_TIMEOUT_MS)', 'boolean'), FIELDS],
          requestBody: { required: true, ...(json(ref('Judge0Submission')) as object) },
          responses: {
            '201': { description: '{token}, or the submission when wait=true', ...(json(ref('Judge0View')) as object) },
            '422': { description: 'invalid fields', ...(json(ref('Judge0Errors')) as object) },
            '401': err,
            '413': err,
            '429': err,
            '503': FULL,
          },
        },
        get: {
          summary: 'List submissions (Judge0, for its authorized users only): always 403, caged has none',
          responses: { '403': err },
        },
      },
      '/submissions/{token}': {
        get: {
          summary: 'Get a submission (Judge0)',
          parameters: [pp('token'), B64, FIELDS],
          responses: { '200': { description: 'the submission', ...(json(ref('Judge0View')) as object) }, '404': err, '400': err },
        },
        delete: {
          summary: "Delete a submission (Judge0): always 400 'delete not allowed', as Judge0 answers with deletes off",
          parameters: [pp('token')],
          responses: { '400': err },
        },
      },
      '/submissions/batch': {
        post: {
          summary: 'Create submissions (Judge0)',
          parameters: [B64],
          requestBody: {
            required: true,
            ...(json({ type: 'object', properties: { submissions: { type: 'array', items: ref('Judge0Submission') } } }) as object),
          },
          responses: {
            '201': { description: 'a {token} or the errors, per submission, in order' },
            '422': { description: 'too many or none, or none created: then the errors, per submission, in order' },
            '503': FULL,
          },
        },
        get: {
          summary: 'Get submissions (Judge0)',
          parameters: [qp('tokens', 'comma-separated tokens'), B64, FIELDS],
          responses: { '200': { description: '{submissions: [view | null]}' }, '400': err },
        },
      },
      '/languages': { get: { summary: 'Languages with a Judge0 id', responses: { '200': { description: '[{id, name}]' } } } },
      '/languages/{id}': {
        get: {
          summary: 'One language (Judge0)',
          parameters: [pp('id')],
          responses: { '200': { description: 'the language' }, '404': err },
        },
      },
      '/languages/all': {
        get: {
          summary: 'Languages with a Judge0 id, archived included (none is)',
          responses: { '200': { description: '[{id, name, is_archived}]' } },
        },
      },
      '/statuses': { get: { summary: 'Judge0 statuses', responses: { '200': { description: '[{id, description}]' } } } },
      '/config_info': {
        get: {
          summary: "What this server accepts, in Judge0's keys and units",
          responses: { '200': { description: 'Judge0 configuration' } },
        },
      },
      '/authenticate': {
        post: {
          summary: 'Check the X-Auth-Token (Judge0): 200 when it is good, else 401',
          responses: { '200': { description: 'good' }, '401': err },
        },
      },
      '/authorize': {
        post: { summary: 'Check an authorization token (Judge0): always 403, caged has no authorized role', responses: { '403': err } },
      },
      '/workers': {
        get: {
          summary: "Judge0's health check: the queue's size and its workers (available, idle, working, paused) and failed jobs",
          parameters: [qp('prune_dead_workers', "accepted and unused: a dead worker's connection leaves the list by itself", 'boolean')],
          responses: {
            '200': { description: '[{queue, size, available, idle, working, paused, failed}]' },
            '401': err,
            '503': { ...err, description: 'the worker list cannot be read (a Redis without CLIENT LIST)' },
          },
        },
      },
      '/version': {
        get: { summary: 'The Judge0 API version spoken (1.13.1), as plain text', responses: { '200': { description: 'version' } } },
      },
      '/about': {
        get: {
          summary: 'About this server',
          security: [],
          responses: { '200': { description: '{version: the Judge0 API version spoken, caged_version, …}' } },
        },
      },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/v1/jobs': {
        post: {
          summary: 'Submit a native job',
          parameters: [qp('wait', 'true: answer with the result', 'boolean')],
          requestBody: { required: true, ...(json(ref('Submission')) as object) },
          responses: {
            '201': { description: '{jobId, state[, result | failedReason]}' },
            '409': { ...err, description: 'the id names a job with another payload' },
            '422': err,
            '503': FULL,
          },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          summary: 'A native job',
          parameters: [pp('id')],
          responses: {
            '200': {
              description: '{jobId, state, progress, result | failedReason}',
              ...(json({ type: 'object', properties: { result: ref('JudgeResult') } }) as object),
            },
            '404': err,
          },
        },
      },
      '/v1/jobs/{id}/events': {
        get: {
          summary: "A job's progress as server-sent events (progress, completed, failed)",
          parameters: [pp('id')],
          responses: {
            '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '404': err,
          },
        },
      },
      '/v1/languages': { get: { summary: "The image's languages (caged ids)", responses: { '200': { description: 'languages' } } } },
    },
  };
}
