/**
 * `caged problem push DIR [--max-mb N] [--json]`: packs the problem package at DIR (the
 * loader's rules: links only inside the package, a size cap) and stores it in Redis under its
 * digest, in chunks, with the queue's prefix (src/problem/package-store.ts). Prints the
 * reference a submission names as `problem`: `{ "id": …, "digest": "sha256:…" }`. Pushing the
 * same package again stores nothing. Redis, queue and prefix come from CAGED_REDIS_URL,
 * CAGED_REDIS_CLUSTER, CAGED_QUEUE and CAGED_PREFIX, as for `caged submit`.
 *
 * `caged problem pack DIR OUTDIR`: the same archive, written as OUTDIR/<hex>.tar for a directory
 * the workers share (CAGED_PROBLEMS_DIR; src/problem/package-dir.ts); no Redis.
 */
import { CagedClient } from '../client/client';
import { loadConfig } from '../config';
import { InvalidRequestError } from '../errors';
import { packToDir } from '../problem/package-dir';
import { DEFAULT_MAX_PUSH_BYTES } from '../problem/package-store';
import { checkRedisReachable, redisConnection } from '../queue/connection';
import { numberFlag, parseArgs } from './args';
import { terminalSafe } from './terminal-safe';
import { PROBLEM_USAGE } from './usage';

export async function problemCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['max-mb'], ['json', 'help']);
  if (args.flags.has('help')) {
    out.write(`usage: ${PROBLEM_USAGE}\n`);
    return 0;
  }
  const [verb, dir, ...extra] = args.positional;
  const maxBytes = args.flags.has('max-mb') ? numberFlag(args, 'max-mb', 2 ** 20, 0) : DEFAULT_MAX_PUSH_BYTES;
  if (verb === 'pack') {
    // For the workers' shared directory (CAGED_PROBLEMS_DIR): OUTDIR/<hex>.tar.
    const [outDir, ...more] = extra;
    if (!dir || !outDir || more.length) throw new InvalidRequestError(`give pack, one DIR and one OUTDIR (${PROBLEM_USAGE})`, 'arguments');
    const r = await packToDir(dir, outDir, maxBytes);
    out.write(
      args.flags.has('json')
        ? `${JSON.stringify(r)}\n`
        : terminalSafe(`${JSON.stringify({ id: r.id, digest: r.digest })}\nwritten: ${r.file} (${r.bytes} bytes)\n`),
    );
    return 0;
  }
  if (verb !== 'push' || !dir || extra.length) throw new InvalidRequestError(`give push and one DIR (${PROBLEM_USAGE})`, 'arguments');
  const config = loadConfig(process.env, ['redisUrl', 'redisCluster', 'queue', 'prefix']);
  await checkRedisReachable(config.redisUrl);
  const connection = redisConnection(config.redisUrl, { cluster: config.redisCluster === 'yes' });
  const client = new CagedClient({ connection: connection.options, queueName: config.queue, prefix: config.prefix });
  try {
    const r = await client.pushProblem(dir, { maxBytes });
    out.write(
      args.flags.has('json')
        ? `${JSON.stringify({ id: r.id, digest: r.digest, bytes: r.bytes, stored: r.stored })}\n`
        : terminalSafe(`${JSON.stringify({ id: r.id, digest: r.digest })}\n${r.stored ? 'stored' : 'already stored'}: ${r.bytes} bytes\n`),
    );
    return 0;
  } finally {
    await client.close();
    await connection.close();
  }
}
