/** What the routes share: the queue's client and reader, the languages, the configuration. */
import type { Queue } from 'bullmq';
import type { CagedClient } from '../client/client';
import type { Backlog } from './backlog';
import type { EnqueueBatcher } from './enqueue-batcher';
import type { WorkerConfig } from '../config';
import { InvalidRequestError } from '../errors';
import { checkCompilerOptions } from '../judge/compiler-options';
import { resolveLimits, type StepLimitsConfig } from '../judge/limits';
import type { SubmissionInput } from '../judge/schema';
import type { Judge0Languages } from '../judge0/languages';
import type { ImageLanguage } from '../rootfs/manifest';
import type { TargetGuard } from '../webhook/target-guard';

export type ApiConfig = Pick<
  WorkerConfig,
  | 'apiHost'
  | 'apiPort'
  | 'apiAuth'
  | 'apiTokens'
  | 'apiBodyLimitBytes'
  | 'apiRateLimit'
  | 'apiMaxBatch'
  | 'apiMaxQueue'
  | 'apiWaitTimeoutMs'
  | 'apiCorsOrigins'
  | 'webhookSecret'
  | 'webhookAllowNetworks'
  | 'webhookAttempts'
  | 'webhookTimeoutMs'
  | 'maxSourceBytes'
  | 'maxCpuTimeMs'
  | 'maxWallTimeMs'
  | 'maxMemoryBytes'
  | 'maxOutputBytes'
  | 'maxPids'
  | 'maxFileSizeBytes'
>;

export interface ApiContext {
  /** The configured maxima of a test run (CAGED_MAX_*): the worker's own rule, checked before enqueueing. */
  testLimits: StepLimitsConfig;
  client: CagedClient;
  /** Adds single submissions, those of one event-loop turn in one round trip. */
  intake: EnqueueBatcher;
  /** The bound on the queue's backlog (CAGED_API_MAX_QUEUE): ask it before adding. */
  backlog: Backlog;
  /** Reads jobs (state, data, result). */
  queue: Queue;
  judge0: Judge0Languages;
  languages: readonly ImageLanguage[];
  config: ApiConfig;
  guard: TargetGuard;
  version: string;
}

/** A callback is accepted only when deliveries can be signed, and never to a refused address literal. */
export function checkCallback(ctx: ApiContext, s: SubmissionInput, field = 'callback.url'): void {
  if (!s.callback) return;
  if (ctx.config.webhookSecret === '')
    throw new InvalidRequestError('webhooks are off on this server (CAGED_WEBHOOK_SECRET is not set)', field);
  try {
    ctx.guard.checkUrl(s.callback.url);
  } catch (err) {
    throw new InvalidRequestError((err as Error).message.replace(/^callback\.url: /, ''), field);
  }
}

/**
 * Compiler options the worker would refuse for the submission's language (the one allow-list,
 * src/judge/compiler-options.ts) are refused here too, instead of becoming a failed job.
 */
export function checkCompilerOptionsOf(ctx: ApiContext, s: SubmissionInput): void {
  const language = ctx.languages.find((l) => l.id === s.language);
  if (language && Array.isArray(s.compilerOptions)) checkCompilerOptions(language, s.compilerOptions);
}

/**
 * A limit above the configured maximum is refused here, as the worker would refuse it
 * (resolveLimits, the one rule), instead of becoming a failed job. Malformed values are left to
 * the client's schema check.
 */
export function checkLimits(ctx: ApiContext, s: SubmissionInput): void {
  if (typeof s.limits === 'object' && s.limits !== null) resolveLimits(s.limits, ctx.testLimits, 'limits');
}
