/**
 * Problem packages in Redis, for judging through the queue (`caged problem push`, the client's
 * `pushProblem`, the worker's package cache).
 *
 * Packing: the package's files, read through PackageFiles (the loader's own rules: a link is
 * followed only inside the package, the size cap counts every byte), go into a ustar archive
 * that depends on nothing but the files' paths and bytes: entries in byte order of their paths,
 * directories first within each directory, mode 0755 / 0644, owner 0, time 0. Links become the
 * regular files they point to. The digest is `sha256:` and the archive's SHA-256.
 *
 * Storage: under the queue's prefix (a hash tag such as `{caged}` on Redis Cluster, so that all
 * keys of a package share the queue's slot):
 *   `<prefix>:problem:<hex>:chunk:<i>`  the archive in chunks of CHUNK_BYTES (0-based);
 *   `<prefix>:problem:<hex>`            a small JSON record `{ id, bytes, chunks }`, written last:
 * a package is there once its record is. Pushing a package already there writes nothing.
 */
import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { HostError, InvalidRequestError } from '../errors';
import { DEFAULT_MAX_PACKAGE_BYTES, PackageFiles } from './package-files';

/** Bytes of one chunk value in Redis. */
export const CHUNK_BYTES = 512 * 1024;
/** Default cap on a pushed package's archive, in bytes. */
export const DEFAULT_MAX_PUSH_BYTES = 256 * 2 ** 20;

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** What a submission names: the package's name (for people and logs) and its content digest. */
export interface ProblemRef {
  id: string;
  digest: string;
}

export interface PackedProblem extends ProblemRef {
  tar: Buffer;
}

export type RedisClient = Redis | Cluster;

const RecordSchema = z.strictObject({
  id: z.string(),
  bytes: z.number().int().min(0),
  chunks: z.number().int().min(0),
});

/** The package id: the directory's name, kept to what a submission's `problem.id` accepts. */
export function problemIdOf(root: string): string {
  const base = root.split('/').pop() ?? '';
  const id = base.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 200);
  return id || 'problem';
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** One ustar header; long paths go in the prefix field, split at a "/". */
function header(name: string, kind: 'file' | 'dir', size: number): Buffer {
  const h = Buffer.alloc(512);
  let prefix = '';
  let rest = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100 || Buffer.byteLength(name.slice(0, cut)) > 155)
      throw new InvalidRequestError('the path is too long to pack (at most 255 bytes, 100 after the last "/")', name);
    prefix = name.slice(0, cut);
    rest = name.slice(cut + 1);
  }
  h.write(rest, 0, 100, 'utf8');
  h.write(octal(kind === 'dir' ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(kind === 'dir' ? '5' : '0', 156, 'ascii');
  h.write('ustar\0' + '00', 257, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** One archive entry (header, data, padding): for tests that build archives by hand. */
export function ustarEntry(name: string, kind: 'file' | 'dir', data: Buffer = Buffer.alloc(0)): Buffer {
  const pad = data.length % 512 ? Buffer.alloc(512 - (data.length % 512)) : Buffer.alloc(0);
  return Buffer.concat([header(name, kind, data.length), data, pad]);
}

export interface PackOptions {
  /**
   * A time limit for a package that gives none (seconds): the archive gets a `.timelimit` file
   * at its root holding it, which the worker reads as the package's own (problem-package.ts).
   * Refused when the package has a `.timelimit` already.
   */
  timeLimitS?: number;
}

/** Packs the package at `dir` (refused as the loader refuses it: links outside, over `maxBytes`). */
export function packProblem(dir: string, maxBytes = DEFAULT_MAX_PACKAGE_BYTES, opts: PackOptions = {}): PackedProblem {
  const parts: Buffer[] = [];
  const files = packParts(dir, maxBytes, opts, (b) => parts.push(b));
  const tar = Buffer.concat(parts);
  return { id: problemIdOf(files.root), digest: digestOf(tar), tar };
}

/**
 * The digest packProblem gives the package at `dir` (no time limit added), its archive hashed
 * part by part rather than held: a package of hundreds of MiB costs no more than its largest file.
 */
export function packageDigest(dir: string, maxBytes = DEFAULT_MAX_PACKAGE_BYTES): string {
  const hash = createHash('sha256');
  packParts(dir, maxBytes, {}, (b) => hash.update(b));
  return `sha256:${hash.digest('hex')}`;
}

/** The package's archive, handed to `emit` part by part in order; the files it was read through. */
function packParts(dir: string, maxBytes: number, opts: PackOptions, emit: (b: Buffer) => void): PackageFiles {
  const files = PackageFiles.open(dir, maxBytes);
  files.requirePackageRoot();
  const limit = opts.timeLimitS;
  if (limit !== undefined) {
    if (!Number.isFinite(limit) || limit <= 0)
      throw new InvalidRequestError(`must be a positive number of seconds (got ${limit})`, 'timeLimitS');
    if (files.kind('.timelimit') !== null)
      throw new InvalidRequestError('the package has its own .timelimit: no time limit is added to it', '.timelimit');
  }
  let total = 0;
  const add = (b: Buffer): void => {
    total += b.length;
    if (total > maxBytes) throw new InvalidRequestError(`the packed package is larger than the ${maxBytes} bytes allowed`, 'PROBLEM_DIR');
    emit(b);
  };
  const walk = (rel: string, depth: number): void => {
    for (const e of files.list(rel)) {
      const path = rel === '.' ? e.name : `${rel}/${e.name}`;
      if (e.kind === 'dir') {
        add(header(`${path}/`, 'dir', 0));
        walk(path, depth + 1);
      } else if (e.kind === 'file') {
        const data = files.read(path);
        add(header(path, 'file', data.length));
        add(data);
        if (data.length % 512) add(Buffer.alloc(512 - (data.length % 512)));
      } else {
        throw new InvalidRequestError('is neither a file nor a directory (refused)', path);
      }
    }
  };
  walk('.', 0);
  if (limit !== undefined) {
    const data = Buffer.from(`${limit}\n`);
    add(header('.timelimit', 'file', data.length));
    add(data);
    add(Buffer.alloc(512 - data.length));
  }
  add(Buffer.alloc(1024));
  return files;
}

export function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function keys(prefix: string, digest: string) {
  const hex = digest.slice('sha256:'.length);
  const base = `${prefix}:problem:${hex}`;
  return { record: base, chunk: (i: number) => `${base}:chunk:${i}` };
}

/** Stores a packed package; `stored` false when it was there already (nothing written). */
export async function storeProblem(redis: RedisClient, prefix: string, p: PackedProblem): Promise<{ stored: boolean }> {
  const k = keys(prefix, p.digest);
  if ((await redis.exists(k.record)) === 1) return { stored: false };
  const chunks = Math.ceil(p.tar.length / CHUNK_BYTES);
  for (let i = 0; i < chunks; i++) await redis.set(k.chunk(i), p.tar.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  await redis.set(k.record, JSON.stringify({ id: p.id, bytes: p.tar.length, chunks }));
  return { stored: true };
}

/** Packs and stores the package at `dir`; returns its reference. */
export async function pushProblem(
  redis: RedisClient,
  prefix: string,
  dir: string,
  maxBytes = DEFAULT_MAX_PUSH_BYTES,
  opts: PackOptions = {},
): Promise<ProblemRef & { bytes: number; stored: boolean }> {
  const packed = packProblem(dir, maxBytes, opts);
  const { stored } = await storeProblem(redis, prefix, packed);
  return { id: packed.id, digest: packed.digest, bytes: packed.tar.length, stored };
}

/**
 * The archive of package `digest`, its digest verified. A package not in Redis, over
 * `maxBytes` or whose bytes do not match its digest is an InvalidRequestError (the job fails,
 * unretried); a Redis error is a HostError (retried).
 */
export async function fetchProblem(redis: RedisClient, prefix: string, digest: string, maxBytes: number): Promise<Buffer> {
  if (!DIGEST_PATTERN.test(digest)) throw new InvalidRequestError('must be "sha256:" and 64 lowercase hex digits', 'problem.digest');
  const k = keys(prefix, digest);
  const redisCall = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new HostError(`fetching problem package ${digest}: ${what}: ${(err as Error).message}`, { cause: err });
    }
  };
  const raw = await redisCall('reading its record', () => redis.get(k.record));
  if (raw === null)
    throw new InvalidRequestError(`problem package ${digest} is not in Redis (push it with \`caged problem push DIR\`)`, 'problem.digest');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = null;
  }
  const rec = RecordSchema.safeParse(parsed);
  if (!rec.success) throw new InvalidRequestError(`problem package ${digest} has a malformed record in Redis`, 'problem.digest');
  const { bytes, chunks } = rec.data;
  if (bytes > maxBytes)
    throw new InvalidRequestError(`problem package ${digest} is ${bytes} bytes, more than the ${maxBytes} allowed`, 'problem.digest');
  const parts: Buffer[] = [];
  for (let i = 0; i < chunks; i++) {
    const part = await redisCall(`reading chunk ${i}`, () => redis.getBuffer(k.chunk(i)));
    if (part === null) throw new InvalidRequestError(`problem package ${digest} is missing chunk ${i} in Redis`, 'problem.digest');
    parts.push(part);
  }
  const tar = Buffer.concat(parts);
  if (tar.length !== bytes || digestOf(tar) !== digest)
    throw new InvalidRequestError(`problem package ${digest}: the bytes in Redis do not match the digest`, 'problem.digest');
  return tar;
}

/** An ioredis client on the queue's connection (the Cluster itself when it is one); `close` ends only what was opened here. */
export function redisClientFor(connection: ConnectionOptions): { client: RedisClient; close: () => Promise<void> } {
  // An instance by its shape, not `instanceof`: a backend's ioredis may be another copy than the client package's.
  if (typeof (connection as { isCluster?: unknown }).isCluster === 'boolean')
    return { client: connection as RedisClient, close: () => Promise.resolve() };
  const client = new Redis(connection as RedisOptions);
  client.on('error', () => undefined); // ioredis reconnects; a failed command is a retryable HostError
  return {
    client,
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
