/**
 * What a Redis Cluster asks of the configuration (docs/queue.md, "Redis Cluster"): BullMQ's
 * scripts touch many keys of a queue in one command, which a cluster allows only within one hash
 * slot, and only a hash tag in the prefix puts every key there; a cluster has only database 0.
 * Used by src/config.ts (the CAGED_* variables) and by the client (its options).
 */

/**
 * The hash tag Redis Cluster hashes the keys under `prefix` by: the text between the first "{"
 * and the first "}" after it, when not empty, found in the prefix itself (a job id, which
 * follows it in the key, must not be able to close it). Null when there is none.
 */
export function hashTagOf(prefix: string): string | null {
  const open = prefix.indexOf('{');
  if (open < 0) return null;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : null;
}

/** Why `prefix` cannot serve on a cluster, or null when it can. */
export function clusterPrefixProblem(prefix: string): string | null {
  return hashTagOf(prefix) === null
    ? `on Redis Cluster must hold a hash tag such as {caged}, so that every key of the queue lands in one slot (got ${JSON.stringify(prefix)})`
    : null;
}

/** Why `url` cannot name a cluster's seed node (a database other than 0), or null. */
export function clusterUrlProblem(url: string): string | null {
  let db: string;
  try {
    db = new URL(url).pathname.slice(1);
  } catch {
    return null; // not a URL: the URL's own check says so
  }
  return db === '' || db === '0' ? null : `names database ${JSON.stringify(db)}, but a Redis Cluster has only database 0`;
}

/** The problems of CAGED_PREFIX and CAGED_REDIS_URL (those read) when CAGED_REDIS_CLUSTER=yes, for src/config.ts. */
export function clusterConfigIssues(config: { prefix?: string; redisUrl?: string }): Array<{ env: string; message: string }> {
  const prefix = config.prefix === undefined ? null : clusterPrefixProblem(config.prefix);
  const url = config.redisUrl === undefined ? null : clusterUrlProblem(config.redisUrl);
  return [
    ...(prefix ? [{ env: 'CAGED_PREFIX', message: prefix.replace(/^on Redis Cluster/, '$& (CAGED_REDIS_CLUSTER=yes)') }] : []),
    ...(url ? [{ env: 'CAGED_REDIS_URL', message: url }] : []),
  ];
}
