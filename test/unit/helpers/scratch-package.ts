/**
 * A problem package written file by file into a fresh temporary directory for each test (made
 * in beforeEach, removed in afterEach), and the check that loading it is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../../../src/errors';
import { gradeTree } from '../../../src/judge/group-grading';
import type { TestVerdict } from '../../../src/judge/schema';
import { loadPackage } from '../../../src/problem/problem-package';
import type { TestCase, TestGroup } from '../../../src/problem/test-data';
import { madeUpResult } from './test-result';

export interface ScratchPackage {
  /** The package's directory (this test's). */
  dir(): string;
  /** Writes `text` at `rel`, making its directories. */
  write(rel: string, text: string): void;
  /** Test case `rel` below data/: `rel.in` holding `input`, `rel.ans` holding "x". */
  test(rel: string, input?: string): void;
}

export function scratchPackage(prefix: string): ScratchPackage {
  let tmp = '';
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (rel: string, text: string): void => {
    const p = path.join(tmp, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  };
  return {
    dir: () => tmp,
    write,
    test: (rel, input = `${rel}\n`) => {
      write(`data/${rel}.in`, input);
      write(`data/${rel}.ans`, 'x\n');
    },
  };
}

/** `f` throws an InvalidRequestError naming `field`, its message matching `text`. */
export function refused(f: () => unknown, field: string, text: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidRequestError);
  expect((err as InvalidRequestError).field).toBe(field);
  expect((err as Error).message).toMatch(text);
}

/**
 * Loads the package in `dir` and grades it with a fake runner: each test's verdict (and its
 * validator's score.txt) from `outcome(test)`, nothing run. The tests run in order, each group
 * by name, the grade itself.
 */
export async function gradeOutcomes(dir: string, outcome: (t: TestCase) => TestVerdict | [TestVerdict, number]) {
  const pkg = loadPackage(dir, { fallbackTimeLimitS: 1 });
  const ran: string[] = [];
  const g = await gradeTree(
    pkg.data,
    pkg.config.scoring,
    (t, _flags, i) => {
      ran.push(t.name);
      const o = outcome(t);
      const [verdict, score] = Array.isArray(o) ? o : [o, undefined];
      return Promise.resolve(madeUpResult(i, verdict, { name: t.name, ...(score === undefined ? {} : { validatorScore: score }) }));
    },
    (t, i, why) => madeUpResult(i, 'SKIPPED', { name: t.name, message: why }),
  );
  return { pkg, ran, g, by: Object.fromEntries(g.groups.map((x) => [x.name, x])) };
}

/** The group named `name` anywhere below `g` (undefined when none). */
export function groupNamed(g: TestGroup, name: string): TestGroup {
  for (const c of g.children) {
    if (c.kind !== 'group') continue;
    if (c.group.name === name) return c.group;
    const inner = groupNamed(c.group, name);
    if (inner) return inner;
  }
  return undefined as unknown as TestGroup;
}
