/**
 * The regex form of a DMOJ problem's `test_cases` (dmoj-package.ts; DMOJ's _match_test_cases):
 * the names of the archive's files matched with `input_format` and `output_format`, Python
 * regular expressions with the named groups `batch` and `case`, into cases and batches in
 * DMOJ's order. The patterns are the problem setter's: they run in a child process with a
 * deadline, so that one that backtracks cannot stall the worker loading the package.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { InvalidRequestError } from '../errors';

type Raw = Record<string, unknown>;

/** DMOJ's default formats (dmoj/problem.py). */
export const DEFAULT_INPUT_FORMAT = String.raw`^(?=.*?\.in|in).*?(?:(?:^|\W)(?P<batch>\d+)[^\d\s]+)?(?P<case>\d+)[^\d\s]*$`;
export const DEFAULT_OUTPUT_FORMAT = String.raw`^(?=.*?\.out|out).*?(?:(?:^|\W)(?P<batch>\d+)[^\d\s]+)?(?P<case>\d+)[^\d\s]*$`;

/** A Python regular expression (re.match, re.IGNORECASE) as JavaScript's, anchored at the start. */
export function pythonRegex(pattern: string, where: string): RegExp {
  const src = pattern
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  try {
    return new RegExp(`^(?:${src})`, 'i');
  } catch (err) {
    throw new InvalidRequestError(`${JSON.stringify(pattern)} is no regular expression caged reads: ${(err as Error).message}`, where);
  }
}

type Key = string | number | null;

/** Python's int() of a group, else the text (DMOJ sorts numbered cases by number). */
function keyOf(v: string | null | undefined): Key {
  if (v === undefined || v === null) return null;
  const t = v.trim();
  return /^[+-]?\d+(?:_\d+)*$/.test(t) ? Number(t.replace(/_/g, '')) : v;
}

function compareKeys(a: Key, b: Key): number {
  const ai = typeof a === 'number';
  const bi = typeof b === 'number';
  if (ai !== bi) return ai ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Time the patterns get over an archive's names (a pattern that backtracks is refused, the worker not stalled). */
const MATCH_TIMEOUT_MS = 10_000;

/** What a name's match gave: its `batch` and `case` groups (null: no such group, or it matched nothing); null: no match. */
type Found = [string | null, string | null] | null;

/**
 * The patterns (init.yml's, a problem setter's) matched against the names in a child process
 * with a deadline: a regular expression cannot be interrupted, and one that backtracks over a
 * long name would stall the worker that loads the package. What they gave is kept for the
 * same names and patterns (a worker loads a package for every job): a child once per package.
 */
export function matchBounded(
  names: string[],
  inRe: RegExp,
  outRe: RegExp,
  where: string,
  timeoutMs = MATCH_TIMEOUT_MS,
): { in: Found[]; out: Found[] } {
  const key = createHash('sha256')
    .update(JSON.stringify([names, inRe.source, outRe.source]))
    .digest('hex');
  const kept = MATCHED.get(key);
  if (kept) return kept;
  const script = `
const { names, inRe, outRe } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const run = (src) => { const re = new RegExp(src, 'i'); return names.map((n) => { const m = re.exec(n); return m ? [m.groups?.batch ?? null, m.groups?.case ?? null] : null; }); };
process.stdout.write(JSON.stringify({ in: run(inRe), out: run(outRe) }));`;
  const r = spawnSync(process.execPath, ['-e', script], {
    input: JSON.stringify({ names, inRe: inRe.source, outRe: outRe.source }),
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    const code: unknown = r.error && 'code' in r.error ? r.error.code : undefined;
    const timedOut = code === 'ETIMEDOUT' || r.signal !== null;
    throw new InvalidRequestError(
      timedOut
        ? `input_format and output_format took more than ${timeoutMs / 1000} s over the archive's ${names.length} names (a pattern that backtracks)`
        : `matching the archive's names failed: ${(r.error?.message ?? r.stderr).split('\n')[0]}`,
      where,
    );
  }
  const found = JSON.parse(r.stdout) as { in: Found[]; out: Found[] };
  if (MATCHED.size >= MATCHED_KEPT) MATCHED.delete(MATCHED.keys().next().value!);
  MATCHED.set(key, found);
  return found;
}

/** Matchings kept (matchBounded), the oldest dropped first. */
const MATCHED_KEPT = 64;
const MATCHED = new Map<string, { in: Found[]; out: Found[] }>();

/**
 * The regex form of `test_cases` (DMOJ's _match_test_cases): the archive's files matched, the
 * cases of a batch together, a case without a batch a batch of its own number.
 */
export function matchCases(names: string[], inRe: RegExp, outRe: RegExp, casePoints: () => unknown, where: string): Raw[] {
  const groups = new Map<Key, Map<Key, { in?: string; out?: string }>>();
  const batchIds = new Set<Key>();
  const found = matchBounded(names, inRe, outRe, where);
  for (const field of ['in', 'out'] as const) {
    for (const [k, name] of names.entries()) {
      const m = found[field][k];
      if (!m) continue;
      let batch = keyOf(m[0]);
      const kase = keyOf(m[1]);
      if (kase === null) throw new InvalidRequestError(`the test case format yielded no case number for ${name}`, where);
      if (batch !== null) batchIds.add(batch);
      else batch = kase;
      let g = groups.get(batch);
      if (!g) groups.set(batch, (g = new Map<Key, { in?: string; out?: string }>()));
      let c = g.get(kase);
      if (!c) g.set(kase, (c = {}));
      c[field] = name;
    }
  }
  const out: Raw[] = [];
  for (const id of [...groups.keys()].sort(compareKeys)) {
    const cases = groups.get(id)!;
    const sorted = [...cases.entries()].sort((a, b) => compareKeys(a[0], b[0])).map(([, c]) => c);
    if (batchIds.has(id)) out.push({ batched: sorted.map((c) => ({ in: c.in, out: c.out })), points: casePoints() });
    else {
      if (sorted.length > 1) throw new InvalidRequestError(`the files of case ${String(id)} conflict`, where);
      out.push({ in: sorted[0]!.in, out: sorted[0]!.out, points: casePoints() });
    }
  }
  return out;
}
