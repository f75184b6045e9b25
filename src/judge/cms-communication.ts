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
 * The verdict (interactive-verdict.ts with `cms`, then cmsOutcome): a submission that failed
 * (RE, TLE, MLE…, whenever: CMS scores a user process's failure 0 whatever the manager said)
 * has its own verdict; a manager that failed (exit code not 0, a signal, a limit) is IE, as CMS
 * counts it; otherwise the manager's outcome decides: 1 AC, below 1 WA with that share.
 */
import { cmsVerdict } from './cms-checker';
import type { CheckerVerdict } from './checker-verdict';
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
 * read from its feedback directory without following links, and its stderr's first line.
 */
export function cmsOutcome(feedbackDir: string, stderr: Buffer): CheckerVerdict {
  const out = readFeedbackFile(feedbackDir, CMS_OUTCOME_FILE, OUTCOME_BYTES);
  if (out.kind === 'refused') return { verdict: 'IE', fraction: 0, message: `the manager's output was refused: ${out.why}` };
  return cmsVerdict(0, out.kind === 'absent' ? Buffer.alloc(0) : out.data, stderr, 'manager');
}
