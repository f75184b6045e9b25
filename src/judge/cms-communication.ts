/**
 * A CMS Communication task's manager (the wire's `interactor.protocol: "cms"`; CMS's
 * cms/grading/tasktypes/Communication.py), run beside the submission as every interactor is
 * (interactive.ts, src/sandbox/run-pair.ts), with what CMS gives each side:
 *
 *   - the manager: `<run command> from_submission to_submission`, two files it opens (CMS's
 *     FIFOs), the test's input on its stdin and as `input.txt` in its working directory; it
 *     ends with exit 0 and CMS's "standard manager output": its outcome, 0..1, the first line of
 *     its stdout, its message the first line of its stderr (cms-checker.ts reads them);
 *   - the submission (`submissionIo`): `stdio` (CMS's `std_io`), its stdin and stdout are the
 *     channels; `fifos` (CMS's `fifo_io`), `<run command> from_manager to_manager`, two files
 *     it opens, its stdin empty and its stdout discarded (CMS writes it to a file no one reads).
 *
 * The channels are the pair's pipes: each side's stdin and stdout as the pair makes them. For a
 * side that opens files, a shell (the image's /bin/sh, before the program's exec; no process of
 * its own stays) moves them to fds 3 and 4 and names them `/proc/self/fd/3` and
 * `/proc/self/fd/4`: opening one opens that pipe, as opening a FIFO would, without a path shared
 * by the two containers. The manager's stdout is then a file of its feedback directory, read
 * back after the run.
 *
 * Several processes of the submission (CMS's `num_processes`, the wire's `processes`) run as a
 * group (src/sandbox/run-group.ts): each process i is told its index as its last argument, and
 * holds its channels as its stdin and stdout (`stdio`) or as fds 5 and 6 (`fifos`: `<run>
 * /proc/self/fd/5 /proc/self/fd/6 i`); the manager holds process i's on fds 5 + 2i and 6 + 2i
 * (`<run> from_0 to_0 from_1 to_1 …`), the test's input on its stdin (and as `input.txt`), its
 * stdout collected. No shell is needed: the launcher places the fds itself. Each process has
 * the test's limits; together their CPU time must stay below the time limit, as CMS adds them.
 *
 * The verdict (interactive-verdict.ts with `cms`, then cmsOutcome): a submission that failed
 * (RE, TLE, MLE…, whenever: CMS scores a user process's failure 0 whatever the manager said)
 * has its own verdict; a manager that failed (exit code not 0, a signal, a limit) is IE, as CMS
 * counts it; otherwise the manager's outcome decides: 1 AC, below 1 WA with that share.
 */
import type { GroupResult } from '../sandbox/run-group';
import type { PairResult } from '../sandbox/run-pair';
import type { RunResult } from '../sandbox/types';
import { cmsVerdict } from './cms-checker';
import type { CheckerVerdict } from './checker-verdict';
import type { InteractiveVerdict } from './interactive-verdict';
import { readFeedbackFile } from './output-validator-feedback';

/** Where the manager's stdout goes, in its feedback directory. */
export const CMS_OUTCOME_FILE = 'outcome';
/** What of the manager's stdout is read: its first line is the outcome. */
const OUTCOME_BYTES = 64 * 1024;

/** How a submission reaches a CMS manager (the wire's `interactor.submissionIo`). */
export type SubmissionIo = 'stdio' | 'fifos';

/** The two channels, once a side's shell moved its stdin and stdout to fds 3 and 4. */
const CHANNELS = ['/proc/self/fd/3', '/proc/self/fd/4'] as const;

/**
 * `command` run with its stdin and stdout (the pair's pipes) moved to fds 3 and 4 and named as
 * its last two arguments, its stdin then `stdin` and its stdout `stdout` (paths in its container).
 */
function onChannels(command: readonly string[], stdin: string, stdout: string): string[] {
  // The paths go into the script itself: only plain absolute paths, never anything a shell reads.
  for (const p of [stdin, stdout]) if (!/^\/[\w./-]+$/.test(p)) throw new RangeError(`not a plain absolute path: ${JSON.stringify(p)}`);
  const script = `exec 3<&0 4>&1 <'${stdin}' >'${stdout}' && exec "$@"`;
  return ['/bin/sh', '-c', script, 'sh', ...command, ...CHANNELS];
}

/** The manager's argv: `input` is the test's input file, `feedbackDir` its writable directory. */
export function cmsManagerArgv(command: readonly string[], input: string, feedbackDir: string): string[] {
  return onChannels(command, input, `${feedbackDir}/${CMS_OUTCOME_FILE}`);
}

/** The submission's argv: as it is (`stdio`), or told its channels as files (`fifos`). */
export function cmsSubmissionArgv(command: readonly string[], io: SubmissionIo): string[] {
  return io === 'fifos' ? onChannels(command, '/dev/null', '/dev/null') : [...command];
}

/**
 * The test's verdict once the manager exited 0 (and the submission did not fail): its outcome,
 * read from its feedback directory without following links, and its stderr's first line;
 * under GroupThreshold (`threshold`) a measure (cms-checker.ts).
 */
export function cmsOutcome(feedbackDir: string, stderr: Buffer, threshold?: number): CheckerVerdict {
  const out = readFeedbackFile(feedbackDir, CMS_OUTCOME_FILE, OUTCOME_BYTES);
  if (out.kind === 'refused') return { verdict: 'IE', fraction: 0, message: `the manager's output was refused: ${out.why}` };
  return cmsVerdict(0, out.kind === 'absent' ? Buffer.alloc(0) : out.data, stderr, 'manager', threshold);
}

/** The path of a group member's extra fd `fd` (5, 6, …: run-group.ts). */
const fdPath = (fd: number): string => `/proc/self/fd/${fd}`;

/** A group's manager: `command` then each process's channels in turn, from it and to it. */
export function cmsGroupManagerArgv(command: readonly string[], processes: number): string[] {
  return [...command, ...Array.from({ length: processes }, (_, i) => [fdPath(5 + 2 * i), fdPath(6 + 2 * i)]).flat()];
}

/** A group's process `index`: its channels as its stdio, or as files on fds 5 and 6 (`fifos`); its index last. */
export function cmsGroupUserArgv(command: readonly string[], io: SubmissionIo, index: number): string[] {
  return [...command, ...(io === 'fifos' ? [fdPath(5), fdPath(6)] : []), String(index)];
}

/**
 * A group's test judged, and the one pair it reads as (for the test's result): the manager and
 * the process that decides, or the first. Each process is judged with the manager as a pair is
 * (`judge`: interactive-verdict.ts); the first one that failed decides (its own verdict), else a
 * manager's failure (IE); else, as CMS adds them, processes whose CPU times together reach
 * `cpuLimitMs` are TLE. The pair's submission run carries their CPU times and memory added, and
 * the longest wall time (CMS's merge of concurrent runs).
 */
export function cmsGroupJudged(
  g: GroupResult,
  judge: (pair: PairResult) => InteractiveVerdict,
  cpuLimitMs: number,
): { pair: PairResult; judged: InteractiveVerdict } {
  const pairs = g.users.map((submission, i): PairResult => ({
    interactor: g.manager,
    submission,
    firstEnded: g.userEndedFirst[i] ? 'submission' : 'interactor',
    interactorEndMs: 0,
    submissionEndMs: 0,
    submissionKilledAfterGrace: g.killedAfterGrace[i] ?? false,
    submissionCpuAtRejectionMs: null,
    submissionFloodedAfterAccept: false,
  }));
  const judged = pairs.map(judge);
  const failed = judged.findIndex((j) => j.verdict !== 'AC' && j.verdict !== 'IE');
  const at =
    failed >= 0
      ? failed
      : Math.max(
          0,
          judged.findIndex((j) => j.verdict === 'IE'),
        );
  const runs = g.users;
  const merged: RunResult = {
    ...runs[at]!,
    cpuTimeMs: runs.reduce((sum, r) => sum + r.cpuTimeMs, 0),
    memoryBytes: runs.reduce((sum, r) => sum + r.memoryBytes, 0),
    wallTimeMs: Math.max(...runs.map((r) => r.wallTimeMs)),
  };
  const pair = { ...pairs[at]!, submission: merged };
  const verdict = judged[at]!;
  if (verdict.verdict === 'AC' && merged.cpuTimeMs >= cpuLimitMs) {
    const message = `its ${runs.length} processes used ${Math.round(merged.cpuTimeMs)} ms of CPU time together, the limit ${cpuLimitMs} ms`;
    return { pair, judged: { verdict: 'TLE', message, limitHit: 'cpu' } };
  }
  return { pair, judged: verdict };
}
