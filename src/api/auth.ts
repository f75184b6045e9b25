/**
 * `X-Auth-Token` (Judge0's header): a request must carry one of the configured tokens, compared
 * in constant time (their SHA-256 digests, so that the length leaks nothing either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const AUTH_HEADER = 'x-auth-token';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class TokenCheck {
  private readonly digests: readonly Buffer[];

  constructor(tokens: string) {
    this.digests = tokens
      .split(',')
      .filter((t) => t !== '')
      .map(digest);
  }

  get count(): number {
    return this.digests.length;
  }

  /** The presented token's digest (hex, for rate-limit keys) when it is one of ours, else null. */
  check(presented: string | string[] | undefined): string | null {
    if (typeof presented !== 'string' || presented === '') return null;
    const d = digest(presented);
    let ok = false;
    for (const t of this.digests) ok = timingSafeEqual(t, d) || ok;
    return ok ? d.toString('hex') : null;
  }
}
