/**
 * Reading back an output validator's feedback directory (the Kattis protocol's `feedback_dir`)
 * from the host after its run, and turning its exit into a verdict.
 *
 * The directory was written by the validator: every file is opened relative to the directory's
 * descriptor with O_NOFOLLOW and O_NONBLOCK (src/fs/tree-walk.ts), must be a regular file, and
 * is read up to a cap. A link (to /etc/shadow, say), a FIFO or a directory in place of a file is
 * refused: the refusal is noted in the test's message, never followed, never an exception.
 */
import fs from 'node:fs';
import { isHostFault, openFileAt } from '../fs/tree-walk';
import { isDecimalNumber } from './checkers';
import { oneLine } from './result';
import { writeNewFile } from './safe-fs';

/** The Kattis protocol's exit codes. */
export const VALIDATOR_ACCEPT = 42;
export const VALIDATOR_REJECT = 43;

/** Bytes read of judgemessage.txt and teammessage.txt (the result keeps one line of 500 characters). */
export const FEEDBACK_MESSAGE_BYTES = 4096;
/** Bytes read of score.txt: a number and blanks. */
const SCORE_BYTES = 64;

export type FeedbackFile = { kind: 'absent' } | { kind: 'refused'; why: string } | { kind: 'read'; data: Buffer; truncated: boolean };

/** A file of a multi-pass validator's feedback directory, carried to its next pass. */
export interface CarriedFile {
  name: string;
  data: Buffer;
}

/** What a pass left for the next one: its files, or why they cannot be carried. */
export type CarriedFiles = { files: CarriedFile[] } | { refused: string };

/**
 * A multi-pass problem's hook (src/problem/judge-package.ts): each test's nextpass.in, capped at
 * `bytes`, and the feedback directory's other files (readCarried), which the format keeps
 * between passes; `carried`, the previous pass's, are written into this pass's directory first.
 */
export interface NextPassHook {
  bytes: number;
  carried?: readonly CarriedFile[];
  onNextPass: (testIndex: number, f: FeedbackFile, kept: CarriedFiles) => void;
}

/** Files a pass may carry to the next. */
const CARRIED_FILES = 64;

/**
 * What a multi-pass validator (or interactor) leaves for its next pass: the format keeps every
 * file of the feedback directory but nextpass.in between passes (BAPCtools' validate.h keeps its
 * pass number and state there). The directory's regular files, read without following links, at
 * most CARRIED_FILES and `cap` bytes in all; refused beyond, or for a link, a subdirectory or a
 * special file.
 */
export function readCarried(dir: string, cap: number): CarriedFiles {
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_DIRECTORY);
  try {
    const names = listUpTo(dirFd, CARRIED_FILES);
    if (names === null) return { refused: `it holds more than ${CARRIED_FILES} files` };
    const files: CarriedFile[] = [];
    let left = cap;
    for (const name of names.sort()) {
      const f = readCapped(dirFd, name, left);
      if (f.kind === 'absent') continue;
      if (f.kind === 'refused') return { refused: `${name}: ${f.why}` };
      if (f.truncated) return { refused: `its files are larger than ${cap} bytes in all` };
      left -= f.data.length;
      files.push({ name, data: f.data });
    }
    return { files };
  } finally {
    fs.closeSync(dirFd);
  }
}

/**
 * The names in the directory open at `dirFd` (the one its files are read from, not its path
 * again) but nextpass.in, or null once there are more than `most`: the listing stops there, so a
 * validator that made a million files costs the host no more than `most` names.
 */
function listUpTo(dirFd: number, most: number): string[] | null {
  const d = fs.opendirSync(`/proc/self/fd/${dirFd}`);
  try {
    const names: string[] = [];
    for (let e = d.readSync(); e !== null; e = d.readSync()) {
      if (e.name === 'nextpass.in') continue;
      if (names.length === most) return null;
      names.push(e.name);
    }
    return names;
  } finally {
    d.closeSync();
  }
}

/**
 * Writes the previous pass's files into a pass's fresh feedback directory, 0666: the directory
 * is handed to the validator's uid for its run (a uid of its own each pass), which must be able
 * to rewrite them; nothing else reaches the directory.
 */
export function seedFeedback(dir: string, files: readonly CarriedFile[]): void {
  for (const f of files) writeNewFile(dir, f.name, f.data, 0o666);
}

export interface Feedback {
  judgeMessage: FeedbackFile;
  teamMessage: FeedbackFile;
  score: FeedbackFile;
  /** score_multiplier.txt (2025-09): the share of the test's maximum score, in [0, 1]. */
  scoreMultiplier: FeedbackFile;
}

/** Reads the four files of the feedback directory `dir` (which the host created). */
export function readFeedback(dir: string): Feedback {
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_DIRECTORY);
  try {
    return {
      judgeMessage: readCapped(dirFd, 'judgemessage.txt', FEEDBACK_MESSAGE_BYTES),
      teamMessage: readCapped(dirFd, 'teammessage.txt', FEEDBACK_MESSAGE_BYTES),
      score: readCapped(dirFd, 'score.txt', SCORE_BYTES),
      scoreMultiplier: readCapped(dirFd, 'score_multiplier.txt', SCORE_BYTES),
    };
  } finally {
    fs.closeSync(dirFd);
  }
}

/**
 * The file `name` of a program's feedback directory `dir` (readCapped: a regular file, no link
 * followed, at most `cap` bytes, truncated beyond): a testlib interactor's output file, a CMS
 * manager's outcome, a multi-pass validator's `nextpass.in`.
 */
export function readFeedbackFile(dir: string, name: string, cap: number): FeedbackFile {
  const dirFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_DIRECTORY);
  try {
    return readCapped(dirFd, name, cap);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** A multi-pass validator's `nextpass.in` in the feedback directory `dir`: the next pass's input, at most `cap` bytes. */
export function readNextPass(dir: string, cap: number): FeedbackFile {
  return readFeedbackFile(dir, 'nextpass.in', cap);
}

/**
 * The regular file `name` in `dirFd` opened for reading without following a link (a FIFO does
 * not block), with its size; absent, or refused with why (a link, a special file). The caller closes it.
 */
export function openRegularFile(
  dirFd: number,
  name: string,
): { fd: number; size: number; mtimeMs: number } | Exclude<FeedbackFile, { kind: 'read' }> {
  let fd: number;
  try {
    fd = openFileAt(dirFd, name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    if (code === 'ELOOP') return { kind: 'refused', why: `${name} is a symbolic link` };
    if (isHostFault(err)) throw err;
    return { kind: 'refused', why: `${name}: ${code ?? 'cannot be opened'}` };
  }
  const st = fs.fstatSync(fd);
  if (st.isFile()) return { fd, size: st.size, mtimeMs: st.mtimeMs };
  fs.closeSync(fd);
  return { kind: 'refused', why: `${name} is not a regular file` };
}

/** At most `cap` bytes of the regular file `name` in `dirFd`; a link or special file is refused. */
export function readCapped(dirFd: number, name: string, cap: number): FeedbackFile {
  const opened = openRegularFile(dirFd, name);
  if (!('fd' in opened)) return opened;
  try {
    // Sized by the file (it cannot grow: its writer has ended), so a large cap costs nothing.
    const buf = Buffer.alloc(Math.min(cap, opened.size) + 1);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(opened.fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    return { kind: 'read', data: buf.subarray(0, Math.min(got, cap)), truncated: got > cap || opened.size > cap };
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** One line of a message file (invalid UTF-8 replaced), or null when absent, empty or refused. */
export function feedbackText(f: FeedbackFile): string | null {
  if (f.kind !== 'read') return null;
  const text = oneLine(f.data.toString('utf8'));
  return text === '' ? null : text;
}

/** score.txt (or `name`) → a number ≥ 0, or why it is not one. */
export function parseScore(f: FeedbackFile, name = 'score.txt'): { score: number } | { error: string } | null {
  if (f.kind === 'absent') return null;
  if (f.kind === 'refused') return { error: f.why };
  if (f.truncated) return { error: `${name} is longer than ${SCORE_BYTES} bytes` };
  let start = 0;
  let end = f.data.length;
  const blank = (c: number | undefined) => c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d);
  while (start < end && blank(f.data[start])) start++;
  while (end > start && blank(f.data[end - 1])) end--;
  const shown = JSON.stringify(oneLine(f.data.toString('utf8'), 40));
  if (start === end || !isDecimalNumber(f.data, start, end)) return { error: `${name} is not a number: ${shown}` };
  const score = Number(f.data.toString('latin1', start, end));
  if (!Number.isFinite(score) || score < 0) return { error: `${name} is not a number ≥ 0: ${shown}` };
  return { score };
}

/**
 * What an accepting validator said of the test's score: score.txt (absolute), or
 * score_multiplier.txt (a share in [0, 1] of the test's maximum), or neither; both, or a
 * malformed one, is why the score cannot be known (the format: a judge error).
 */
export function acceptedScore(
  feedback: Pick<Feedback, 'score' | 'scoreMultiplier'>,
): { score?: number; multiplier?: number } | { error: string } {
  const score = parseScore(feedback.score);
  const multiplier = parseScore(feedback.scoreMultiplier, 'score_multiplier.txt');
  if (score && 'error' in score) return score;
  if (multiplier && 'error' in multiplier) return multiplier;
  if (score && multiplier) return { error: 'wrote both score.txt and score_multiplier.txt' };
  if (multiplier && multiplier.score > 1) return { error: `score_multiplier.txt is above 1: ${multiplier.score}` };
  return { ...(score ? { score: score.score } : {}), ...(multiplier ? { multiplier: multiplier.score } : {}) };
}

/** The score file a validator wrote (score.txt first), read or refused; undefined when it wrote none. */
export function scoreFileWritten(feedback: Pick<Feedback, 'score' | 'scoreMultiplier'>): ScoreFileName | undefined {
  if (feedback.score.kind !== 'absent') return 'score.txt';
  return feedback.scoreMultiplier.kind !== 'absent' ? 'score_multiplier.txt' : undefined;
}

export type ScoreFileName = 'score.txt' | 'score_multiplier.txt';

export interface ValidatorVerdict {
  verdict: 'AC' | 'WA' | 'IE';
  /** One line for the judge: judgemessage.txt, or why the test is IE. */
  message: string;
  /** score.txt, when the validator wrote one and accepted. */
  score?: number;
  /** score_multiplier.txt, when the validator wrote one and accepted. */
  multiplier?: number;
  /** teammessage.txt, one line, when written. */
  teamMessage?: string;
  /** The score file a rejecting validator wrote all the same (the verdict stays WA; 2025-09 packages make it IE). */
  rejectedWithScoreFile?: ScoreFileName;
}

/**
 * The exit of a validator that ended by itself (no signal, no limit) and its feedback → a
 * verdict: 42 AC, 43 WA, anything else IE. A refused or malformed score.txt is IE too (the
 * test's score cannot be known); a refused message file is only noted.
 */
export function interpretValidatorExit(code: number, feedback: Feedback, stderr: Buffer): ValidatorVerdict {
  const notes: string[] = [];
  for (const f of [feedback.judgeMessage, feedback.teamMessage]) if (f.kind === 'refused') notes.push(`[caged: refused ${f.why}]`);
  const judged = feedbackText(feedback.judgeMessage);
  const team = feedbackText(feedback.teamMessage);
  const extra = team === null ? {} : { teamMessage: team };
  const note = notes.join(' ');
  const withNote = (m: string) => oneLine(note ? `${m} ${note}` : m);
  if (code !== VALIDATOR_ACCEPT && code !== VALIDATOR_REJECT) {
    const said = judged ?? oneLine(stderr.toString('utf8'));
    return { verdict: 'IE', message: withNote(`the validator exited with ${code}, not 42 or 43${said ? `: ${said}` : ''}`), ...extra };
  }
  if (code === VALIDATOR_REJECT) {
    const written = scoreFileWritten(feedback);
    return { verdict: 'WA', message: withNote(judged ?? 'wrong answer'), ...extra, ...(written ? { rejectedWithScoreFile: written } : {}) };
  }
  const score = acceptedScore(feedback);
  if ('error' in score) return { verdict: 'IE', message: withNote(`the validator accepted but ${score.error}`), ...extra };
  return { verdict: 'AC', message: withNote(judged ?? 'accepted'), ...score, ...extra };
}

/**
 * An output validator's share of the test's points: all of them when it accepts without
 * score.txt; score.txt's number as absolute points, capped at the test's points, when it
 * accepts with one; score_multiplier.txt's share; nothing otherwise.
 */
export function validatorFraction(verdict: 'AC' | 'WA' | 'IE', score: number | undefined, testPoints: number, multiplier?: number): number {
  if (verdict !== 'AC') return 0;
  if (multiplier !== undefined) return multiplier;
  if (score === undefined || testPoints <= 0) return 1;
  return Math.min(score, testPoints) / testPoints;
}
