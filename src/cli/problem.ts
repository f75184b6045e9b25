/**
 * `caged problem push DIR [--time S | --derive-time] [--max-mb N] [--json]`: checks the problem
 * package at DIR as `caged judge` reads it, then packs it (the loader's rules: links only inside
 * the package, a size cap) and stores it in Redis under its digest, in chunks, with the queue's
 * prefix (src/problem/package-store.ts). Prints the reference a submission names as `problem`:
 * `{ "id": …, "digest": "sha256:…" }`, and the time limit the workers will use and where it
 * comes from. A package with no time limit of its own is refused unless `--time S` or
 * `--derive-time` gives it one, stored in the archive as `.timelimit` (package-time.ts). Pushing
 * the same package again stores nothing. Redis, queue and prefix come from CAGED_REDIS_URL,
 * CAGED_REDIS_CLUSTER, CAGED_QUEUE and CAGED_PREFIX, as for `caged submit`.
 *
 * `caged problem pack DIR OUTDIR`: the same archive (the same checks and flags), written as
 * OUTDIR/<hex>.tar for a directory the workers share (CAGED_PROBLEMS_DIR;
 * src/problem/package-dir.ts); no Redis.
 *
 * `caged problem generate DIR`: a standard Polygon package's missing generated tests and answers,
 * made in the sandbox and written into DIR, as its doall.sh would (src/problem/polygon-generate.ts),
 * or a CMS task's, as cmsMake would (src/problem/cms-generate.ts).
 */
import { CagedClient } from '../client/client';
import { loadConfig } from '../config';
import { InvalidRequestError } from '../errors';
import { packToDir } from '../problem/package-dir';
import { DEFAULT_MAX_PUSH_BYTES } from '../problem/package-store';
import { isPackageArchive, openPackagePath } from '../problem/package-path';
import { generatePolygonTests, type GeneratedFile } from '../problem/polygon-generate';
import { isPolygonPackage } from '../problem/polygon-package';
import { isCmsPackage } from '../problem/cms-package';
import { generateCmsTests } from '../problem/cms-generate';
import { PackageFiles } from '../problem/package-files';
import { Judge } from '../judge/judge';
import { Sandbox } from '../sandbox/sandbox';
import { judgeOptionsFromEnv } from './run';
import { checkRedisReachable, redisConnection } from '../queue/connection';
import { numberFlag, parseArgs, positiveNumber, stringFlag, type ParsedArgs } from './args';
import { packageTimeLimit, type PackageTimeLimit } from './package-time';
import { terminalSafe } from './terminal-safe';
import { PROBLEM_USAGE } from './usage';

export interface ProblemCommandDeps {
  /** Aborted on SIGINT/SIGTERM (main.ts): a derivation stops before its next step. */
  signal?: AbortSignal;
}

export async function problemCommand(argv: readonly string[], out: NodeJS.WritableStream, deps: ProblemCommandDeps = {}): Promise<number> {
  const args = parseArgs(argv, ['max-mb', 'time'], ['json', 'help', 'derive-time', 'derive-again']);
  if (args.flags.has('help')) {
    out.write(`usage: ${PROBLEM_USAGE}\n`);
    return 0;
  }
  const [verb, given, ...extra] = args.positional;
  const maxBytes = args.flags.has('max-mb') ? numberFlag(args, 'max-mb', 2 ** 20, 0) : DEFAULT_MAX_PUSH_BYTES;
  // A package archive (.zip, .kpp) is pushed or packed from its extracted copy, removed at the end.
  // Generated tests are written into the package: its directory, not an archive's extracted copy.
  if (verb === 'generate' && given !== undefined && isPackageArchive(given))
    throw new InvalidRequestError('is an archive: extract it, and give its directory to caged problem generate', given);
  const opened = given === undefined ? null : openPackagePath(given, maxBytes);
  try {
    return await problemVerb(verb, opened?.dir, extra, args, out, deps, maxBytes);
  } finally {
    opened?.close();
  }
}

async function problemVerb(
  verb: string | undefined,
  dir: string | undefined,
  extra: string[],
  args: ParsedArgs,
  out: NodeJS.WritableStream,
  deps: ProblemCommandDeps,
  maxBytes: number,
): Promise<number> {
  const time = positiveNumber(stringFlag(args, 'time'), '--time');
  const json = args.flags.has('json');
  const timeOf = (d: string) =>
    packageTimeLimit(d, {
      ...(time === undefined ? {} : { time }),
      derive: args.flags.has('derive-time'),
      again: args.flags.has('derive-again'),
      maxBytes,
      signal: deps.signal,
    });
  const timeLines = (t: PackageTimeLimit): string =>
    [`time limit ${t.seconds} s from ${t.from}${t.add === undefined ? '' : ' (added as .timelimit)'}`, ...t.notes.map((n) => `note: ${n}`)]
      .map((l) => `${l}\n`)
      .join('');
  const timeJson = (t: PackageTimeLimit) => ({
    timeLimit: { seconds: t.seconds, from: t.from, added: t.add !== undefined, notes: t.notes },
  });
  if (verb === 'generate') {
    if (!dir || extra.length) throw new InvalidRequestError(`give generate and one DIR (${PROBLEM_USAGE})`, 'arguments');
    return generateIn(dir, json, out, deps);
  }
  if (verb === 'pack') {
    // For the workers' shared directory (CAGED_PROBLEMS_DIR): OUTDIR/<hex>.tar.
    const [outDir, ...more] = extra;
    if (!dir || !outDir || more.length) throw new InvalidRequestError(`give pack, one DIR and one OUTDIR (${PROBLEM_USAGE})`, 'arguments');
    const t = await timeOf(dir);
    const r = await packToDir(dir, outDir, maxBytes, t.add === undefined ? {} : { timeLimitS: t.add });
    out.write(
      json
        ? `${JSON.stringify({ ...r, ...timeJson(t) })}\n`
        : terminalSafe(`${JSON.stringify({ id: r.id, digest: r.digest })}\nwritten: ${r.file} (${r.bytes} bytes)\n${timeLines(t)}`),
    );
    return 0;
  }
  if (verb !== 'push' || !dir || extra.length) throw new InvalidRequestError(`give push and one DIR (${PROBLEM_USAGE})`, 'arguments');
  const config = loadConfig(process.env, ['redisUrl', 'redisCluster', 'queue', 'prefix']);
  await checkRedisReachable(config.redisUrl);
  const t = await timeOf(dir);
  const connection = redisConnection(config.redisUrl, { cluster: config.redisCluster === 'yes' });
  const client = new CagedClient({ connection: connection.options, queueName: config.queue, prefix: config.prefix });
  try {
    const r = await client.pushProblem(dir, { maxBytes, ...(t.add === undefined ? {} : { timeLimitS: t.add }) });
    out.write(
      json
        ? `${JSON.stringify({ id: r.id, digest: r.digest, bytes: r.bytes, stored: r.stored, ...timeJson(t) })}\n`
        : terminalSafe(
            `${JSON.stringify({ id: r.id, digest: r.digest })}\n${r.stored ? 'stored' : 'already stored'}: ${r.bytes} bytes\n${timeLines(t)}`,
          ),
    );
    return 0;
  } finally {
    await client.close();
    await connection.close();
  }
}

/**
 * `caged problem generate DIR`: a standard Polygon package's missing tests and answers
 * (polygon-generate.ts), or a CMS task's missing test cases (cms-generate.ts).
 */
async function generateIn(dir: string, json: boolean, out: NodeJS.WritableStream, deps: ProblemCommandDeps): Promise<number> {
  const opened = PackageFiles.open(dir);
  const cms = isCmsPackage(opened);
  if (!cms && !isPolygonPackage(opened))
    throw new InvalidRequestError(
      'is neither a Polygon package (problem.xml, no problem.yaml) nor a CMS task (task.yaml): only those have tests to generate',
      dir,
    );
  const judge = await Judge.create({ ...judgeOptionsFromEnv(), sandbox: await Sandbox.create(), closeSandbox: true });
  try {
    const line = (f: GeneratedFile) => terminalSafe(`written ${f.path} (${f.bytes} bytes, by ${f.by})\n`);
    const generateOpts = {
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(json ? {} : { onFile: (f: GeneratedFile) => out.write(line(f)) }),
    };
    const { written: files, notes } = cms
      ? await generateCmsTests(judge, dir, generateOpts)
      : { written: await generatePolygonTests(judge, dir, generateOpts), notes: [] };
    if (!json) for (const n of notes) out.write(terminalSafe(`note: ${n}\n`));
    out.write(json ? `${JSON.stringify({ written: files, notes })}\n` : `${files.length} files written\n`);
    return 0;
  } finally {
    await judge.close();
  }
}
