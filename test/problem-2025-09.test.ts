/**
 * A package of the format's 2025-09 version judged by `caged judge` on real containers and the
 * real Debian image (test/packages/modern): included files per language (include/python3/ for
 * Python, include/default/ for C, its .gitkeep ignored as the format says), constants substituted in the output validator (a Python
 * module with __main__.py) and the included files, a feedback_dir ending with "/",
 * score_multiplier.txt, groups with pass-fail and sum aggregation, require_pass, a test in a
 * plain directory below its group, the submission's command-line arguments (a group's `args`,
 * replaced by a test's own; argv.py is right only with them), and the problem's languages
 * enforced (on contestants' submissions, not on the package's own); the output validator works in the submission's directory (the format's working
 * directory), its own files apart. And test/packages/files: test cases with input files (`NAME.files`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { judgeCommand } from '../src/cli/judge';
import { InvalidRequestError } from '../src/errors';
import { Judge } from '../src/judge/judge';
import { JudgeResultSchema, type JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const PKG = path.join(__dirname, 'packages', 'modern');
const FILES_PKG = path.join(__dirname, 'packages', 'files');

describe('caged judge on a 2025-09 package', () => {
  let judge: Judge;
  let cacheDir: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-modern-cache-'));
    judge = await Judge.create({
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      compileCacheDir: cacheDir,
    });
  }, 120_000);

  afterAll(async () => {
    await judge?.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  async function judged(submission: string, ...flags: string[]): Promise<JudgeResult> {
    return judgedIn(PKG, submission, ...flags);
  }

  async function judgedIn(pkg: string, submission: string, ...flags: string[]): Promise<JudgeResult> {
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    expect(await judgeCommand([pkg, path.join(pkg, 'submissions', submission), '--json', ...flags], out, { judge })).toBe(0);
    return JudgeResultSchema.parse(JSON.parse(text));
  }

  const groups = (r: JudgeResult) => Object.fromEntries((r.groups ?? []).map((g) => [g.name, [g.verdict, g.score, g.maxScore]]));

  it('gives full marks to the accepted submissions, each with its language’s included files', async () => {
    for (const s of ['accepted/add.py', 'accepted/add.c', 'accepted/argv.py']) {
      const r = await judged(s);
      expect({ s, verdict: r.verdict, score: r.score, maxScore: r.maxScore }).toEqual({ s, verdict: 'AC', score: 100, maxScore: 100 });
      expect(r.problem).toMatchObject({ format: '2025-09', type: 'scoring' });
      expect(r.tests.map((t) => t.name)).toEqual(['sample/1', 'secret/easy/1', 'secret/easy/2', 'secret/hard/1', 'secret/hard/big/2']);
      expect(groups(r)).toMatchObject({ 'secret/easy': ['AC', 40, 40], 'secret/hard': ['AC', 60, 60], secret: ['AC', 100, 100] });
    }
  }, 180_000);

  it("adds included files past a contestant's source cap (400 KB in 70 files): the package bounds them, not the judge's 256 KiB and 64 files", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-modern-include-'));
    try {
      fs.cpSync(PKG, copy, { recursive: true });
      for (let i = 0; i < 70; i++) fs.writeFileSync(path.join(copy, 'include/python3', `t${i}.txt`), `${i}\n`.padEnd(6000, '.'));
      const add = fs.readFileSync(path.join(PKG, 'submissions/accepted/add.py'), 'utf8');
      fs.writeFileSync(path.join(copy, 'submissions/accepted/tables.py'), `assert open('t69.txt').read().startswith('69')\n${add}`);
      const r = await judgedIn(copy, 'accepted/tables.py');
      expect({ verdict: r.verdict, score: r.score }).toEqual({ verdict: 'AC', score: 100 });
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs the output validator in the submission’s directory: its files, compiled binaries and included files, none of the validator’s', async () => {
    // The validator writes its working directory's listing as its judgemessage, and fails (IE) if it sees its own check.py.
    const seen = async (s: string) => [...new Set((await judged(s)).tests.map((t) => t.checkerMessage))];
    expect(await seen('accepted/add.c')).toEqual(['cwd: k.txt main main.c']);
    // A Python file keeps its name (docs/languages.md, entry points).
    expect(await seen('accepted/add.py')).toEqual(['cwd: __pycache__ add.py helper.py']);
  }, 120_000);

  it('scores a test by the validator’s score_multiplier.txt within a sum group', async () => {
    const r = await judged('partially_accepted/half.py');
    expect(r.tests.find((t) => t.name === 'secret/hard/big/2')).toMatchObject({ verdict: 'AC', validatorScoreMultiplier: 0.5 });
    expect(groups(r)).toMatchObject({ 'secret/easy': ['AC', 40, 40], 'secret/hard': ['AC', 45, 60] });
    expect(r.score).toBe(85);
  }, 120_000);

  it('makes a rejection that wrote score_multiplier.txt a judge error on a secret test, not on a sample', async () => {
    const r = await judged('rejected/wrong_half.py');
    expect(r.tests[0]).toMatchObject({ name: 'sample/1', verdict: 'WA', validatorRejectedWithScoreFile: 'score_multiplier.txt' });
    expect(r.tests[1]).toMatchObject({
      name: 'secret/easy/1',
      verdict: 'IE',
      message: 'Internal Error: the validator rejected the test case but wrote score_multiplier.txt',
    });
    // The first failing test decides the submission's verdict (the sample's WA); the secret group is IE.
    expect(r.verdict).toBe('WA');
    expect(groups(r)).toMatchObject({ secret: ['IE', 0, 100], 'secret/easy': ['IE', 0, 40] });
  }, 120_000);

  it('skips a group whose required group failed, scoring it 0', async () => {
    const r = await judged('wrong_answer/off.py');
    expect(r.verdict).toBe('WA');
    expect(r.score).toBe(0);
    expect(r.tests.filter((t) => t.name?.startsWith('secret/hard')).map((t) => [t.verdict, t.message])).toEqual([
      ['SKIPPED', 'not run: secret/easy did not pass (require_pass of secret/hard)'],
      ['SKIPPED', 'not run: secret/easy did not pass (require_pass of secret/hard)'],
    ]);
  }, 120_000);

  it("puts each test case's .files in the working directory for that test only, over the included files", async () => {
    // test/packages/files: each test names files; the submission prints their first words
    // ("absent" when missing), then overwrites them and leaves leak.txt behind, which no later
    // test may see. k.txt is included (1), and one test's own k.txt (5) replaces it.
    for (const s of ['accepted/files.py', 'accepted/files.c']) {
      const r = await judgedIn(FILES_PKG, s);
      expect({ s, tests: r.tests.map((t) => [t.name, t.verdict, t.stdout.trim()]) }).toEqual({
        s,
        tests: [
          ['sample/1', 'AC', '3x3 absent'],
          ['secret/1', 'AC', '42 h 1 absent'],
          ['secret/2', 'AC', '5 absent absent absent'],
          ['secret/3', 'AC', '42 1'],
        ],
      });
      expect(r.verdict).toBe('AC');
    }
  }, 180_000);

  it('keeps the working directory read-only without allow_file_writing (its default), the files still readable', async () => {
    // The same package without the key: files.py's leak.txt is refused (RE at the first test);
    // files.c ignores its failed writes and is AC, having read every file as before.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-files-ro-'));
    try {
      fs.cpSync(FILES_PKG, copy, { recursive: true });
      const yaml = path.join(copy, 'problem.yaml');
      fs.writeFileSync(yaml, fs.readFileSync(yaml, 'utf8').replace(/^allow_file_writing: true\n/m, ''));
      expect(fs.readFileSync(yaml, 'utf8')).not.toMatch(/^allow_file_writing/m);
      const py = await judgedIn(copy, 'accepted/files.py');
      expect({ verdict: py.verdict, test: py.tests[0]!.name }).toEqual({ verdict: 'RE', test: 'sample/1' });
      expect(py.tests[0]!.stderr).toMatch(/Read-only file system: 'leak.txt'/);
      expect(py.tests[0]!.stdout.trim()).toBe('3x3 absent');
      const c = await judgedIn(copy, 'accepted/files.c');
      expect(c.tests.map((t) => [t.name, t.verdict, t.stdout.trim()])).toEqual([
        ['sample/1', 'AC', '3x3 absent'],
        ['secret/1', 'AC', '42 h 1 absent'],
        ['secret/2', 'AC', '5 absent absent absent'],
        ['secret/3', 'AC', '42 1'],
      ]);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses a submission in a language the problem does not list, naming the list; the package’s own are judged with a note', async () => {
    await expect(judged('accepted/add.py', '--lang', 'pypy3')).resolves.toMatchObject({ verdict: 'AC' }); // pypy3 is the format's python3
    // A contestant's submission (not below the package's submissions/) in Ruby is refused.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-languages-'));
    try {
      const ruby = "puts STDIN.gets.to_i + File.read('k.txt').to_i\n"; // the tests' args are not files to read
      fs.writeFileSync(path.join(copy, 'add.rb'), ruby);
      const sink = new Writable({ write: (_c, _e, done) => done() });
      const refused: unknown = await judgeCommand([PKG, path.join(copy, 'add.rb'), '--json'], sink, { judge }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(InvalidRequestError);
      expect(String(refused)).toMatch(/is in ruby \(the format's ruby\), not one of the problem's languages \(python3, c\)/);
      // The same file as one of the package's own accepted submissions is judged (problemtools
      // judges them all; the format's example keeps PHP under languages [python3, cpp]), with a note.
      fs.cpSync(PKG, path.join(copy, 'pkg'), { recursive: true });
      fs.writeFileSync(path.join(copy, 'pkg', 'submissions', 'accepted', 'add.rb'), ruby);
      const own = await judgedIn(path.join(copy, 'pkg'), 'accepted/add.rb');
      expect({ verdict: own.verdict, score: own.score, language: own.language.id }).toEqual({
        verdict: 'AC',
        score: 100,
        language: 'ruby',
      });
      expect(own.problem?.notes).toContain(
        "ruby is not one of the problem's languages (python3, c): judged as one of the package's own submissions",
      );
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }, 120_000);
});
