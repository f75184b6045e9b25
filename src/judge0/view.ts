/**
 * A job as Judge0 shows a submission (`GET /submissions/{token}`, the webhook body of format
 * `judge0`): Judge0's field names and units, chosen with `fields`, text fields in UTF-8 or,
 * with `base64_encoded=true`, in base64.
 *
 * Units: `time` and `wall_time` are seconds as decimal strings ("0.012", as Judge0 sends them),
 * `memory` is KB (KiB, the peak of the container), limits in seconds and KB. A submission of
 * several tests (`POST /v1/jobs`) shows its first test. `status`: 1 In Queue (waiting, delayed),
 * 2 Processing (active), the verdict's Judge0 status (src/judge/verdict.ts) once completed, 13
 * Internal Error when the job failed (`message` then holds the reason).
 *
 * As Judge0 fills them: `message` is null for a program that ended normally and isolate's words
 * otherwise ("Exited with error status 3", "Caught fatal signal 11", "Time limit exceeded",
 * "Time limit exceeded (wall clock)"; caged's own for what isolate has no words for: the memory,
 * output and process limits, a forbidden system call); empty output is null; a compile error
 * has no time, memory, exit code or message (the compiler's words are `compile_output`); a
 * program killed by a signal has exit code 0. Limits not given show the values they ran under
 * (`testLimits`, the API's test defaults and maxima: a wall limit derived from the CPU limit too),
 * before the language's factors.
 */
import os from 'node:os';
import { resolveLimits, type StepLimitsConfig } from '../judge/limits';
import type { JudgeResult, SubmissionInput, TestResult } from '../judge/schema';
import { JUDGE0 } from '../judge/verdict';
import type { Judge0Languages } from './languages';

export const PROCESSING = { id: 2, description: 'Processing' } as const;

/** Every Judge0 status, in id order (`GET /statuses`). */
export const JUDGE0_STATUSES: ReadonlyArray<{ id: number; description: string }> = [
  JUDGE0.inQueue,
  PROCESSING,
  JUDGE0.accepted,
  JUDGE0.wrongAnswer,
  JUDGE0.timeLimit,
  JUDGE0.compilationError,
  JUDGE0.sigsegv,
  JUDGE0.sigxfsz,
  JUDGE0.sigfpe,
  JUDGE0.sigabrt,
  JUDGE0.nzec,
  JUDGE0.other,
  JUDGE0.internalError,
  JUDGE0.execFormatError,
];

/** Judge0's default `fields`. */
export const DEFAULT_FIELDS = ['stdout', 'time', 'memory', 'stderr', 'token', 'compile_output', 'message', 'status'] as const;

/** Every field this view can show (`fields=*`). */
export const ALL_FIELDS = [
  'number_of_runs',
  'cpu_extra_time',
  'enable_per_process_and_thread_time_limit',
  'enable_per_process_and_thread_memory_limit',
  'enable_network',
  'additional_files',
  'source_code',
  'language_id',
  'language',
  'compiler_options',
  'stdin',
  'expected_output',
  'cpu_time_limit',
  'wall_time_limit',
  'memory_limit',
  'max_processes_and_or_threads',
  'max_file_size',
  'stack_limit',
  'command_line_arguments',
  'redirect_stderr_to_stdout',
  'callback_url',
  'stdout',
  'stderr',
  'compile_output',
  'message',
  'exit_code',
  'exit_signal',
  'status',
  'status_id',
  'created_at',
  'finished_at',
  'token',
  'time',
  'wall_time',
  'memory',
] as const;
export type Judge0Field = (typeof ALL_FIELDS)[number];

/** A text field that is not UTF-8 was asked for without base64 (Judge0 answers with this message, word for word). */
export class NotUtf8Error extends Error {
  constructor(readonly field: string) {
    super('some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter');
  }
}

/** Judge0's words for a batch that holds such a submission. */
export const NOT_UTF8_BATCH =
  'some attributes for one or more submissions cannot be converted to UTF-8, use base64_encoded=true query parameter';

/** `fields=a,b` (or `*`) as a list; unknown names are returned in `unknown`. */
export function parseFields(value: string | undefined): { fields: readonly Judge0Field[]; unknown: string[] } {
  if (value === undefined || value.trim() === '') return { fields: DEFAULT_FIELDS, unknown: [] };
  const names = value
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  // Judge0 answers every field when `*` is among them.
  if (names.includes('*')) return { fields: ALL_FIELDS, unknown: [] };
  const known = new Set<string>(ALL_FIELDS);
  return { fields: names.filter((f): f is Judge0Field => known.has(f)), unknown: names.filter((f) => !known.has(f)) };
}

/** What the view reads of a job. */
export interface JobSnapshot {
  token: string;
  state: string;
  data: unknown;
  result?: JudgeResult | null;
  failedReason?: string;
  /** ms since the epoch. */
  createdAt?: number;
  finishedAt?: number;
}

type Bytes = Buffer | null;

function bytesOf(text: string | undefined | null, encoding: string | undefined): Bytes {
  if (text === undefined || text === null) return null;
  return Buffer.from(text, encoding === 'base64' ? 'base64' : 'utf8');
}

const SIGNALS = os.constants.signals as Readonly<Record<string, number>>;

/** The limits a submission ran under, as it gave them or as `testLimits` completes them. */
function shownLimits(given: SubmissionInput['limits'], testLimits: StepLimitsConfig | undefined): NonNullable<SubmissionInput['limits']> {
  if (!testLimits) return given ?? {};
  try {
    const r = resolveLimits(given, testLimits, 'limits');
    return {
      ...given,
      cpuTimeMs: r.cpuTimeMs,
      wallTimeMs: r.wallTimeMs,
      memoryBytes: r.memoryBytes,
      pids: r.pids,
      fileSizeBytes: r.fileSizeBytes,
    };
  } catch {
    // Limits above maxima lowered since it was submitted: shown as given.
    return given ?? {};
  }
}

/** Judge0's `message` for a run, in isolate's words where isolate has some (the file's header). */
function runMessage(run: TestResult): string | null {
  if (run.verdict === 'TLE') return run.limitHit === 'wall' ? 'Time limit exceeded (wall clock)' : 'Time limit exceeded';
  if (run.verdict === 'RE' && run.limitHit === null && run.signal) return `Caught fatal signal ${SIGNALS[run.signal] ?? run.signal}`;
  if (run.verdict === 'RE' && run.limitHit === null && run.exitCode !== null && run.exitCode !== 0)
    return `Exited with error status ${run.exitCode}`;
  if (run.verdict === 'AC' || run.verdict === 'WA') return null;
  return run.message || null;
}

/** The submission's fields and the job's outcome as Judge0 names them; `fields` picks, `base64` encodes. */
export function judge0View(
  job: JobSnapshot,
  opts: { fields: readonly Judge0Field[]; base64: boolean; languages: Judge0Languages; testLimits?: StepLimitsConfig },
): Record<string, unknown> {
  const data = (typeof job.data === 'object' && job.data !== null ? job.data : {}) as SubmissionInput;
  const test0 = data.testcases?.[0];
  const result = job.state === 'completed' ? (job.result ?? null) : null;
  const run = result?.tests[0] && result.tests[0].verdict !== 'SKIPPED' ? result.tests[0] : null;
  const status =
    job.state === 'completed' && result
      ? { ...(run?.judge0 ?? result.judge0) }
      : job.state === 'failed'
        ? { ...JUDGE0.internalError }
        : job.state === 'active'
          ? { ...PROCESSING }
          : { ...JUDGE0.inQueue };
  // A multi-file program has no source: its files came from additional_files (Judge0 reads back null).
  const project = opts.languages.ofCaged(data.language ?? '')?.project === true;
  const source =
    data.source !== undefined
      ? bytesOf(data.source, 'utf8')
      : project
        ? null
        : bytesOf(data.files?.[0]?.content, data.files?.[0]?.encoding);
  const compileError = result?.verdict === 'CE';
  const message =
    job.state === 'failed'
      ? (job.failedReason ?? 'failed')
      : run
        ? runMessage(run)
        : result && !compileError
          ? result.message || null
          : null;
  const limits = shownLimits(data.limits, opts.testLimits);
  const empty = (b: Bytes): Bytes => (b === null || b.length === 0 ? null : b);
  const texts: Record<string, Bytes> = {
    source_code: source,
    stdin: bytesOf(test0?.stdin ?? '', test0?.stdinEncoding),
    expected_output: bytesOf(test0?.expected, test0?.expectedEncoding),
    stdout: run ? empty(bytesOf(run.stdout, run.stdoutEncoding)) : null,
    stderr: run ? empty(bytesOf(run.stderr, run.stderrEncoding)) : null,
    compile_output:
      result?.compile && (result.compile.output !== '' || result.verdict === 'CE') ? Buffer.from(result.compile.output, 'utf8') : null,
    message: message === null ? null : Buffer.from(message, 'utf8'),
  };
  const seconds = (ms: number | undefined): string | null => (ms === undefined ? null : (ms / 1000).toFixed(3));
  const values: Record<Judge0Field, unknown> = {
    source_code: null,
    stdin: null,
    expected_output: null,
    stdout: null,
    stderr: null,
    compile_output: null,
    message: null,
    number_of_runs: 1,
    cpu_extra_time: null,
    enable_per_process_and_thread_time_limit: false,
    enable_per_process_and_thread_memory_limit: false,
    enable_network: false,
    additional_files: null,
    language_id: opts.languages.idOf(data.language),
    language: ((): unknown => {
      const id = opts.languages.idOf(data.language);
      return id === null ? null : { id, name: opts.languages.get(id)?.name ?? data.language };
    })(),
    compiler_options: data.compilerOptions?.join(' ') ?? null,
    cpu_time_limit: limits.cpuTimeMs === undefined ? null : limits.cpuTimeMs / 1000,
    wall_time_limit: limits.wallTimeMs === undefined ? null : limits.wallTimeMs / 1000,
    memory_limit: limits.memoryBytes === undefined ? null : Math.round(limits.memoryBytes / 1024),
    max_processes_and_or_threads: limits.pids ?? null,
    max_file_size: limits.fileSizeBytes === undefined ? null : Math.round(limits.fileSizeBytes / 1024),
    stack_limit: limits.stackBytes === undefined ? null : Math.round(limits.stackBytes / 1024),
    command_line_arguments: test0?.args ? test0.args.map(shellQuoted).join(' ') : null,
    redirect_stderr_to_stdout: data.stderrToStdout === true,
    callback_url: data.callback?.url ?? null,
    exit_code: run ? (run.exitCode ?? 0) : null,
    exit_signal: run?.signal ? (SIGNALS[run.signal] ?? null) : null,
    status,
    status_id: status.id,
    created_at: job.createdAt === undefined ? null : new Date(job.createdAt).toISOString(),
    finished_at: job.finishedAt === undefined ? null : new Date(job.finishedAt).toISOString(),
    token: job.token,
    time: run ? seconds(run.cpuTimeMs) : result && !compileError ? seconds(result.compile?.cpuTimeMs ?? 0) : null,
    wall_time: run ? seconds(run.wallTimeMs) : result && !compileError ? seconds(result.compile?.wallTimeMs ?? 0) : null,
    memory: run ? Math.round(run.memoryBytes / 1024) : null,
  };
  const out: Record<string, unknown> = {};
  for (const f of opts.fields) {
    if (f in texts) {
      const b = texts[f] ?? null;
      if (b === null) out[f] = null;
      else if (opts.base64) out[f] = b.toString('base64');
      else {
        const s = b.toString('utf8');
        if (!Buffer.from(s, 'utf8').equals(b)) throw new NotUtf8Error(f);
        out[f] = s;
      }
    } else {
      out[f] = values[f];
    }
  }
  return out;
}

/** An argument as a shell word that splits back to it (shell-words.ts). */
function shellQuoted(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
