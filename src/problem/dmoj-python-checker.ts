/**
 * A DMOJ problem's Python checker (init.yml `checker: check.py`, or `checker: {name: check.py,
 * args: {…}}`: a file defining `check(process_output, judge_output, **kwargs)`) as the wire's
 * custom checker: `protocol: "dmoj-python"`, its files the problem's checker, caged's runner and
 * the small `dmoj` package it may import (dmoj-python-runtime.ts), the runner its entry. It runs
 * in the sandbox like any checker program, never in the worker.
 *
 * What the problem knows and the worker does not goes into the runner's settings file
 * (DmojProblemSettings): the checker's file and module name, init.yml's `args`, the problem's
 * code and, per test, DMOJ's case position, batch and `binary_data`. What the worker knows comes
 * per test (src/judge/dmoj-python-report.ts). `check` is then called as DMOJ's StandardGrader
 * calls it, with
 *
 *   process_output, judge_output   bytes: the submission's stdout, the test's `expected` (give
 *                                  it as DMOJ would: normalized unless binary_data, "" for a
 *                                  case without an output file, so that the checker runs)
 *   judge_input                    bytes (DMOJ's LazyBytes, here plain bytes)
 *   point_value                    the test's `points`
 *   case_position, batch           from `cases` (default: the test's index, 0)
 *   binary_data                    from `cases` (default False)
 *   submission_language            caged's language id (`python3`, `cpp17`), not DMOJ's (`PY3`)
 *   submission_source              bytes: the submission's entry file; None for C or C++ sent as
 *                                  several files
 *   execution_time                 its CPU time on the test, in seconds
 *   problem_id                     `problemId`; None when not given
 *   result                         a dmoj.result.Result with result_flag (TLE, MLE, OLE, RTE for
 *                                  caged's RE and SE), execution_time, max_memory (KiB) and
 *                                  proc_output; the rest of DMOJ's at its defaults
 *   and init.yml's `args`, which the call's own keywords override (DMOJ binds them by
 *   functools.partial). DMOJ's `case` is not given.
 *
 * Differences from DMOJ: each test runs the checker in a new process, so its module's globals do
 * not live from one test to the next; what it prints is dropped; an exception is the test's IE
 * with the traceback's last line (DMOJ's IE ends the whole submission).
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { isSourcePath } from '../judge/source-path';
import { DMOJ_PROBLEM_FILE, DMOJ_PYTHON_RUNTIME, DMOJ_RUNNER } from './dmoj-python-runtime';

/** DMOJ's per-case facts for one test of the wire (its index in `testcases`). */
export interface DmojCase {
  /** DMOJ's case.position (0-based over every case, batched or not); default the test's index. */
  position?: number;
  /** The batch's number, 1-based; 0 (the default) outside a batch. */
  batch?: number;
  /** init.yml's `binary_data` for the case; default false. */
  binaryData?: boolean;
}

export interface DmojPythonCheckerSource {
  /** The checker's path in the package (init.yml's `checker` name): its base name is its file, its stem its module's name. */
  name: string;
  /** Its bytes (read as UTF-8 text by the runner, as DMOJ reads it). */
  content: Buffer;
  /** init.yml's `checker.args`: keyword arguments of `check` (JSON values). */
  args?: Record<string, unknown>;
  /** The problem's code (`problem_id`). */
  problemId?: string;
  /**
   * Per test of the wire, by index, or by the test's name (a package's tests, some of which may
   * be skipped: their index on the wire is not known ahead); a test without one takes the defaults.
   */
  cases?: ReadonlyArray<DmojCase | undefined> | Readonly<Record<string, DmojCase>>;
  /** The image's Python language; default `python3`. */
  language?: string;
}

/** The runner's settings, from the problem (snake_case: read by Python). */
export interface DmojProblemSettings {
  file: string;
  module: string;
  problem_id: string | null;
  args: Record<string, unknown>;
  cases: Array<DmojCaseSettings | null> | Record<string, DmojCaseSettings>;
}

type DmojCaseSettings = { position?: number; batch?: number; binary_data?: boolean };

function caseSettings(c: DmojCase): DmojCaseSettings {
  return {
    ...(c.position !== undefined ? { position: c.position } : {}),
    ...(c.batch !== undefined ? { batch: c.batch } : {}),
    ...(c.binaryData !== undefined ? { binary_data: c.binaryData } : {}),
  };
}

/** The wire's `checker` for it (a SubmissionInput's). */
export interface DmojPythonCheckerWire {
  type: 'custom';
  protocol: 'dmoj-python';
  language: string;
  files: Array<{ name: string; content: string; encoding: 'utf8' | 'base64' }>;
  entry: string;
}

/** The names the runtime takes in the checker's box. */
const TAKEN = new Set([DMOJ_RUNNER, DMOJ_PROBLEM_FILE, 'dmoj', 'dmoj.py']);

/**
 * The wire's custom checker running a DMOJ Python checker. Throws InvalidRequestError (field
 * `checker`) for a name that cannot be its file (empty, or one the runtime takes) and for
 * `args` that are not JSON.
 */
export function dmojPythonChecker(src: DmojPythonCheckerSource): DmojPythonCheckerWire {
  const file = path.posix.basename(src.name.replace(/\\/g, '/'));
  const module = file.includes('.') ? file.slice(0, file.lastIndexOf('.')) : file;
  if (!isSourcePath(file) || TAKEN.has(file) || module === 'dmoj' || module === '')
    throw new InvalidRequestError(`cannot be a DMOJ Python checker's file name: ${JSON.stringify(src.name)}`, 'checker');
  const settings: DmojProblemSettings = {
    file,
    module,
    problem_id: src.problemId ?? null,
    args: src.args ?? {},
    cases: Array.isArray(src.cases)
      ? src.cases.map((c: DmojCase | undefined) => (c ? caseSettings(c) : null))
      : Object.fromEntries(Object.entries((src.cases ?? {}) as Record<string, DmojCase>).map(([k, c]) => [k, caseSettings(c)])),
  };
  let json: string;
  try {
    json = JSON.stringify(settings);
  } catch (err) {
    throw new InvalidRequestError(`the checker's args are not JSON: ${(err as Error).message}`, 'checker');
  }
  const text = src.content.toString('utf8');
  const own = Buffer.from(text, 'utf8').equals(src.content)
    ? { name: file, content: text, encoding: 'utf8' as const }
    : { name: file, content: src.content.toString('base64'), encoding: 'base64' as const };
  return {
    type: 'custom',
    protocol: 'dmoj-python',
    language: src.language ?? 'python3',
    files: [
      own,
      ...DMOJ_PYTHON_RUNTIME.map((f) => ({ ...f, encoding: 'utf8' as const })),
      { name: DMOJ_PROBLEM_FILE, content: json, encoding: 'utf8' },
    ],
    entry: DMOJ_RUNNER,
  };
}
