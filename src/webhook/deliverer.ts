/**
 * The webhook queue's consumer: PUTs each delivery's body (Judge0's method) to its URL, signed
 * (./signature.ts), through the target guard (./target-guard.ts). A 2xx answer ends the
 * delivery; anything else (another status, no answer within CAGED_WEBHOOK_TIMEOUT_MS, a
 * connection error) fails this try and BullMQ retries with backoff up to
 * CAGED_WEBHOOK_ATTEMPTS. A refused target fails at once, unretried. Every outcome is counted
 * (`caged_webhook_deliveries_total{outcome}`).
 *
 * Bodies: format `caged` is `{ jobId, submissionId, state, result | failedReason }`; format
 * `judge0` is the submission as Judge0's own callback sends it: its default fields, base64.
 */
import http from 'node:http';
import https from 'node:https';
import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { Judge0Languages } from '../judge0/languages';
import { DEFAULT_FIELDS, judge0View } from '../judge0/view';
import { errorFields, type Logger } from '../queue/log';
import { signatureOf, SIGNATURE_HEADER } from './signature';
import { webhookQueueName, type Delivery } from './outbox';
import { RefusedTargetError, type TargetGuard } from './target-guard';

export type DeliveryOutcome = 'delivered' | 'failed_try' | 'gave_up' | 'refused';

export interface WebhookDelivererOptions {
  connection: ConnectionOptions;
  queue: string;
  prefix: string;
  secret: string;
  guard: TargetGuard;
  timeoutMs: number;
  concurrency?: number;
  logger: Logger;
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

const NO_LANGUAGES = new Judge0Languages([]);

export function deliveryBody(d: Delivery): string {
  if (d.callback.format === 'judge0') {
    const view = judge0View(
      {
        token: d.submissionId,
        state: d.state,
        data: {},
        result: d.result,
        failedReason: d.failedReason,
        createdAt: d.createdAt,
        finishedAt: d.finishedAt,
      },
      { fields: DEFAULT_FIELDS, base64: true, languages: NO_LANGUAGES },
    );
    return JSON.stringify(view);
  }
  return JSON.stringify({
    jobId: d.jobId,
    submissionId: d.submissionId,
    state: d.state,
    ...(d.state === 'completed' ? { result: d.result } : { failedReason: d.failedReason }),
  });
}

/** One PUT; resolves with the status code. */
function put(url: URL, body: string, headers: Record<string, string>, guard: TargetGuard, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? https.request : http.request;
    const req = request(
      url,
      {
        method: 'PUT',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guard.lookup,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume(); // the receiver's answer body is not read
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export class WebhookDeliverer {
  private constructor(private readonly worker: Worker<Delivery>) {}

  static async start(o: WebhookDelivererOptions): Promise<WebhookDeliverer> {
    const log = o.logger.child({ component: 'webhooks' });
    const worker = new Worker<Delivery>(
      webhookQueueName(o.queue),
      async (job) => {
        const d = job.data;
        let url: URL;
        try {
          url = o.guard.checkUrl(d.callback.url);
        } catch (err) {
          o.onOutcome?.('refused');
          log.warn({ job: d.jobId, url: d.callback.url, reason: (err as Error).message }, 'webhook target refused');
          throw new UnrecoverableError((err as Error).message);
        }
        const body = deliveryBody(d);
        const headers = {
          'content-type': 'application/json',
          'user-agent': 'caged-webhook',
          'x-caged-delivery': job.id ?? '',
          [SIGNATURE_HEADER]: signatureOf(o.secret, Math.floor(Date.now() / 1000), body),
        };
        let status: number;
        try {
          status = await put(url, body, headers, o.guard, o.timeoutMs);
        } catch (err) {
          if (err instanceof RefusedTargetError) {
            o.onOutcome?.('refused');
            log.warn({ job: d.jobId, url: d.callback.url, reason: err.message }, 'webhook target refused');
            throw new UnrecoverableError(err.message);
          }
          throw countFailure(job.attemptsMade + 1, job.opts.attempts ?? 1, err instanceof Error ? err.message : String(err));
        }
        if (status >= 200 && status < 300) {
          o.onOutcome?.('delivered');
          log.info({ job: d.jobId, status, attempt: job.attemptsMade + 1 }, 'webhook delivered');
          return;
        }
        throw countFailure(job.attemptsMade + 1, job.opts.attempts ?? 1, `the receiver answered ${status}`);
      },
      { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency ?? 16, autorun: false },
    );
    const countFailure = (attempt: number, attempts: number, why: string): Error => {
      const last = attempt >= attempts;
      o.onOutcome?.(last ? 'gave_up' : 'failed_try');
      log.warn({ attempt, attempts, reason: why }, last ? 'webhook delivery gave up' : 'webhook delivery failed: retrying');
      return new Error(why);
    };
    worker.on('error', (err) => log.warn(errorFields(err), 'webhook queue error'));
    void worker.run().catch((err: unknown) => log.error(errorFields(err), 'webhook worker stopped'));
    await worker.waitUntilReady();
    return new WebhookDeliverer(worker);
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
