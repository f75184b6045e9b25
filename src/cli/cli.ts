/**
 * The caged command line (main.ts starts it, from its bundle when that is current). One convention for every command:
 * - `caged COMMAND --help` (or `-h`) prints the command's usage and does nothing else (exit 0:
 *   no Redis, no sandbox); `caged --version` prints the version;
 * - unknown options are refused before anything connects anywhere (args.ts);
 * - with `--json`, an error is JSON on stdout too: `{"error": {"code", "message", "field"}}`;
 * - SIGINT/SIGTERM: the command stops (its running box is killed, judging stops, waits end) and
 *   removes what it made (job directory, cgroups, containers) before exiting 130/143; a second
 *   signal exits at once. `caged worker` has its own two-stage shutdown (worker.ts).
 * - When the reader of stdout or stderr goes away (`caged selftest … | head`), the command stops
 *   the same way, quietly, and exits 141 (128 + SIGPIPE, what a shell reports for a program
 *   SIGPIPE ended: node ignores the signal and sees EPIPE instead). A command with its own
 *   shutdown gets SIGTERM.
 *
 * Exit status: 0 when the run or judging happened (whatever the verdict), 2 for a bad request
 * (usage, unknown language, missing file, limit out of bounds, id conflict), 1 when caged itself
 * could not do its work, 128 + the signal's number when interrupted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CagedError, InvalidRequestError } from '../errors';
import { errorJson } from './error-json';
import { killOwnContainers } from './interrupt';
import { terminalSafe } from './terminal-safe';
import {
  API_USAGE,
  DEMO_USAGE,
  DOCTOR_USAGE,
  EXEC_USAGE,
  GRADE_USAGE,
  JUDGE_USAGE,
  LANGUAGES_USAGE,
  PROBLEM_USAGE,
  RUN_USAGE,
  SELFTEST_USAGE,
  SUBMIT_USAGE,
  WORKER_USAGE,
} from './usage';

interface CommandContext {
  /** Aborted by the first SIGINT/SIGTERM. */
  signal: AbortSignal;
}

type Command = (argv: readonly string[], out: NodeJS.WritableStream, ctx: CommandContext) => Promise<number>;

interface CommandEntry {
  /**
   * Loads the command's module when the command is the one run: a command's dependencies (the
   * queue's BullMQ and ioredis, the API's fastify, the sandbox's koffi) are not loaded for
   * another, so that `caged run` starts without the worker's (bench/startup.ts measures it).
   */
  load: () => Promise<Command>;
  usage: string;
  /** Handles SIGINT/SIGTERM itself (the worker's two-stage shutdown). */
  ownSignals?: boolean;
}

const commands: Record<string, CommandEntry> = {
  exec: { load: () => import('./exec').then((m) => (a, o, c) => m.execCommand(a, o, { signal: c.signal })), usage: EXEC_USAGE },
  run: { load: () => import('./run').then((m) => (a, o, c) => m.runCommand(a, o, { signal: c.signal })), usage: RUN_USAGE },
  judge: { load: () => import('./judge').then((m) => (a, o, c) => m.judgeCommand(a, o, { signal: c.signal })), usage: JUDGE_USAGE },
  languages: { load: () => import('./languages').then((m) => m.languagesCommand), usage: LANGUAGES_USAGE },
  worker: { load: () => import('./worker').then((m) => m.workerCommand), usage: WORKER_USAGE, ownSignals: true },
  submit: { load: () => import('./submit').then((m) => (a, o, c) => m.submitCommand(a, o, { signal: c.signal })), usage: SUBMIT_USAGE },
  demo: { load: () => import('./demo').then((m) => (a, o, c) => m.demoCommand(a, o, { signal: c.signal })), usage: DEMO_USAGE },
  problem: { load: () => import('./problem').then((m) => (a, o, c) => m.problemCommand(a, o, { signal: c.signal })), usage: PROBLEM_USAGE },
  // Its own signals: the first withdraws what has not started and keeps what runs (grade.ts).
  grade: { load: () => import('./grade').then((m) => m.gradeCommand), usage: GRADE_USAGE, ownSignals: true },
  selftest: {
    load: () => import('./selftest').then((m) => (a, o, c) => m.selftestCommand(a, o, { signal: c.signal })),
    usage: SELFTEST_USAGE,
  },
  api: { load: () => import('./api').then((m) => m.apiCommand), usage: API_USAGE, ownSignals: true },
  doctor: { load: () => import('./doctor').then((m) => m.doctorCommand), usage: DOCTOR_USAGE },
};

function usage(): string {
  return ['usage:', ...Object.values(commands).map((c) => `  ${c.usage}`), '  caged --version', '  caged COMMAND --help'].join('\n');
}

/** The arguments before `--` (after it, they belong to the command `caged exec` runs). */
function options(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

/** The version of this checkout's package.json. */
function version(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const v = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : 'unknown';
  }
  return 'unknown';
}

/** Set while a command runs: stops it as `signal` would (the running box killed, then cleanup). */
let stopCommand: ((signal: NodeJS.Signals) => void) | undefined;
/** The reader of stdout or stderr went away (EPIPE): the exit status is 141, whatever the command returned. */
let outputClosed = false;
const OUTPUT_CLOSED_EXIT = 128 + os.constants.signals.SIGPIPE;

function onOutputError(err: NodeJS.ErrnoException): void {
  // Anything but a closed pipe is what it was before this handler: an uncaught error.
  if (err.code !== 'EPIPE') throw err;
  if (outputClosed) return; // every later write fails the same way
  outputClosed = true;
  process.exitCode = OUTPUT_CLOSED_EXIT;
  stopCommand?.('SIGPIPE');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`caged ${version()}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(terminalSafe(`caged: unknown command ${JSON.stringify(name)}\n${usage()}\n`));
    return 2;
  }
  const opts = options(rest);
  if (opts.includes('--help') || opts.includes('-h')) {
    // Before anything else: no Redis, no sandbox, no file read (the worker lists its variables).
    if (name === 'worker') return (await command.load())(['--help'], process.stdout, { signal: new AbortController().signal });
    process.stdout.write(`usage: ${command.usage}\n`);
    return 0;
  }
  const json = opts.includes('--json');
  const interrupt = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGPIPE') {
      // Nobody reads on: stop quietly, once (a signal may still come and hurry the cleanup).
      if (received) return;
      received = signal;
      interrupt.abort(signal);
      killOwnContainers();
      return;
    }
    if (received) {
      // A second signal: no more waiting for the cleanup.
      process.stderr.write(`caged: ${signal} again: exiting without cleaning up (the next start removes what is left)\n`);
      process.exit(128 + os.constants.signals[signal]);
    }
    received = signal;
    process.stderr.write(`caged: ${signal}: stopping and cleaning up (${signal} again to exit at once)\n`);
    interrupt.abort(signal);
    // The step running would otherwise hold the exit up to its wall limit (interrupt.ts).
    killOwnContainers();
  };
  if (!command.ownSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    stopCommand = onSignal;
  } else {
    // Its own SIGTERM handler runs its shutdown.
    stopCommand = () => process.kill(process.pid, 'SIGTERM');
  }
  if (outputClosed) stopCommand('SIGPIPE');
  try {
    const run = await command.load();
    const code = await run(rest, process.stdout, { signal: interrupt.signal });
    return received ? 128 + os.constants.signals[received] : code;
  } catch (err) {
    if (received) {
      // Quiet, as a program that SIGPIPE ended: the reader that left wants nothing more.
      if (received !== 'SIGPIPE') process.stderr.write(`caged: interrupted by ${received}; cleaned up\n`);
      return 128 + os.constants.signals[received];
    }
    const e = err instanceof Error ? err : new Error(String(err));
    if (json) process.stdout.write(`${JSON.stringify(errorJson(e))}\n`);
    // Messages can quote file names, compiler or checker text: escaped like every printout.
    else process.stderr.write(terminalSafe(`caged: ${e.message}\n`));
    if (err instanceof InvalidRequestError) return 2;
    if (err instanceof CagedError) return 1;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 2;
    if (!json) process.stderr.write(terminalSafe(`${e.stack ?? ''}\n`));
    return 1;
  } finally {
    stopCommand = undefined;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The command names; the module of command X is ./X (scripts/bundle-cli.js builds one bundle per command). */
export const commandNames: readonly string[] = Object.keys(commands);

/** Runs the command of `argv` (process.argv.slice(2)) and sets the exit status. */
export function runCli(argv: readonly string[]): void {
  process.stdout.on('error', onOutputError);
  process.stderr.on('error', onOutputError);
  main(argv).then(
    (code) => {
      process.exitCode = outputClosed ? OUTPUT_CLOSED_EXIT : code;
    },
    (err: unknown) => {
      process.stderr.write(terminalSafe(`caged: ${String(err)}\n`));
      process.exitCode = 1;
    },
  );
}
