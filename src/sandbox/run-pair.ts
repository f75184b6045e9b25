/**
 * Two sandboxes, one run: an interactor and a submission at once, each in a container of its
 * own (its own limits, cgroup, host uid, seccomp filter, stderr collected and capped), their
 * stdio crossed by two pipes made here:
 *
 *     submission stdout ──pipe──▶ interactor stdin
 *     interactor stdout ──pipe──▶ submission stdin
 *
 * Bytes go straight from one container to the other: the worker is not on the path. Of the
 * submission → interactor pipe it holds a writer, never written, until the submission's program
 * has ended, so that the interactor reads EOF only then (as Kattis's runner holds it: a
 * submission that closes its stdout and then crashes or spins ended first), and a reader,
 * unread, until the interactor has ended (PairOptions.acceptExitCodes): a submission writing to
 * an interactor that rejected gets EPIPE/SIGPIPE. Of the interactor → submission pipe it keeps a reader of
 * its own (as Kattis's reference runner keeps that end open): an interactor answering a
 * submission that has already quit must not die of SIGPIPE (an interactor's death is the
 * judge's error, IE), since a submission may quit early and then it is the interactor that
 * decides (a wrong answer, when it reads EOF). The worker never reads it while the submission
 * runs; once the submission has ended it drains it, so that the interactor's answers, however
 * long, go nowhere instead of blocking it on a full pipe. The transcript's tee (pair-tee.ts)
 * does the same: the interactor's answers to a submission gone are read and dropped.
 *
 * How the pair ends, without deadlock whatever either side does:
 *   - each side ends by its own limits (CPU, wall, memory…): a submission that never writes or
 *     never flushes is ended by its wall limit, and the interactor then reads EOF;
 *   - when the interactor's run ends, the submission reads EOF (and a write gets EPIPE/SIGPIPE);
 *     if it is still running `graceMs` later it is killed (`submissionKilledAfterGrace`), and
 *     after an accepting interactor, as soon as it has written more than `dropBytes` that the
 *     worker reads and drops (`submissionFloodedAfterAccept`);
 *   - when either launch fails (a host fault), the other side is killed and the failure thrown.
 * `firstEnded` says whose program ended first, so that the judge can tell "the interactor
 * decided, then the submission died of the closed pipe" from "the submission crashed, then the
 * interactor read EOF". A submission whose run ended while the interactor's stdout still had a
 * writer ended first, whatever the clocks say: it had read no EOF from the interactor, and no
 * write of it could fail while the worker held a reader for the running interactor (the worker
 * polls its reader of that pipe before it lets the held writer go; with a transcript, the tee
 * knows whether it has passed an EOF on). So the jury's Java that throws after its last query
 * while the interactor waits for the next is RE, as problemtools' runner, which waits for
 * either program, sees it end first (NWERC 2023 lateraldamage, run_time_error/). Otherwise a
 * submission ended by SIGPIPE ended second (the interactor had closed
 * its end of the pipe: cause before effect); otherwise the earlier of the two ends: the moment
 * each init reaped its program, on the shared monotonic clock (the exit report's `end_ns`), or
 * the worker's kill. An init is woken by its program's death, but on a loaded machine not
 * at once, and the interactor may read the EOF and exit in that gap: ends less than
 * SIMULTANEOUS_MS apart are one moment, and then a submission
 * ended by a signal or a limit counts as first, and one that exited non-zero only when it had
 * said nothing: written no byte but to its stderr (its init counts what it wrote from its io
 * counters; the worker read the stderr): an interactor decides on what it read, and from a
 * submission that said nothing it could read only the EOF of its end (problemtools' example
 * `guess`, run_time_error/guess_rte.c; a Python assert's traceback, BAPCtools' guess).
 * Otherwise an exit code does not: a program that exits non-zero on reading EOF lost to the
 * interactor's decision (wrong_answer/GuessCrash.java).
 */
import fs from 'node:fs';
import net from 'node:net';
import { AbortedError, CagedError } from '../errors';
import type { NativeApi } from './native';
import { PairTee, type TranscriptChunk } from './pair-tee';
import { RunControl } from './run-control';
import type { RunPlan, RunResult } from './types';

/** Default time the submission is given to exit after the interactor's run ended, in ms. */
export const DEFAULT_PAIR_GRACE_MS = 1000;

/**
 * The launch of one side failed (its set-up, or its exec): which side, and the launch's own
 * error (`error`), whose retryability this keeps.
 */
export class PairLaunchError extends CagedError {
  readonly retryable: boolean;
  constructor(
    readonly side: 'interactor' | 'submission',
    readonly error: unknown,
  ) {
    super(`the ${side}'s container: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    this.retryable = error instanceof CagedError ? error.retryable : true;
  }
}

/** Ends closer than this, in ms, cannot be ordered from the worker's side (see above). */
export const SIMULTANEOUS_MS = 10;

export interface PairOptions {
  /** Time the submission may run on after the interactor's run ended, in ms; default 1000. */
  graceMs?: number;
  /**
   * Keep a transcript of the exchange, up to this many bytes; default 0 (none). The worker is
   * then on the pipes (pair-tee.ts), which costs latency per message.
   */
  transcriptBytes?: number;
  /**
   * The interactor's exit codes that accept (the Kattis protocol's 42; testlib's 0 and 7). The worker holds a
   * reader of the pipe from the submission, unread, while the interactor runs, as problemtools'
   * runner does: a submission writing as the interactor exits is not killed by SIGPIPE by that
   * race. When the interactor ends with one of these codes, what the submission writes on is read and
   * dropped (output after an accepting interactor is not a failure, as in the reference
   * runner); otherwise that reader is closed, and a write gets EPIPE/SIGPIPE. Absent: it is
   * closed whatever the interactor's end.
   */
  acceptExitCodes?: readonly number[];
  /**
   * What the submission may write after an accepting interactor, read and dropped by the
   * worker, in bytes; past it the submission is killed (`submissionFloodedAfterAccept`), so that
   * a flood costs the worker that much reading, not a grace period of it. Default: the
   * submission's output limit.
   */
  dropBytes?: number;
}

/** A side's stdin and stdout: ends of the pair's pipes. */
export interface PairFds {
  stdin: number;
  stdout: number;
}

/**
 * Fds the program inherits beside its stdio, on 5, 6, … in order (a CMS manager's channels to
 * several processes of the submission: run-group.ts); at most CAGE_RUN_EXTRA_MAX.
 */
export type ExtraFds = readonly number[];

export interface PairResult {
  interactor: RunResult;
  submission: RunResult;
  /** Whose program ended first. */
  firstEnded: 'interactor' | 'submission';
  /** From the pair's start to the end of each side's program, in ms. */
  interactorEndMs: number;
  submissionEndMs: number;
  /** The submission outlived the interactor by more than the grace and was killed. */
  submissionKilledAfterGrace: boolean;
  /**
   * The submission's CPU time, in ms, when the interactor's run ended without accepting while the
   * submission still ran: the verdict was decided then, and what it spent after (its grace) is not
   * its answer's (BAPCtools and DOMjudge end it there). Null otherwise, or without a cgroup.
   */
  submissionCpuAtRejectionMs: number | null;
  /** The submission wrote more than `dropBytes` after the interactor accepted, and was killed. */
  submissionFloodedAfterAccept: boolean;
  /** The exchange in order, when asked for (`transcriptBytes`), and whether the cap cut it. */
  transcript?: { chunks: TranscriptChunk[]; truncated: boolean };
}

/** Launches one side with the given pipe ends (owned by the launch from its call on). */
export type LaunchSide = (plan: RunPlan, fds: PairFds, control: RunControl) => Promise<RunResult>;

export async function runPair(
  native: Pick<NativeApi, 'pipe' | 'hungUp'>,
  launch: LaunchSide,
  interactorPlan: RunPlan,
  submissionPlan: RunPlan,
  opts: PairOptions,
): Promise<PairResult> {
  const graceMs = opts.graceMs ?? DEFAULT_PAIR_GRACE_MS;
  const dropBytes = opts.dropBytes ?? submissionPlan.limits.outputBytes;
  const sc = new RunControl();
  let submissionEnded = false;
  let flooded = false;
  let dropped = 0;
  /** Bytes of the submission's output read and dropped after the interactor accepted. */
  const droppedFromSubmission = (n: number): void => {
    dropped += n;
    if (dropped <= dropBytes || flooded || submissionEnded) return;
    flooded = true;
    sc.kill();
  };
  const pipes: Array<[number, number]> = [];
  try {
    for (let n = opts.transcriptBytes ? 4 : 2; n > 0; n--) pipes.push(native.pipe());
  } catch (err) {
    for (const fd of pipes.flat()) fs.closeSync(fd);
    throw err;
  }
  let interactorFds: PairFds;
  let submissionFds: PairFds;
  let tee: PairTee | null = null;
  const [a, b, c, d] = pipes;
  if (c && d) {
    // submission → (a) → worker → (b) → interactor → (c) → worker → (d) → submission
    const fds = { submissionOut: a![0], interactorIn: b![1], interactorOut: c[0], submissionIn: d[1] };
    tee = new PairTee(fds, opts.transcriptBytes ?? 0, droppedFromSubmission);
    interactorFds = { stdin: b![0], stdout: c[1] };
    submissionFds = { stdin: d[0], stdout: a![1] };
  } else {
    interactorFds = { stdin: a![0], stdout: b![1] };
    submissionFds = { stdin: b![0], stdout: a![1] };
  }
  // The worker's own ends, new open files of the pipes (not dups, whose non-blocking flag
  // would be the sides' too; opening a pipe's end never blocks while the pipe has a reader): a
  // reader of interactor → submission, drained once the submission has ended; a reader of
  // submission → interactor, held unread while the interactor runs (see
  // PairOptions.acceptExitCodes; the tee holds its own); and a writer of submission →
  // interactor, never written, closed once the submission's program has ended: a submission
  // that closes its stdout and goes on does not give the interactor EOF until it has ended, as
  // Kattis's runner and BAPCtools hold that end (so a submission that closes stdout and then
  // crashes or spins is RTE or TLE, ending first, not WA by an interactor reading that EOF).
  let held: number | null = null;
  let heldOut: number | null = null;
  let heldWriter: number | null = null;
  const reopen = (fd: number, flags: number) => fs.openSync(`/proc/self/fd/${fd}`, flags | fs.constants.O_NONBLOCK);
  try {
    heldWriter = reopen(submissionFds.stdout, fs.constants.O_WRONLY);
    if (!tee) {
      held = reopen(submissionFds.stdin, fs.constants.O_RDONLY);
      heldOut = reopen(interactorFds.stdin, fs.constants.O_RDONLY);
    }
  } catch (err) {
    tee?.destroy();
    // The sides' ends (the tee closed its own).
    for (const fd of tee ? [interactorFds.stdin, interactorFds.stdout, submissionFds.stdin, submissionFds.stdout] : pipes.flat())
      fs.closeSync(fd);
    for (const fd of [held, heldWriter]) if (fd !== null) fs.closeSync(fd);
    throw err;
  }
  const releaseWriter = (): void => {
    if (heldWriter === null) return;
    fs.closeSync(heldWriter);
    heldWriter = null;
  };
  const drains: net.Socket[] = [];
  const drainFd = (fd: number, onData?: (bytes: number) => void): void => {
    const socket = new net.Socket({ fd, readable: true, writable: false });
    drains.push(socket);
    socket.on('error', () => undefined);
    if (onData) socket.on('data', (chunk: Buffer) => onData(chunk.length));
    else socket.resume();
  };
  const drainHeld = (): void => {
    if (held === null) return;
    drainFd(held);
    held = null;
  };
  /** The interactor ended: the submission's further output is dropped if it accepted, refused otherwise. */
  const interactorEnded = (accepted: boolean): void => {
    tee?.interactorEnded(accepted);
    if (heldOut === null) return;
    if (accepted) drainFd(heldOut, droppedFromSubmission);
    else fs.closeSync(heldOut);
    heldOut = null;
  };
  const accepts = (r: RunResult) => r.signal === null && r.exitCode !== null && (opts.acceptExitCodes ?? []).includes(r.exitCode);
  const started = process.hrtime.bigint();
  const ic = new RunControl();
  let killedAfterGrace = false;
  let cpuAtRejection: number | null = null;
  /**
   * When the submission's run ended, the interactor's stdout still had a writer (its program had
   * not closed it: not ended), so the submission had read no EOF from it; nor could a write
   * of the submission's fail while the worker held a reader for the running interactor.
   */
  let interactorStillWriting = false;
  let grace: NodeJS.Timeout | null = null;
  // The side whose launch failed first: the other's failure may be our kill of it.
  let firstFailed: 'interactor' | 'submission' | null = null;
  // Each launch owns its two ends from here on (and closes them whatever happens).
  const interactor = launch(interactorPlan, interactorFds, ic).then(
    (r) => {
      interactorEnded(accepts(r));
      if (!submissionEnded && !accepts(r)) cpuAtRejection = sc.cpuUsedMs();
      if (!submissionEnded)
        grace = setTimeout(() => {
          if (submissionEnded || flooded) return;
          killedAfterGrace = true;
          sc.kill();
        }, graceMs);
      return r;
    },
    (err: unknown) => {
      firstFailed ??= 'interactor';
      interactorEnded(false);
      sc.kill();
      throw err;
    },
  );
  const submission = launch(submissionPlan, submissionFds, sc).then(
    (r) => {
      submissionEnded = true;
      // Before the held writer goes (the interactor may read EOF from then on).
      interactorStillWriting = tee ? !tee.interactorOutEnded : held !== null && !native.hungUp(held);
      releaseWriter();
      drainHeld();
      return r;
    },
    (err: unknown) => {
      firstFailed ??= 'submission';
      submissionEnded = true;
      releaseWriter();
      drainHeld();
      ic.kill();
      throw err;
    },
  );
  const [i, s] = await Promise.allSettled([interactor, submission]);
  if (grace) clearTimeout(grace);
  tee?.destroy();
  for (const socket of drains) socket.destroy();
  releaseWriter();
  for (const fd of [held, heldOut]) if (fd !== null) fs.closeSync(fd);
  // Aborted by the caller (RunPlan.signal): the pair's own answer, not a failed launch.
  for (const side of [s, i]) if (side.status === 'rejected' && side.reason instanceof AbortedError) throw side.reason;
  if (s.status === 'rejected' && (firstFailed === 'submission' || i.status !== 'rejected'))
    throw new PairLaunchError('submission', s.reason);
  if (i.status === 'rejected') throw new PairLaunchError('interactor', i.reason);
  if (s.status === 'rejected') throw new PairLaunchError('submission', s.reason);
  const ms = (ns: bigint | null) => Math.max(0, Number((ns ?? process.hrtime.bigint()) - started) / 1e6);
  const interactorEndMs = ms(ic.endedNs);
  const submissionEndMs = ms(sc.endedNs);
  return {
    interactor: i.value,
    submission: s.value,
    // Killed for a flood after the interactor had accepted: it ended second, however soon.
    firstEnded:
      !flooded &&
      (interactorStillWriting || submissionFirst(s.value, sc.saidNothing === true, submissionEndMs, interactorEndMs, crashed(i.value)))
        ? 'submission'
        : 'interactor',
    interactorEndMs: Math.round(interactorEndMs * 1000) / 1000,
    submissionEndMs: Math.round(submissionEndMs * 1000) / 1000,
    submissionKilledAfterGrace: killedAfterGrace,
    submissionCpuAtRejectionMs: cpuAtRejection,
    submissionFloodedAfterAccept: flooded,
    ...(tee ? { transcript: { chunks: tee.chunks, truncated: tee.truncated } } : {}),
  };
}

/**
 * Whether the submission's program ended first. Within one moment (SIMULTANEOUS_MS) a crash or
 * a limit of the submission counts as first; an exit non-zero only from a submission that said
 * nothing (an assert's traceback: the interactor then judged its EOF), and not when the
 * interactor crashed: a crash judged nothing, and its closed pipe is what failed the
 * submission's first write (Python's BrokenPipeError, which writes nothing either).
 */
export function submissionFirst(
  s: RunResult,
  saidNothing: boolean,
  submissionEndMs: number,
  interactorEndMs: number,
  interactorCrashed = false,
): boolean {
  if (s.signal === 'SIGPIPE') return false; // the interactor had closed its end
  if (Math.abs(submissionEndMs - interactorEndMs) < SIMULTANEOUS_MS)
    return crashed(s) || (saidNothing && s.exitCode !== 0 && !interactorCrashed);
  return submissionEndMs < interactorEndMs;
}

/** Ended by a signal, a limit or a forbidden system call: not by its own exit. */
function crashed(r: RunResult): boolean {
  return r.signal !== null || r.limitHit !== null || r.forbiddenSyscall !== null;
}
