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

/** JavaScript's syntax characters: what a `u` regular expression lets be escaped outside a class. */
const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
/** Python's Unicode \w: letters, numbers, the underscore. */
const WORD = '\\p{L}\\p{N}_';

/**
 * A Python regular expression (re.match, re.IGNORECASE, a str pattern: Unicode classes) as
 * JavaScript's, anchored at the start: `(?P<name>…)` and `(?P=name)` renamed, `\A` and `\Z`
 * the anchors, `\d`, `\w` and their negations Unicode's classes as Python's (`u` flag), and an
 * escaped character that JavaScript does not let be escaped given as itself. What JavaScript
 * cannot read is refused, naming the pattern.
 */
export function pythonRegex(pattern: string, where: string): RegExp {
  let out = '';
  let inClass = false;
  const refuse = (why: string): never => {
    throw new InvalidRequestError(`${JSON.stringify(pattern)} is no regular expression caged reads: ${why}`, where);
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) refuse('it ends with a backslash');
      i++;
      if (e === 'd') out += '\\p{Nd}';
      else if (e === 'D') out += inClass ? refuse('\\D in a character class') : '\\P{Nd}';
      else if (e === 'w') out += inClass ? WORD : `[${WORD}]`;
      else if (e === 'W') out += inClass ? refuse('\\W in a character class') : `[^${WORD}]`;
      else if (e === 'A' && !inClass) out += '^';
      else if (e === 'Z' && !inClass) out += '$';
      else if (/[A-Za-z0-9]/.test(e!)) out += `\\${e}`;
      // Python lets any other character be escaped; JavaScript (u) only its syntax characters (and - in a class).
      else if (SYNTAX.has(e!) || (inClass && e === '-')) out += `\\${e}`;
      else out += e;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ] first in the class (after ^) is a character in Python.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    const named = /^\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i));
    const back = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(pattern.slice(i));
    if (named) {
      out += `(?<${named[1]}>`;
      i += named[0].length - 1;
    } else if (back) {
      out += `\\k<${back[1]}>`;
      i += back[0].length - 1;
    } else out += c;
  }
  try {
    return new RegExp(`^(?:${out})`, 'iu');
  } catch (err) {
    return refuse((err as Error).message);
  }
}

type Key = string | number | null;

/** Python's int() of a group, else the text (DMOJ sorts numbered cases by number); Unicode's digits are digits. */
function keyOf(v: string | null | undefined): Key {
  if (v === undefined || v === null) return null;
  const t = v.trim();
  if (!/^[+-]?\p{Nd}+(?:_\p{Nd}+)*$/u.test(t)) return v;
  let n = 0;
  for (const ch of t.replace(/[+_-]/g, '')) n = n * 10 + digitValue(ch.codePointAt(0)!);
  return t.startsWith('-') ? -n : n;
}

/** A decimal digit's value: Unicode gives them in runs of whole blocks, 0 to 9 (its stability policy). */
function digitValue(cp: number): number {
  let start = cp;
  while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

function compareKeys(a: Key, b: Key): number {
  const ai = typeof a === 'number';
  const bi = typeof b === 'number';
  if (ai !== bi) return ai ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * Time the patterns get over an archive's names: DMOJ's default ones take milliseconds over
 * thousands; one that backtracks is refused, and the worker, which waits for the child, is held
 * this long at most, once per package (the refusal is kept too).
 */
const MATCH_TIMEOUT_MS = 2_000;

/** What a name's match gave: its `batch` and `case` groups (null: no such group, or it matched nothing); null: no match. */
type Found = [string | null, string | null] | null;

/**
 * The patterns (init.yml's, a problem setter's) matched against the names in a child process
 * with a deadline: a regular expression cannot be interrupted, and one that backtracks over a
 * long name would stall the worker that loads the package. What they gave, or why they were
 * refused, is kept for the same names and patterns (a worker loads a package for every job): a
 * child once per package.
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
  if (kept && 'refused' in kept) throw new InvalidRequestError(kept.refused, where);
  if (kept) return kept;
  const keep = (v: { in: Found[]; out: Found[] } | { refused: string }): void => {
    if (MATCHED.size >= MATCHED_KEPT) MATCHED.delete(MATCHED.keys().next().value!);
    MATCHED.set(key, v);
  };
  const script = `
const { names, inRe, outRe } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const run = (src) => { const re = new RegExp(src, 'iu'); return names.map((n) => { const m = re.exec(n); return m ? [m.groups?.batch ?? null, m.groups?.case ?? null] : null; }); };
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
    const refused = timedOut
      ? `input_format and output_format took more than ${timeoutMs / 1000} s over the archive's ${names.length} names (a pattern that backtracks)`
      : `matching the archive's names failed: ${(r.error?.message ?? r.stderr).split('\n')[0]}`;
    // A timeout is kept: the same package would hold the worker as long again.
    if (timedOut) keep({ refused });
    throw new InvalidRequestError(refused, where);
  }
  const found = JSON.parse(r.stdout) as { in: Found[]; out: Found[] };
  keep(found);
  return found;
}

/** Matchings kept (matchBounded), the oldest dropped first. */
const MATCHED_KEPT = 64;
const MATCHED = new Map<string, { in: Found[]; out: Found[] } | { refused: string }>();

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
