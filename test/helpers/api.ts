/** A real `caged api` on a queue of the real Redis, and the plain fetch calls a Judge0 client makes to it. */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment -- the answers are untyped JSON, as a Judge0 client reads them */
import { ApiServer } from '../../src/api/server';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/queue/log';
import { REDIS_URL } from './queue';

export const API_TOKEN = 'test-token-0123456789abcdef';

export interface ApiAnswer {
  status: number;
  retryAfter: string | null;
  body: any;
}

export type ApiCall = (method: string, path: string, body?: unknown, token?: string) => Promise<ApiAnswer>;

/** Calls to the API at `base()` (read at each call): the token header, a JSON body, the answer parsed. */
export function apiClient(base: () => string): ApiCall {
  return async (method, path, body, token = API_TOKEN) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? JSON.parse(text) : null };
  };
}

/** The configuration of an API on `queueName` with the test token, and `extra` on top. */
export function apiEnv(queueName: string, extra: Record<string, string> = {}): Record<string, string> {
  return { CAGED_REDIS_URL: REDIS_URL, CAGED_QUEUE: queueName, CAGED_API_PORT: '0', CAGED_API_TOKENS: API_TOKEN, ...extra };
}

/** `caged api` on `queueName`, listening on a free port of 127.0.0.1. */
export async function startApi(queueName: string, extra: Record<string, string> = {}): Promise<{ server: ApiServer; base: string }> {
  const server = await ApiServer.create(loadConfig(apiEnv(queueName, extra)), createLogger({ level: 'silent' }));
  return { server, base: `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}` };
}
