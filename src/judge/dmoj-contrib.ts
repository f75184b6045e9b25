/**
 * DMOJ's contrib modules (its judge's dmoj/contrib/{default,testlib,coci}.py): how DMOJ reads the
 * end of a bridged checker (`checker: {name: bridged, args: {type}}`) and of a bridged interactor
 * (`interactive: {type}`), here for the wire's `protocol: "dmoj-default" | "dmoj-testlib" |
 * "dmoj-coci"` of a custom checker (custom-checker.ts) and of an interactor
 * (interactive-verdict.ts). One reading for both, as DMOJ's `parse_return_code` is one:
 *
 *   exit 0   passed, with all the test's points
 *   exit 1   failed
 *   exit 2   testlib, coci: failed, the feedback "Presentation Error" when it said none;
 *            default: IE
 *   exit 3   testlib, coci: IE, "<role> failed assertion with message <feedback>"; default: IE
 *   exit 7   testlib: passed with N points, N from the first line `points N` of its stderr, an
 *            integer, 0 ≤ N ≤ the test's points (else IE); coci: passed with X/Y of the
 *            points, from the first line `partial X/Y` of its stderr, Y not 0, X/Y ≤ 1 (else
 *            IE); default: IE
 *   other    IE, "<role> exited with nonzero code N"
 *
 * "passed" is DMOJ's CheckerResult(True, points): AC with those points, all of them on exit 0
 * (even 0 of them); "failed" is CheckerResult(False, 0): WA, no points. IE is DMOJ's
 * InternalError, its message kept. A run ended by a signal, a limit or a forbidden call is IE
 * whatever its code (DMOJ's parse_helper_file_error), checked by the callers before this.
 *
 * The feedback is the checker's stdout, or the interactor's stderr; `feedback: false` (DMOJ's
 * `feedback` argument) shows none, but testlib's exit 3 always says it (DMOJ raises before it
 * hides it). DMOJ's coci module shows the feedback of an exit 7 even when hidden: here it is
 * hidden there too.
 *
 * DMOJ finds the points line with `re.search(br'^points (\d+)$', stderr, re.M)` (coci:
 * `^partial ((\d+)\/(\d*[1-9]\d*))$`): the first line, anywhere in the stderr, that is exactly
 * that (a line ends at "\n"; "\r" is no end, `\d` only ASCII digits). findLine is that search by
 * hand, one pass over the stderr whatever it holds.
 */
import { oneLine } from './result';
import type { PartialPoints } from './testlib-protocol';

/** DMOJ's contrib modules that caged reads (its `peg` module is not among them). */
export const DMOJ_MODULES = ['default', 'testlib', 'coci'] as const;
export type DmojModule = (typeof DMOJ_MODULES)[number];

/** The wire's protocols speaking them: `dmoj-<module>`. */
export type DmojProtocol = `dmoj-${DmojModule}`;

export function isDmojProtocol(protocol: string): protocol is DmojProtocol {
  return dmojModuleOf(protocol) !== null;
}

export function dmojModuleOf(protocol: string): DmojModule | null {
  for (const m of DMOJ_MODULES) if (protocol === `dmoj-${m}`) return m;
  return null;
}

/** The exit codes DMOJ names (contrib/base.py, contrib/testlib.py). */
const AC = 0;
const WA = 1;
const PE = 2;
const IE = 3;
const PARTIAL = 7;

/** What a DMOJ-speaking program's end says: CheckerResult(True, points), CheckerResult(False, 0), or InternalError. */
export type DmojOutcome =
  { kind: 'passed'; points: PartialPoints; feedback: string } | { kind: 'failed'; feedback: string } | { kind: 'error'; message: string };

export interface DmojEnd {
  /** The program's exit code (it exited: no signal, no limit, no forbidden call). */
  exitCode: number;
  /** Its stderr, where the partial points are. */
  stderr: Buffer;
  /** What it said for the contestant: the checker's stdout, the interactor's stderr (decoded). */
  feedback: string;
  /** The test's points, against which `points N` is bounded. */
  testPoints: number;
  /** DMOJ's `feedback`: false hides the feedback. */
  showFeedback: boolean;
  /** "checker" or "interactor", for the messages (DMOJ's `name`). */
  role: string;
}

/** DMOJ's parse_return_code of `module`, on a program that exited. */
export function dmojOutcome(module: DmojModule, end: DmojEnd): DmojOutcome {
  const { exitCode: code, role } = end;
  if (module !== 'default' && code === IE)
    return { kind: 'error', message: oneLine(`${role} failed assertion with message ${end.feedback}`) };
  const feedback = end.showFeedback ? end.feedback : '';
  if (code === AC) return { kind: 'passed', points: { kind: 'fraction', value: 1 }, feedback };
  if (code === WA) return { kind: 'failed', feedback };
  if (module !== 'default' && code === PE) return { kind: 'failed', feedback: feedback || 'Presentation Error' };
  if (module !== 'default' && code === PARTIAL) {
    const read = module === 'coci' ? cociPartial(end.stderr) : testlibPoints(end.stderr, end.testPoints);
    return 'error' in read ? { kind: 'error', message: read.error } : { kind: 'passed', points: read.points, feedback };
  }
  const said = oneLine(end.stderr.toString('utf8', 0, Math.min(end.stderr.length, 2048)));
  return { kind: 'error', message: oneLine(`${role} exited with nonzero code ${code}${said ? ` with feedback ${said}` : ''}`) };
}

type Read = { points: PartialPoints } | { error: string };

/** testlib's exit 7: the first line `points N` of the stderr; N absolute, 0 ≤ N ≤ the test's points. */
function testlibPoints(stderr: Buffer, testPoints: number): Read {
  const digits = findLine(stderr, POINTS, (b, from, to) => (to > from && allDigits(b, from, to) ? b.toString('latin1', from, to) : null));
  if (digits === null) return { error: `invalid stderr for partial points (no line "points N"): ${shown(stderr)}` };
  const points = Number(digits);
  if (!(points <= testPoints)) return { error: `invalid partial points: ${shownDigits(digits)} (the test is worth ${testPoints})` };
  return { points: { kind: 'absolute', value: points } };
}

/** coci's exit 7: the first line `partial X/Y` of the stderr, Y not 0; X/Y of the points, 0 ≤ X/Y ≤ 1. */
function cociPartial(stderr: Buffer): Read {
  const found = findLine(stderr, PARTIAL_PREFIX, (b, from, to) => {
    // Looked for in this line only: a search to the next "/" of the text would go over it again and again.
    const at = b.subarray(from, to).indexOf(0x2f);
    const slash = at < 0 ? -1 : from + at;
    if (slash <= from || slash >= to - 1 || !allDigits(b, from, slash) || !allDigits(b, slash + 1, to)) return null;
    const x = b.toString('latin1', from, slash);
    const y = b.toString('latin1', slash + 1, to);
    return significant(y) === '0' ? null : { x, y };
  });
  if (found === null) return { error: `invalid stderr for fraction of points (no line "partial X/Y"): ${shown(stderr)}` };
  const share = decimalRatio(found.x, found.y);
  if (!(share <= 1)) return { error: `invalid fraction: ${shownDigits(found.x)}/${shownDigits(found.y)}` };
  return { points: { kind: 'fraction', value: share } };
}

const POINTS = Buffer.from('points ');
const PARTIAL_PREFIX = Buffer.from('partial ');

/**
 * The first line of `text` that starts with `prefix` and whose rest `read` accepts, as a
 * multiline `^prefix…$` search: lines end at "\n" (or the end), nothing is trimmed. Each byte is
 * looked at a bounded number of times.
 */
export function findLine<T>(text: Buffer, prefix: Buffer, read: (b: Buffer, from: number, to: number) => T | null): T | null {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf(0x0a, start);
    if (end < 0) end = text.length;
    if (end - start >= prefix.length && text.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0) {
      const got = read(text, start + prefix.length, end);
      if (got !== null) return got;
    }
    start = end + 1;
  }
  return null;
}

function allDigits(b: Buffer, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (b[i]! < 0x30 || b[i]! > 0x39) return false;
  return true;
}

/** A decimal without its leading zeros ("0" for zero). */
function significant(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 0x30) i++;
  return digits.slice(i);
}

/** Digits read as a double from their first 17 significant ones and their length (exact below 10^17). */
const KEPT = 17;

/** x / y for decimal strings of any length (y not zero), as a double; no BigInt, linear in their length. */
export function decimalRatio(x: string, y: string): number {
  const a = significant(x);
  const b = significant(y);
  const ka = Math.min(a.length, KEPT);
  const kb = Math.min(b.length, KEPT);
  const head = Number(a.slice(0, ka)) / Number(b.slice(0, kb));
  const exponent = a.length - ka - (b.length - kb);
  return exponent === 0 ? head : head * 10 ** exponent;
}

function shown(stderr: Buffer): string {
  return JSON.stringify(oneLine(stderr.toString('utf8', 0, Math.min(stderr.length, 600)), 200));
}

function shownDigits(digits: string): string {
  return digits.length > 40 ? `${digits.slice(0, 40)}…` : digits;
}
