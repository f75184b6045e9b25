/**
 * `caged exec [--image MANIFEST | --rootfs DIR] [--time S] [--wall S] [--memory MB] [--pids N]
 *  [--output KB] [--stdin FILE] [--json] [--raw] -- CMD ARGS...`: one command in one container,
 * for operators poking at the sandbox. The root filesystem is the installed image by default
 * (like `caged run`: `--image`, else CAGED_IMAGE, else the default manifest), or an unpacked
 * directory (`--rootfs`); either is the read-only lower layer of an overlay, nothing is written
 * to it. Limit flags have the bounds of every front (limit-flags.ts). The command's stdout and stderr are printed terminal-safe (control
 * characters escaped: terminal-safe.ts); `--raw` writes their bytes unchanged (for a pipe).
 */
import fs from 'node:fs';
import path from 'node:path';
import { HostError, InvalidRequestError } from '../errors';
import { DEFAULT_MANIFEST } from '../judge/judge';
import { ImageStore } from '../rootfs/store';
import { Sandbox } from '../sandbox/sandbox';
import { outcomeOf } from '../sandbox/outcome';
import type { RunLimits, RunResult } from '../sandbox/types';
import { parseArgs, stringFlag } from './args';
import { LIMIT_FLAG_NAMES, limitsFromFlags } from './limit-flags';
import { terminalSafe } from './terminal-safe';

export const EXEC_USAGE =
  'caged exec [--image MANIFEST | --rootfs DIR] [--time S] [--wall S] [--memory MB] [--pids N] [--output KB] [--stdin FILE] [--json] [--raw] -- CMD ARGS...';

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

export interface ExecCommandDeps {
  /** Aborted on SIGINT/SIGTERM (main.ts): the run is not started, or its result not printed; the sandbox is closed. */
  signal?: AbortSignal;
}

export async function execCommand(argv: readonly string[], out: NodeJS.WritableStream, deps: ExecCommandDeps = {}): Promise<number> {
  const args = parseArgs(argv, ['rootfs', 'image', ...LIMIT_FLAG_NAMES, 'stdin'], ['json', 'raw']);
  const rootfsFlag = stringFlag(args, 'rootfs');
  if (rootfsFlag !== undefined && args.flags.has('image')) throw new InvalidRequestError('give --image or --rootfs, not both', '--rootfs');
  if (rootfsFlag !== undefined && !fs.statSync(rootfsFlag, { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidRequestError(`not a directory: ${rootfsFlag}`, '--rootfs');
  if (args.rest.length === 0) throw new InvalidRequestError(`no command after -- (${EXEC_USAGE})`, 'command');
  if (args.positional.length)
    throw new InvalidRequestError(`unexpected ${args.positional.join(' ')} (put the command after --)`, 'command');
  const requested = limitsFromFlags(args);
  const cpuTimeMs = requested.cpuTimeMs ?? DEFAULT_EXEC_LIMITS.cpuTimeMs;
  const limits: RunLimits = {
    ...DEFAULT_EXEC_LIMITS,
    cpuTimeMs,
    wallTimeMs: requested.wallTimeMs ?? Math.max(DEFAULT_EXEC_LIMITS.wallTimeMs, 2 * cpuTimeMs),
    memoryBytes: requested.memoryBytes ?? DEFAULT_EXEC_LIMITS.memoryBytes,
    pids: requested.pids ?? DEFAULT_EXEC_LIMITS.pids,
    outputBytes: requested.outputBytes ?? DEFAULT_EXEC_LIMITS.outputBytes,
  };
  const stdinPath = stringFlag(args, 'stdin');
  const stdin = stdinPath ? fs.readFileSync(stdinPath) : Buffer.alloc(0);
  const store = rootfsFlag === undefined ? new ImageStore() : undefined;
  let result: RunResult;
  try {
    const rootfs =
      rootfsFlag ?? (await store!.register(stringFlag(args, 'image') ?? process.env.CAGED_IMAGE ?? DEFAULT_MANIFEST)).rootfsDir;
    // One run: nothing to prepare ahead of it.
    const sandbox = await Sandbox.create({ preparedContainers: 0 });
    try {
      if (deps.signal?.aborted) throw new HostError('interrupted before the run');
      result = await sandbox.run({
        rootfs: { mode: 'overlay', lowerDir: path.resolve(rootfs) },
        argv: args.rest,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/box', LANG: 'C.UTF-8' },
        stdin,
        limits,
      });
    } finally {
      await sandbox.close();
    }
    if (deps.signal?.aborted) throw new HostError('interrupted');
  } finally {
    await store?.close();
  }
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
