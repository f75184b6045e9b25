/**
 * Subordinate ids: the host uid and gid ranges /etc/subuid and /etc/subgid grant a user, which
 * `newuidmap`/`newgidmap` (setuid root, from the uidmap package) let that user map into a user
 * namespace it owns. A rootless worker maps uid/gid 256 of each box to one id of these ranges.
 *
 * Format (subuid(5)): one range a line, `NAME-OR-UID:START:COUNT`; a line matches the user by
 * login name or by decimal uid; a user may have several lines. Blank lines and lines starting
 * with `#` are skipped. A malformed line is reported (with its number), never silently taken.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `count` ids from `start` on the host. */
export interface SubIdRange {
  start: number;
  count: number;
}

/** A line of the file that is neither a comment, blank, nor `name:start:count`. */
export interface SubIdProblem {
  file: string;
  line: number;
  text: string;
  reason: string;
}

/** The ranges of one user in one file, with whatever was wrong in it. */
export interface SubIdRanges {
  /** The file read (`<etcDir>/subuid` or `<etcDir>/subgid`). */
  file: string;
  /** False when the file does not exist (then `ranges` is empty). */
  exists: boolean;
  /** The user's ranges in file order (lines matching by name and by uid alike). */
  ranges: SubIdRange[];
  /** Malformed lines anywhere in the file (they may have been meant for this user). */
  problems: SubIdProblem[];
}

/** Whose ranges: the login name and the numeric uid (a line may name either). */
export interface SubIdOwner {
  name: string;
  uid: number;
}

/** The user this process runs as. */
export function currentOwner(): SubIdOwner {
  const info = os.userInfo();
  return { name: info.username, uid: info.uid };
}

/** The largest id the kernel maps (uid_t is 32 bits; 2^32-1 is the invalid id). */
const MAX_ID = 2 ** 32 - 1;
const DECIMAL = /^\d{1,10}$/;

/** Parses the text of a subuid/subgid file; `file` names it in problems. Exported for tests. */
export function parseSubIds(text: string, owner: SubIdOwner, file: string): Omit<SubIdRanges, 'exists'> {
  const ranges: SubIdRange[] = [];
  const problems: SubIdProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const problem = (reason: string): void => {
      problems.push({ file, line: i + 1, text: raw.slice(0, 200), reason });
    };
    const fields = line.split(':');
    const [who = '', startText = '', countText = ''] = fields;
    if (fields.length !== 3) return problem(`expected NAME:START:COUNT, got ${fields.length} field(s)`);
    if (who === '') return problem('the user field is empty');
    if (!DECIMAL.test(startText) || !DECIMAL.test(countText)) return problem('START and COUNT must be decimal numbers');
    const start = Number(startText);
    const count = Number(countText);
    if (count === 0) return problem('COUNT is 0');
    if (start + count > MAX_ID) return problem(`the range ends past ${MAX_ID - 1}`);
    if (who === owner.name || (DECIMAL.test(who) && Number(who) === owner.uid)) ranges.push({ start, count });
  });
  return { file, ranges, problems };
}

/** The user's ranges in `<etcDir>/subuid` (`kind` uid) or `<etcDir>/subgid` (gid). */
export function readSubIds(kind: 'uid' | 'gid', owner: SubIdOwner = currentOwner(), etcDir = '/etc'): SubIdRanges {
  const file = path.join(etcDir, `sub${kind}`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, exists: false, ranges: [], problems: [] };
    throw err;
  }
  return { ...parseSubIds(text, owner, file), exists: true };
}

/** Total ids in the ranges. */
export function subIdTotal(ranges: readonly SubIdRange[]): number {
  return ranges.reduce((n, r) => n + r.count, 0);
}

/**
 * The `index`-th id of the ranges taken in order (index 0 is the first range's start);
 * undefined past their total.
 */
export function nthSubId(ranges: readonly SubIdRange[], index: number): number | undefined {
  let rest = index;
  for (const r of ranges) {
    if (rest < r.count) return r.start + rest;
    rest -= r.count;
  }
  return undefined;
}

/** Both files for one user: what a rootless worker needs (uids and gids, paired by index). */
export interface SubIds {
  owner: SubIdOwner;
  uids: SubIdRanges;
  gids: SubIdRanges;
  /** Ids usable as box ids: paired uid/gid by index, so the smaller total of the two. */
  usable: number;
}

export function readOwnerSubIds(owner: SubIdOwner = currentOwner(), etcDir = '/etc'): SubIds {
  const uids = readSubIds('uid', owner, etcDir);
  const gids = readSubIds('gid', owner, etcDir);
  return { owner, uids, gids, usable: Math.min(subIdTotal(uids.ranges), subIdTotal(gids.ranges)) };
}

/** The command that grants `owner` a range of `count` ids from `start` (what the refusal prints). */
export function grantCommand(owner: SubIdOwner, start = 100000, count = 65536): string {
  const end = start + count - 1;
  return `usermod --add-subuids ${start}-${end} --add-subgids ${start}-${end} ${owner.name}`;
}
