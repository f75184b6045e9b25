/**
 * The output validator's protocol without root or the image: the feedback files read back
 * without following links and capped, score.txt parsed, exits mapped to verdicts, the points a
 * score earns, and the schema of `checker: {type: "validator"}`. On real runs:
 * test/judge-validator.test.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  FEEDBACK_MESSAGE_BYTES,
  interpretValidatorExit,
  parseScore,
  readCarried,
  readFeedback,
  validatorFraction,
  type Feedback,
} from '../../src/judge/output-validator-feedback';
import { SubmissionSchema } from '../../src/judge/schema';
import { planValidator } from '../../src/judge/output-validator-spec';
import { repoLanguageRegistry } from './helpers/language-table';

const b = (s: string) => Buffer.from(s);
const absent = { kind: 'absent' } as const;
const read = (s: string) => ({ kind: 'read', data: b(s), truncated: false }) as const;
const none: Feedback = { judgeMessage: absent, teamMessage: absent, score: absent, scoreMultiplier: absent };

describe('reading the feedback directory back', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-feedback-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the three files, the messages capped', () => {
    fs.writeFileSync(path.join(dir, 'judgemessage.txt'), 'x'.repeat(FEEDBACK_MESSAGE_BYTES + 10));
    fs.writeFileSync(path.join(dir, 'teammessage.txt'), 'try again\n');
    fs.writeFileSync(path.join(dir, 'score.txt'), '12.5\n');
    const fb = readFeedback(dir);
    expect(fb.judgeMessage).toMatchObject({ kind: 'read', truncated: true });
    expect(fb.judgeMessage.kind === 'read' && fb.judgeMessage.data.length).toBe(FEEDBACK_MESSAGE_BYTES);
    expect(fb.teamMessage).toEqual(read('try again\n'));
    expect(parseScore(fb.score)).toEqual({ score: 12.5 });
  });

  it('refuses links, directories and FIFOs without following or blocking', () => {
    const secret = path.join(dir, 'secret');
    fs.writeFileSync(secret, 'root:x:0:0');
    fs.symlinkSync(secret, path.join(dir, 'judgemessage.txt'));
    fs.mkdirSync(path.join(dir, 'teammessage.txt'));
    execFileSync('mkfifo', [path.join(dir, 'score.txt')]);
    const fb = readFeedback(dir);
    expect(fb.judgeMessage).toEqual({ kind: 'refused', why: 'judgemessage.txt is a symbolic link' });
    expect(fb.teamMessage).toEqual({ kind: 'refused', why: 'teammessage.txt is not a regular file' });
    expect(fb.score).toEqual({ kind: 'refused', why: 'score.txt is not a regular file' });
  });

  it('says absent for files the validator did not write', () => {
    expect(readFeedback(dir)).toEqual(none);
  });
});

describe("a multi-pass validator's carried files", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-carried-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (n: number) => {
    for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `f${String(i).padStart(6, '0')}`), `${i}\n`);
  };

  it('carries up to 64 files but nextpass.in, by name', () => {
    write(64);
    fs.writeFileSync(path.join(dir, 'nextpass.in'), '1 2\n');
    const kept = readCarried(dir, 4096);
    expect('files' in kept && kept.files.map((f) => f.name)).toEqual(
      Array.from({ length: 64 }, (_, i) => `f${String(i).padStart(6, '0')}`),
    );
    expect('files' in kept && kept.files[63]?.data.toString()).toBe('63\n');
  });

  it('refuses a 65th file, and stops listing a huge directory there', () => {
    write(65);
    expect(readCarried(dir, 4096)).toEqual({ refused: 'it holds more than 64 files' });
    write(5000);
    let entries = 0;
    const opendir = fs.opendirSync.bind(fs);
    jest.spyOn(fs, 'opendirSync').mockImplementation((p, o) => {
      const d = opendir(p, o);
      const next = d.readSync.bind(d);
      d.readSync = () => {
        entries++;
        return next();
      };
      return d;
    });
    const readdir = jest.spyOn(fs, 'readdirSync');
    expect(readCarried(dir, 4096)).toEqual({ refused: 'it holds more than 64 files' });
    expect(readdir).not.toHaveBeenCalled();
    expect(entries).toBeGreaterThan(64);
    expect(entries).toBeLessThanOrEqual(66);
  });

  it('refuses more bytes than the cap', () => {
    fs.writeFileSync(path.join(dir, 'state'), 'x'.repeat(100));
    expect(readCarried(dir, 50)).toEqual({ refused: 'its files are larger than 50 bytes in all' });
  });
});

describe('score.txt', () => {
  it.each([
    ['7', 7],
    [' 0.25 \n', 0.25],
    ['1e2', 100],
  ])('reads %j as %d', (text, score) => {
    expect(parseScore(read(text))).toEqual({ score });
  });

  it.each(['', 'lots', '-1', '1 2', '0x10', 'NaN'])('refuses %j', (text) => {
    expect(parseScore(read(text))).toHaveProperty('error');
  });
});

describe("an accepting validator's score", () => {
  it('takes score.txt or score_multiplier.txt, and refuses both, a malformed one or a multiplier above 1', () => {
    expect(interpretValidatorExit(42, { ...none, score: read('7.5\n') }, b(''))).toMatchObject({ verdict: 'AC', score: 7.5 });
    expect(interpretValidatorExit(42, { ...none, scoreMultiplier: read('0.25') }, b(''))).toMatchObject({
      verdict: 'AC',
      multiplier: 0.25,
    });
    expect(interpretValidatorExit(42, { ...none, score: read('1'), scoreMultiplier: read('1') }, b('')).message).toMatch(
      /wrote both score.txt and score_multiplier.txt/,
    );
    expect(interpretValidatorExit(42, { ...none, scoreMultiplier: read('1.5') }, b('')).message).toMatch(/score_multiplier.txt is above 1/);
    expect(interpretValidatorExit(42, { ...none, scoreMultiplier: read('half') }, b('')).message).toMatch(
      /score_multiplier.txt is not a number/,
    );
    expect(validatorFraction('AC', undefined, 10, 0.25)).toBe(0.25);
    expect(validatorFraction('WA', undefined, 10, 0.25)).toBe(0);
  });
});

describe('the validator exit codes', () => {
  it('maps 42 to AC and 43 to WA, with the judge and team messages', () => {
    const fb: Feedback = { judgeMessage: read('line 3\nis wrong'), teamMessage: read('hint'), score: absent, scoreMultiplier: absent };
    expect(interpretValidatorExit(42, fb, b(''))).toEqual({ verdict: 'AC', message: 'line 3 is wrong', teamMessage: 'hint' });
    expect(interpretValidatorExit(43, none, b(''))).toEqual({ verdict: 'WA', message: 'wrong answer' });
  });

  it('reports the score file a rejection wrote all the same, read or refused, and leaves it WA', () => {
    expect(interpretValidatorExit(43, { ...none, score: read('0') }, b(''))).toEqual({
      verdict: 'WA',
      message: 'wrong answer',
      rejectedWithScoreFile: 'score.txt',
    });
    const refused = { kind: 'refused', why: 'score_multiplier.txt is a symbolic link' } as const;
    expect(interpretValidatorExit(43, { ...none, scoreMultiplier: refused }, b(''))).toMatchObject({
      verdict: 'WA',
      rejectedWithScoreFile: 'score_multiplier.txt',
    });
  });

  it('makes every other exit IE, never AC', () => {
    for (const code of [0, 1, 3, 7, 41, 44, 255, -1]) expect(interpretValidatorExit(code, none, b('boom')).verdict).toBe('IE');
    expect(interpretValidatorExit(0, none, b('boom')).message).toBe('the validator exited with 0, not 42 or 43: boom');
  });

  it('makes a bad score.txt of an accepted test IE, and ignores it on WA', () => {
    const fb: Feedback = { ...none, score: read('much') };
    expect(interpretValidatorExit(42, fb, b('')).verdict).toBe('IE');
    expect(interpretValidatorExit(43, fb, b('')).verdict).toBe('WA');
  });

  it('notes a refused message file and keeps the verdict', () => {
    const fb: Feedback = { ...none, judgeMessage: { kind: 'refused', why: 'judgemessage.txt is a symbolic link' } };
    expect(interpretValidatorExit(42, fb, b(''))).toEqual({
      verdict: 'AC',
      message: 'accepted [caged: refused judgemessage.txt is a symbolic link]',
    });
  });
});

describe('the points of a validated test', () => {
  it('are all of them on AC, the score capped at them, none otherwise', () => {
    expect(validatorFraction('AC', undefined, 10)).toBe(1);
    expect(validatorFraction('AC', 4, 10)).toBe(0.4);
    expect(validatorFraction('AC', 40, 10)).toBe(1);
    expect(validatorFraction('WA', 4, 10)).toBe(0);
    expect(validatorFraction('IE', undefined, 10)).toBe(0);
  });
});

describe('the validator checker in the submission schema', () => {
  const base = { language: 'c', source: 'x', testcases: [{ stdin: '', expected: '' }] };
  const parse = (checker: unknown) => SubmissionSchema.safeParse({ ...base, checker });

  it('takes a source or files, flags defaulting to none', () => {
    const r = parse({ type: 'validator', language: 'python3', source: 'print()' });
    expect(r.success && r.data.checker).toEqual({ type: 'validator', language: 'python3', source: 'print()', flags: [] });
    expect(parse({ type: 'validator', language: 'c', files: [{ name: 'main.c', content: '' }], flags: ['a'] }).success).toBe(true);
  });

  it('refuses both or neither of source and files, NUL in a flag, unknown keys', () => {
    const paths = (checker: unknown) => {
      const r = parse(checker);
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ type: 'validator', language: 'c' })).toEqual(['checker.source']);
    expect(paths({ type: 'validator', language: 'c', source: 'x', files: [{ name: 'main.c', content: '' }] })).toEqual(['checker.source']);
    expect(paths({ type: 'validator', language: 'c', source: 'x', flags: ['a\0b'] })).toEqual(['checker.flags.0']);
    expect(paths({ type: 'validator', language: 'c', source: 'x', bogus: 1 })).toEqual(['checker']);
  });

  it('takes an entry among its files, as a submission does, and refuses one with a source, naming no file, or for build/run', () => {
    const issues = (checker: object) => {
      const r = parse(checker);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    const files = [{ name: 'check.py', content: '' }];
    expect(issues({ type: 'validator', language: 'python3', files, entry: 'check.py' })).toEqual([]);
    expect(issues({ type: 'validator', language: 'python3', source: 'x', entry: 'check.py' })).toEqual([
      'checker.entry: goes with "files", not "source"',
    ]);
    expect(issues({ type: 'validator', language: 'python3', files, entry: 'other.py' })).toEqual([
      'checker.entry: names no file of "files": "other.py"',
    ]);
    expect(issues({ type: 'validator', language: 'bash', program: 'build-run', files, entry: 'check.py' })).toEqual([
      'checker.entry: is not for a build/run program (its entry is "run")',
    ]);
    const interactor = (i: object) => SubmissionSchema.safeParse({ ...base, interactor: { language: 'python3', ...i } });
    expect(interactor({ files, entry: 'check.py' }).success).toBe(true);
    // Its flags as a validator's: 64 of 256 bytes, no NUL (exec takes C strings).
    expect(interactor({ files, flags: Array.from({ length: 64 }, () => 'f'.repeat(256)) }).success).toBe(true);
    expect(interactor({ files, flags: ['a\0b'] }).success).toBe(false);
    const bad = interactor({ files, entry: 'x.py' });
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join('.'))).toEqual(['interactor.entry']);
  });

  it("caps a problem program's files apart from the submission's: 16 MiB and 1024 files by default", () => {
    const many = (n: number, bytes: number) => Array.from({ length: n }, (_, i) => ({ name: `d${i}.txt`, content: 'x'.repeat(bytes) }));
    const files = [{ name: 'main.c', content: '' }, ...many(100, 6000)]; // 600 KB in 101 files: over the submission's caps
    expect(parse({ type: 'validator', language: 'c', files }).success).toBe(true);
    const interactor = (i: object) => SubmissionSchema.safeParse({ ...base, interactor: { language: 'c', ...i } });
    expect(interactor({ files }).success).toBe(true);
    // The submission's own stay 256 KiB and 64 files.
    expect(SubmissionSchema.safeParse({ ...base, source: undefined, files }).success).toBe(false);
    const big = [
      { name: 'main.c', content: '' },
      { name: 'words.txt', content: 'x'.repeat(16 * 2 ** 20 + 1) },
    ];
    const r = parse({ type: 'validator', language: 'c', files: big });
    expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      `checker: the validator's files are ${16 * 2 ** 20 + 1} bytes, more than the ${16 * 2 ** 20} allowed`,
    ]);
    const i = interactor({ files: big });
    expect(i.success ? [] : i.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`)).toEqual([
      `interactor: the interactor's files are ${16 * 2 ** 20 + 1} bytes, more than the ${16 * 2 ** 20} allowed`,
    ]);
    expect(parse({ type: 'validator', language: 'c', files: [{ name: 'main.c', content: '' }, ...many(1024, 1)] }).success).toBe(false);
  });

  it('takes a working directory of its own (the default) or the submission’s, and nothing else', () => {
    const validator = { type: 'validator', language: 'c', source: 'x' };
    for (const workingDir of ['own', 'submission']) expect(parse({ ...validator, workingDir }).success).toBe(true);
    expect(parse({ ...validator, workingDir: '/tmp' }).success).toBe(false);
    const interactor = (workingDir: unknown) =>
      SubmissionSchema.safeParse({ ...base, interactor: { language: 'c', source: 'x', workingDir } }).success;
    expect([interactor('submission'), interactor('own'), interactor('box')]).toEqual([true, true, false]);
  });
});

describe('planValidator', () => {
  it('keeps the working directory the wire gives, its own by default', () => {
    const spec = (extra: object) =>
      planValidator({ type: 'validator', language: 'c', source: 'x', flags: [], ...extra }, repoLanguageRegistry());
    expect(spec({}).workingDir).toBe('own');
    expect(spec({ workingDir: 'submission' }).workingDir).toBe('submission');
  });

  it('builds a program in any language as a submission in it is: its entry kept, its main class found', () => {
    const r = repoLanguageRegistry();
    const file = (name: string, content: string) => ({ name, content, encoding: 'utf8' as const });
    const java = planValidator(
      {
        type: 'validator',
        language: 'java',
        files: [file('Check.java', 'public class Check { public static void main(String[] a) {} }')],
        flags: [],
      },
      r,
    );
    expect({ mainClass: java.language.mainClass, files: java.files.map((f) => f.name) }).toEqual({
      mainClass: 'Check',
      files: ['Check.java'],
    });
    // One source: saved under its public class's name, as javac needs.
    const single = planValidator(
      { type: 'validator', language: 'java', source: 'public class V { public static void main(String[] a) {} }', flags: [] },
      r,
    );
    expect(single.files.map((f) => f.name)).toEqual(['V.java']);
    const py = planValidator(
      { type: 'validator', language: 'python3', files: [file('lib.py', ''), file('check.py', '')], entry: 'check.py', flags: [] },
      r,
    );
    expect(py.language.sourceFile).toBe('check.py');
    // A C++ program needs no file named main.cpp: every source is compiled.
    const cpp = planValidator(
      { type: 'validator', language: 'cpp17', files: [file('validate.cc', ''), file('validate.h', '')], flags: [] },
      r,
    );
    expect(cpp.language.sources).toEqual(['validate.cc']);
    // No class with main is the request's fault, on the checker's files.
    expect(() => planValidator({ type: 'validator', language: 'java', files: [file('A.java', 'class A {}')], flags: [] }, r)).toThrow(
      /checker\.files: no top-level class with public static void main/,
    );
  });
});
