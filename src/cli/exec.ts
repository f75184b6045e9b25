/**
 * `caged exec [--lang ID | --layer ID | --rootfs DIR] [--image MANIFEST] [--time S] [--wall S]
 *  [--memory MB] [--pids N] [--output KB] [--stdin FILE] [--json] [--raw] -- CMD ARGS...`: one
 * command in one container, for operators poking at the sandbox. Its root is the chain of image
 * layers a language's jobs get (`--lang`, with the language's environment), or the chain of one
 * layer (`--layer`; the base layer when none of the three is given), from the installed image
 * registered like the worker does (`--image`, else CAGED_IMAGE, else the default manifest); or
 * any directory (`--rootfs`). The layers are the read-only lower layers of an overlay; nothing is
 * written to them. Limit flags have the bounds of every front (limit-flags.ts). The command's stdout and stderr are printed terminal-safe (control
 * characters escaped: terminal-safe.ts); `--raw` writes their bytes unchanged (for a pipe).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Sandbox } from '../sandbox/sandbox';
import { outcomeOf } from '../sandbox/outcome';
import type { RootfsSpec, RunLimits, RunResult } from '../sandbox/types';
import { DEFAULT_MANIFEST } from '../judge/judge';
import { languageTops, layerStack } from '../rootfs/layers';
import { ImageStore } from '../rootfs/store';
import { HostError, InvalidRequestError } from '../errors';
import { parseArgs, stringFlag, type ParsedArgs } from './args';
import { LIMIT_FLAG_NAMES, limitsFromFlags } from './limit-flags';
import { terminalSafe } from './terminal-safe';
import { EXEC_USAGE } from './usage';

const BASE_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/box', LANG: 'C.UTF-8' };

/** The root and environment `--lang`, `--layer` or `--rootfs` asks for; `close` releases the image. */
async function chooseRoot(args: ParsedArgs): Promise<{ rootfs: RootfsSpec; env: Record<string, string>; close: () => Promise<void> }> {
  const given = (['lang', 'layer', 'rootfs'] as const).filter((f) => args.flags.has(f));
  if (given.length > 1) throw new InvalidRequestError(`give at most one of --lang, --layer and --rootfs (${EXEC_USAGE})`, 'root');
  const rootfs = stringFlag(args, 'rootfs');
  if (rootfs !== undefined) {
    if (args.flags.has('image')) throw new InvalidRequestError('is for --lang and --layer, not --rootfs', '--image');
    if (!fs.statSync(rootfs, { throwIfNoEntry: false })?.isDirectory())
      throw new InvalidRequestError(`not a directory: ${rootfs}`, '--rootfs');
    return { rootfs: { mode: 'overlay', lowerDirs: [path.resolve(rootfs)] }, env: BASE_ENV, close: () => Promise.resolve() };
  }
  const store = new ImageStore();
  try {
    const image = await store.registerImage(stringFlag(args, 'image') ?? process.env.CAGED_IMAGE ?? DEFAULT_MANIFEST);
    const { manifest } = image;
    const langId = stringFlag(args, 'lang');
    // Neither --lang nor --layer: the base layer (every chain's root: a shell and coreutils).
    let tops = [stringFlag(args, 'layer') ?? 'base'];
    let env: Record<string, string> = { ...BASE_ENV, ...manifest.env };
    if (langId !== undefined) {
      const lang = manifest.languages.find((l) => l.id === langId);
      if (!lang)
        throw new InvalidRequestError(
          `the image has no language ${JSON.stringify(langId)} (it has: ${manifest.languages.map((l) => l.id).join(', ')})`,
          '--lang',
        );
      tops = languageTops(manifest, langId);
      env = { ...env, ...lang.env };
    }
    const missing = tops.find((top) => !image.layers.some((l) => l.id === top));
    if (missing !== undefined)
      throw new InvalidRequestError(
        `the image has no layer ${JSON.stringify(missing)} (it has: ${image.layers.map((l) => l.id).join(', ')})`,
        '--layer',
      );
    const stack = layerStack(image.layers, tops);
    return { rootfs: { mode: 'overlay', lowerDirs: stack.map((l) => l.rootfsDir) }, env, close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}

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
  const args = parseArgs(argv, ['lang', 'layer', 'rootfs', 'image', ...LIMIT_FLAG_NAMES, 'stdin'], ['json', 'raw']);
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
  const root = await chooseRoot(args);
  let result: RunResult;
  try {
    // One run: nothing to prepare ahead of it.
    const sandbox = await Sandbox.create({ preparedContainers: 0 });
    try {
      result = await sandbox.run({ rootfs: root.rootfs, argv: args.rest, env: root.env, stdin, limits, signal: deps.signal });
    } finally {
      await sandbox.close();
    }
    if (deps.signal?.aborted) throw new HostError('interrupted');
  } finally {
    await root.close();
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
