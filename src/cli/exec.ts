/**
 * `caged exec --rootfs DIR [--time S] [--wall S] [--memory MB] [--pids N] [--output KB]
 *  [--stdin FILE] [--json] [--raw] -- CMD ARGS...`: one command in one container, for operators
 * poking at the sandbox. The rootfs directory is the read-only lower layer of an overlay;
 * nothing is written to it. The command's stdout and stderr are printed terminal-safe (control
 * characters escaped: terminal-safe.ts); `--raw` writes their bytes unchanged (for a pipe).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { Sandbox } from '../sandbox/sandbox';
import { outcomeOf } from '../sandbox/outcome';
import type { RunLimits } from '../sandbox/types';
import { numberFlag, parseArgs, stringFlag } from './args';
import { terminalSafe } from './terminal-safe';

export const EXEC_USAGE =
  'caged exec --rootfs DIR [--time S] [--wall S] [--memory MB] [--pids N] [--output KB] [--stdin FILE] [--json] [--raw] -- CMD ARGS...';

export const DEFAULT_EXEC_LIMITS: RunLimits = {
  cpuTimeMs: 10_000,
  wallTimeMs: 20_000,
  memoryBytes: 512 * 2 ** 20,
  addressSpaceBytes: 0,
  pids: 64,
  outputBytes: 16 * 2 ** 20,
  fileSizeBytes: 64 * 2 ** 20,
  openFiles: 256,
  stackBytes: 0,
  diskBytes: 128 * 2 ** 20,
};

export async function execCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['rootfs', 'time', 'wall', 'memory', 'pids', 'output', 'stdin'], ['json', 'raw']);
  const rootfs = stringFlag(args, 'rootfs');
  if (!rootfs) throw new InvalidRequestError(`is required (${EXEC_USAGE})`, '--rootfs');
  if (!fs.statSync(rootfs, { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidRequestError(`not a directory: ${rootfs}`, '--rootfs');
  if (args.rest.length === 0) throw new InvalidRequestError(`no command after -- (${EXEC_USAGE})`, 'command');
  if (args.positional.length)
    throw new InvalidRequestError(`unexpected ${args.positional.join(' ')} (put the command after --)`, 'command');
  const cpuTimeMs = numberFlag(args, 'time', 1000, DEFAULT_EXEC_LIMITS.cpuTimeMs);
  const limits: RunLimits = {
    ...DEFAULT_EXEC_LIMITS,
    cpuTimeMs,
    wallTimeMs: numberFlag(args, 'wall', 1000, Math.max(DEFAULT_EXEC_LIMITS.wallTimeMs, 2 * cpuTimeMs)),
    memoryBytes: numberFlag(args, 'memory', 2 ** 20, DEFAULT_EXEC_LIMITS.memoryBytes),
    pids: numberFlag(args, 'pids', 1, DEFAULT_EXEC_LIMITS.pids),
    outputBytes: numberFlag(args, 'output', 1024, DEFAULT_EXEC_LIMITS.outputBytes),
  };
  const stdinPath = stringFlag(args, 'stdin');
  const stdin = stdinPath ? fs.readFileSync(stdinPath) : Buffer.alloc(0);
  // One run: nothing to prepare ahead of it.
  const sandbox = await Sandbox.create({ preparedContainers: 0 });
  const result = await sandbox.run({
    rootfs: { mode: 'overlay', lowerDir: path.resolve(rootfs) },
    argv: args.rest,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/box', LANG: 'C.UTF-8' },
    stdin,
    limits,
  });
  const outcome = outcomeOf(result);
  if (args.flags.has('json')) {
    out.write(
      JSON.stringify(
        {
          status: outcome.status,
          message: outcome.message,
          ...result,
          stdout: result.stdout.toString('utf8'),
          stderr: result.stderr.toString('utf8'),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    const raw = args.flags.has('raw');
    out.write(raw ? result.stdout : terminalSafe(result.stdout.toString('utf8')));
    process.stderr.write(raw ? result.stderr : terminalSafe(result.stderr.toString('utf8')));
    process.stderr.write(
      terminalSafe(
        `caged: ${outcome.status} ${outcome.message} (cpu ${result.cpuTimeMs} ms, wall ${result.wallTimeMs} ms, memory ${(result.memoryBytes / 2 ** 20).toFixed(1)} MiB)\n`,
      ),
    );
  }
  return 0;
}
