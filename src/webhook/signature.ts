/**
 * The signature of a webhook delivery, so that the receiver knows the body came from caged
 * and is fresh:
 *
 *   X-Caged-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * `body` is the request body's bytes exactly as sent. A receiver recomputes the HMAC with the
 * shared secret (CAGED_WEBHOOK_SECRET), compares in constant time, and refuses a `t` far from
 * its clock (replays). The scheme is Stripe's; `verifySignature` is the reference receiver.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-caged-signature';

export function signatureOf(secret: string, timestampS: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.`).update(body).digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

/** True when `header` signs `body` with `secret` and its time is within `toleranceS` of `nowS`. */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  opts: { nowS?: number; toleranceS?: number } = {},
): boolean {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  const now = opts.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceS ?? 300)) return false;
  const expected = Buffer.from(signatureOf(secret, t, body).slice(`t=${t},v1=`.length), 'hex');
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}
