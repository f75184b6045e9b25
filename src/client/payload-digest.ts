/**
 * The digest of a submission's payload, for idempotency that cannot lie: the same id with a
 * different payload is a conflict, never the old result. Both sides are parsed first (defaults
 * filled in), so `{stdin: ""}` and a test with no stdin digest alike; keys are sorted, so the
 * order a producer wrote them in does not matter.
 */
import { createHash } from 'node:crypto';

/** sha256 (hex) of the canonical JSON of `value` (object keys sorted, recursively). */
export function payloadDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
