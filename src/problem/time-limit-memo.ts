/**
 * A derived time limit, kept: a package that gives no time limit has one derived from its own
 * submissions (time-limit.ts), which judges every accepted and time_limit_exceeded submission.
 * `caged judge`, `caged grade --local` and `caged problem push|pack --derive-time` keep what they
 * derived under the state directory (`<state>/time-limits/<key>.json`, src/linux/state-dirs.ts)
 * and take it from there the next time, for a key of everything the derivation depends on:
 *
 *   the package's content (its archive's digest, as `caged problem push` gives it), the image
 *   (its name and every layer's digest), the limits (caged's maxima and settings, `--memory`),
 *   this machine (host name, CPU model and count, user) and DERIVATION_REVISION.
 *
 * So one package judged again and again on one machine gets one limit, not a limit that moves
 * with the machine's load between calls (a borderline submission would flip between AC and
 * TLE), and does not wait for the package's submissions each time. A changed file, image or
 * setting is another key, derived anew; `--derive-again` derives anew and replaces the kept
 * one. What was kept is said: the derivation's own notes, and one saying when and where.
 * A kept file that cannot be read is derived anew, with a note; one that cannot be written is
 * a note too, never a failure of the judging.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Judge } from '../judge/judge';
import { stateDir } from '../linux/state-dirs';
import type { JudgePackageOptions } from './judge-package';
import { packageDigest } from './package-store';
import type { ProblemPackage } from './problem-package';
import { timeLimitFromSubmissions } from './time-limit';

/** Raised when the derivation's rules change: limits derived before are not reused. */
export const DERIVATION_REVISION = 1;

/** Notes kept at most (a package's notes are one per skipped submission, and a line each). */
const MAX_NOTES = 1000;

const KeptSchema = z.strictObject({
  revision: z.literal(DERIVATION_REVISION),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  derivedAt: z.string().max(64),
  seconds: z.number().positive().finite(),
  notes: z.array(z.string().max(4096)).max(MAX_NOTES),
});
type Kept = z.infer<typeof KeptSchema>;

export interface TimeLimitMemo {
  /** Where kept limits are; default `<state>/time-limits`. */
  dir?: string;
  /** Derive anew and replace what was kept (`--derive-again`). */
  again?: boolean;
  /** The settings the judge was made with that shape judging (the CLI's judgeOptionsFromEnv), minus paths. */
  settings: unknown;
  /** The package's size cap, as it was loaded with. */
  maxBytes?: number;
}

export interface KeptTimeLimit {
  timeLimit: { seconds: number; from: 'submissions' };
  notes: string[];
  /** Whether it was taken from what an earlier derivation kept. */
  reused: boolean;
}

export function defaultMemoDir(): string {
  return path.join(stateDir(), 'time-limits');
}

/** The key of a derivation: the SHA-256 of everything it depends on (see the header). */
export function derivationKey(judge: Pick<Judge, 'image'>, pkg: ProblemPackage, opts: JudgePackageOptions, memo: TimeLimitMemo): string {
  const cpus = os.cpus();
  const parts = {
    revision: DERIVATION_REVISION,
    package: packageDigest(pkg.files.root, memo.maxBytes),
    image: judge.image,
    memoryMiB: opts.memoryMiB ?? null,
    maxima: opts.maxima ?? null,
    settings: memo.settings,
    host: { name: os.hostname(), cpu: cpus[0]?.model ?? '', cpus: cpus.length, uid: process.geteuid?.() ?? null },
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The package's derived time limit: kept from an earlier derivation of the same key, else derived now and kept. */
export async function keptTimeLimit(
  judge: Judge,
  pkg: ProblemPackage,
  opts: JudgePackageOptions,
  memo: TimeLimitMemo,
): Promise<KeptTimeLimit> {
  const dir = memo.dir ?? defaultMemoDir();
  const key = derivationKey(judge, pkg, opts, memo);
  const file = path.join(dir, `${key}.json`);
  const before: string[] = [];
  if (!memo.again) {
    const read = readKept(file, key);
    if (read && 'kept' in read)
      return {
        timeLimit: { seconds: read.kept.seconds, from: 'submissions' },
        notes: [
          ...read.kept.notes,
          `the time limit was derived on ${read.kept.derivedAt} and kept in ${file}, for this package, image, machine and limits: --derive-again derives it anew`,
        ],
        reused: true,
      };
    if (read) before.push(`the kept time limit in ${file} could not be read (${read.unreadable}): derived anew`);
  }
  const derived = await timeLimitFromSubmissions(judge, pkg, opts);
  const kept: Kept = {
    revision: DERIVATION_REVISION,
    key,
    derivedAt: new Date().toISOString(),
    seconds: derived.timeLimit.seconds,
    notes: derived.notes.slice(0, MAX_NOTES).map((n) => n.slice(0, 4096)),
  };
  const after: string[] = [];
  try {
    writeKept(dir, file, kept);
  } catch (e) {
    after.push(`the derived time limit could not be kept in ${dir} (${(e as Error).message}): it will be derived again next time`);
  }
  return { timeLimit: derived.timeLimit, notes: [...before, ...derived.notes, ...after], reused: false };
}

/** What was kept under `key`: none (no file), the limit, or why it is unreadable. */
function readKept(file: string, key: string): { kept: Kept } | { unreadable: string } | null {
  let text: string;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return { unreadable: 'not a regular file' };
      if (st.size > 8 * 2 ** 20) return { unreadable: `${st.size} bytes, more than a kept limit holds` };
      text = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { unreadable: (e as Error).message };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { unreadable: `not JSON: ${(e as Error).message}` };
  }
  const parsed = KeptSchema.safeParse(json);
  if (!parsed.success) return { unreadable: `not a kept time limit of this caged: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  if (parsed.data.key !== key) return { unreadable: 'kept under another key' };
  return { kept: parsed.data };
}

/** Writes the kept limit whole or not at all (a temporary file renamed into place), 0644 in a 0755 directory. */
function writeKept(dir: string, file: string, kept: Kept): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o644, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
