/**
 * testlib's protocol on the wire without root or the image: the schema's `checker: {type:
 * "custom"}` with `source` or `files`, `interactor.protocol`, the exit codes a testlib checker
 * and a testlib interactor end with, the interactive verdict rules under both protocols, and
 * the checker's judgement of a testlib interactor's output file. The real runs:
 * test/judge-testlib.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckRunner } from '../../src/judge/check-runner';
import { interpretExit } from '../../src/judge/custom-checker';
import { judgeTestlibOutput, TESTLIB_OUTPUT_FILE } from '../../src/judge/interactive-testlib';
import { acceptingExitCodes, interactiveVerdict, interactorDecision } from '../../src/judge/interactive-verdict';
import { makeSubmissionSchema, SubmissionSchema, TestcaseSchema, type SubmissionInput } from '../../src/judge/schema';
import type { PairResult } from '../../src/sandbox/run-pair';
import type { RunResult } from '../../src/sandbox/types';
import { pairResult, runResult } from '../helpers/run-result';

const b = (s: string) => Buffer.from(s);
const none = Buffer.alloc(0);

const BASE: SubmissionInput = { language: 'cpp17', source: 'int main(){}', testcases: [{ stdin: '1', expected: '1' }] };
const FILES = [
  { name: 'check.cpp', content: '#include "testlib.h"\nint main(){}' },
  { name: 'testlib.h', content: '#pragma once' },
];

/** The issues of parsing `s`: "path: message". */
function issues(s: unknown, schema = SubmissionSchema): string[] {
  const r = schema.safeParse(s);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the custom checker on the wire', () => {
  it('takes one source, as before, or files with an optional entry', () => {
    expect(issues({ ...BASE, checker: { type: 'custom', language: 'c', source: 'int main(){}' } })).toEqual([]);
    expect(issues({ ...BASE, checker: { type: 'custom', language: 'cpp17', files: FILES } })).toEqual([]);
    expect(issues({ ...BASE, checker: { type: 'custom', language: 'python3', files: FILES, entry: 'check.cpp' } })).toEqual([]);
  });

  it('refuses both or neither of source and files, and an entry that is not one of the files', () => {
    expect(issues({ ...BASE, checker: { type: 'custom', language: 'c' } })).toEqual([
      'checker.source: give exactly one of "source" and "files"',
    ]);
    expect(issues({ ...BASE, checker: { type: 'custom', language: 'c', source: 'x', files: FILES } })).toEqual([
      'checker.source: give exactly one of "source" and "files"',
    ]);
    expect(issues({ ...BASE, checker: { type: 'custom', language: 'cpp17', files: FILES, entry: 'main.cpp' } })).toEqual([
      'checker.entry: names no file of "files": "main.cpp"',
    ]);
    expect(issues({ ...BASE, checker: { type: 'custom', language: 'c', source: 'x', entry: 'check.cpp' } })).toEqual([
      'checker.entry: goes with "files", not "source"',
    ]);
  });

  it("caps the checker's files as a validator's", () => {
    const schema = makeSubmissionSchema({ maxProgramBytes: 10 });
    expect(issues({ ...BASE, checker: { type: 'custom', language: 'cpp17', files: FILES } }, schema)).toEqual([
      "checker: the checker's files are 45 bytes, more than the 10 allowed",
    ]);
  });
});

describe("the interactor's protocol on the wire", () => {
  const interactor = { language: 'cpp17', source: 'int main(){}' };
  it('is kattis by default, testlib when asked', () => {
    expect(SubmissionSchema.parse({ ...BASE, interactor }).interactor!.protocol).toBe('kattis');
    expect(SubmissionSchema.parse({ ...BASE, interactor: { ...interactor, protocol: 'testlib' } }).interactor!.protocol).toBe('testlib');
    expect(issues({ ...BASE, interactor: { ...interactor, protocol: 'polygon' } })[0]).toMatch(/^interactor\.protocol: /);
  });

  it('refuses an output validator after a testlib interactor, and flags for one', () => {
    const validator = { type: 'validator', language: 'c', source: 'int main(){return 42;}' };
    expect(issues({ ...BASE, interactor: { ...interactor, protocol: 'testlib' }, checker: validator })).toEqual([
      'checker: a testlib interactor is followed by a testlib checker ("custom") or a built-in one, not an output validator',
    ]);
    expect(issues({ ...BASE, interactor, checker: validator })).toEqual([]);
    expect(issues({ ...BASE, interactor: { ...interactor, protocol: 'testlib', flags: ['1'] } })).toEqual([
      'interactor.flags: a testlib interactor takes no flags (its arguments are input, output and answer)',
    ]);
  });
});

describe("a testlib checker's exit codes", () => {
  it('reads 4 (extra data) as a presentation error and 8 (unexpected end of file) as WA', () => {
    expect(interpretExit(4, none, b('extra'), 1)).toEqual({
      verdict: 'WA',
      fraction: 0,
      message: 'presentation error (extra data): extra',
    });
    expect(interpretExit(8, none, b('eof'), 1)).toEqual({ verdict: 'WA', fraction: 0, message: 'unexpected end of file: eof' });
    expect(interpretExit(5, none, none, 1).verdict).toBe('IE');
  });

  it('gives no pass for partial points on a test worth nothing, and says why quitpi is IE', () => {
    expect(interpretExit(7, none, b('points 0 nothing right'), 0)).toMatchObject({ verdict: 'WA', fraction: 0 });
    expect(interpretExit(7, none, b('points 5 half'), 0)).toMatchObject({ verdict: 'WA', fraction: 0 });
    expect(interpretExit(7, none, b('points 5 half'), 10)).toMatchObject({ verdict: 'WA', fraction: 0.5 });
    const quitpi = interpretExit(7, none, b('points points_info=abc msg'), 10);
    expect(quitpi.verdict).toBe('IE');
    expect(quitpi.message).toMatch(/testlib's quitpi \(points_info\) gives no points, which caged does not read/);
  });
});

const run = (over: Partial<RunResult> = {}): RunResult => runResult({ memoryBytes: 0, ...over });

describe("a testlib interactor's exit codes", () => {
  const decision = (over: Partial<RunResult>) => interactorDecision(run(over), 'testlib');
  it('accepts on 0, and on 7 with the points on the first line of its stderr', () => {
    expect(decision({ exitCode: 0 })).toEqual({ kind: 'accepted', points: null });
    expect(decision({ exitCode: 7, stderr: b('points 2 well') })).toEqual({ kind: 'accepted', points: { kind: 'absolute', value: 2 } });
    expect(acceptingExitCodes('testlib')).toEqual([0, 7]);
    expect(acceptingExitCodes('kattis')).toEqual([42]);
  });

  it.each([
    [1, 'wrong answer (the interactor)'],
    [2, 'presentation error (the interactor)'],
    [4, 'presentation error (extra data) (the interactor)'],
    [8, 'unexpected end of file (the interactor)'],
  ])('rejects on %d', (exitCode, message) => expect(decision({ exitCode })).toEqual({ kind: 'rejected', message }));

  it.each([
    [3, "exit code 3, testlib's FAIL"],
    [42, 'exit code 42, not a testlib code'],
    [43, 'exit code 43, not a testlib code'],
  ])('fails on %d', (exitCode, why) => expect(decision({ exitCode })).toEqual({ kind: 'failed', why }));

  it('fails on 7 without points, a signal, a limit of its own, a forbidden call', () => {
    expect(decision({ exitCode: 7, stderr: b('lots') }).kind).toBe('failed');
    expect(decision({ exitCode: null, signal: 'SIGABRT' })).toEqual({ kind: 'failed', why: 'killed by SIGABRT' });
    expect(decision({ exitCode: null, signal: 'SIGKILL', limitHit: 'memory' })).toEqual({ kind: 'failed', why: 'memory limit' });
    expect(decision({ exitCode: null, signal: 'SIGSYS', forbiddenSyscall: 'ptrace' }).kind).toBe('failed');
  });

  it('reads 0 as no decision under the Kattis protocol', () =>
    expect(interactorDecision(run({ exitCode: 0 }), 'kattis')).toEqual({ kind: 'failed', why: 'exit code 0, not 42 or 43' }));
});

describe('the interactive verdict under the testlib protocol', () => {
  const pair = pairResult;
  const verdict = (p: PairResult) => interactiveVerdict(p, 'testlib', { cpuTimeMs: 1000 });

  it('keeps the order rules: the submission failing first is its own verdict, whatever the interactor says', () => {
    const first = { firstEnded: 'submission' as const };
    expect(verdict(pair({ exitCode: 1 }, { exitCode: null, signal: 'SIGKILL', limitHit: 'cpu' }, first)).verdict).toBe('TLE');
    expect(verdict(pair({ exitCode: 3 }, { exitCode: null, signal: 'SIGSEGV' }, first)).verdict).toBe('RE');
    expect(verdict(pair({ exitCode: null, signal: 'SIGKILL', limitHit: 'memory' }, { exitCode: 1 }, first)).verdict).toBe('IE');
  });

  it('is WA on a rejection whatever the submission then did, IE on FAIL, AC on acceptance', () => {
    expect(verdict(pair({ exitCode: 2 }, { exitCode: null, signal: 'SIGPIPE' })).verdict).toBe('WA');
    expect(verdict(pair({ exitCode: 3 }, {})).verdict).toBe('IE');
    expect(verdict(pair({ exitCode: 0 }, {}))).toEqual({ verdict: 'AC', message: 'accepted', limitHit: null });
    expect(verdict(pair({ exitCode: 7, stderr: b('0.5') }, {})).interactorPoints).toEqual({ kind: 'fraction', value: 0.5 });
  });

  it('is TLE, OLE or its own after an acceptance, as under Kattis', () => {
    expect(verdict(pair({ exitCode: 0 }, { exitCode: null, signal: 'SIGKILL' }, { submissionKilledAfterGrace: true })).verdict).toBe('TLE');
    expect(verdict(pair({ exitCode: 0 }, { exitCode: null, signal: 'SIGKILL' }, { submissionFloodedAfterAccept: true })).verdict).toBe(
      'OLE',
    );
    expect(verdict(pair({ exitCode: 0 }, { exitCode: 4 })).verdict).toBe('RE');
  });
});

describe("the checker on a testlib interactor's output file", () => {
  let dir: string;
  const checks = new CheckRunner();
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-tout-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterAll(() => checks.close());

  const judgeWith = (expected: string | undefined, points = 4) =>
    judgeTestlibOutput(
      {
        index: 0,
        testcase: TestcaseSchema.parse({ stdin: '5', points, ...(expected !== undefined ? { expected } : {}) }),
        checker: { kind: 'builtin', checker: { type: 'tokens' } },
        checks,
      },
      dir,
      1024,
      undefined,
    );

  it('compares the file with expected under a built-in checker', async () => {
    fs.writeFileSync(path.join(dir, TESTLIB_OUTPUT_FILE), '5 1\n');
    expect(await judgeWith('5 1')).toMatchObject({ verdict: 'AC', fraction: 1 });
    expect(await judgeWith('5 2')).toMatchObject({ verdict: 'WA', fraction: 0, checkerMessage: 'token 2 differs: expected "2", got "1"' });
  });

  it('takes the smaller share of the interactor points and the checker', async () => {
    fs.writeFileSync(path.join(dir, TESTLIB_OUTPUT_FILE), '5');
    const t = {
      index: 0,
      testcase: TestcaseSchema.parse({ stdin: '5', expected: '5', points: 4 }),
      checker: { kind: 'builtin' as const, checker: { type: 'tokens' as const } },
      checks,
    };
    expect(await judgeTestlibOutput(t, dir, 1024, { kind: 'absolute', value: 1 })).toMatchObject({ verdict: 'WA', fraction: 0.25 });
    expect(await judgeTestlibOutput(t, dir, 1024, { kind: 'fraction', value: 1 })).toMatchObject({ verdict: 'AC', fraction: 1 });
  });

  it('is IE for a missing, linked or oversized file; not checked without expected', async () => {
    expect(await judgeWith('5')).toMatchObject({ verdict: 'IE', message: 'the interactor accepted but wrote no output file' });
    fs.symlinkSync('/etc/shadow', path.join(dir, TESTLIB_OUTPUT_FILE));
    expect((await judgeWith('5')).message).toBe('the interactor accepted but its output file was refused: tout is a symbolic link');
    expect(await judgeWith(undefined)).toMatchObject({ verdict: 'AC', fraction: 1 });
    fs.rmSync(path.join(dir, TESTLIB_OUTPUT_FILE));
    fs.writeFileSync(path.join(dir, TESTLIB_OUTPUT_FILE), 'x'.repeat(2000));
    expect((await judgeWith('5')).message).toBe('the interactor accepted but its output file is larger than 1024 bytes');
  });
});
