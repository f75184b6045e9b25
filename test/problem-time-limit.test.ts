/**
 * A package without a time limit (no limits.time_limit, no .timelimit, no --time): `caged judge`
 * derives it from the package's accepted and time_limit_exceeded submissions as the format says
 * (src/problem/time-limit.ts), or refuses naming why. Real runs on the real image; the probe
 * limit is lowered to 2 s (caged's CPU maximum here) so that a submission that never ends costs
 * little.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { judgeCommand } from '../src/cli/judge';
import { InvalidRequestError } from '../src/errors';
import { Judge } from '../src/judge/judge';
import { JudgeResultSchema } from '../src/judge/schema';
import { loadPackage, NO_TIME_LIMIT } from '../src/problem/problem-package';
import { timeLimitFromSubmissions } from '../src/problem/time-limit';
import { keptTimeLimit } from '../src/problem/time-limit-memo';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const TIMED = path.join(__dirname, 'packages/timed');
const MAXIMA = { cpuTimeMs: 2000 };
const SECRET_INPUT = Number(fs.readFileSync(path.join(TIMED, 'data/secret/1.in'), 'utf8'));
/** Wrong on every test, at once on the sample and after 0.45 s of CPU on the secret one: its slowest test comes after its first rejection. */
const SLOW_WRONG = `#include <stdio.h>
#include <time.h>
int main(void) {
  long n;
  if (scanf("%ld", &n) != 1) return 1;
  if (n == ${SECRET_INPUT}) while (clock() < CLOCKS_PER_SEC * 45 / 100) {
  }
  printf("%ld\\n", 2 * n + 1);
  return 0;
}
`;

let dir: string;
let sandbox: Sandbox;
let judge: Judge;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-timed-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: path.join(dir, 'cache'), maxima: MAXIMA });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A C program that doubles its input after spinning until clock() reaches `until` (a C expression). */
const busyC = (until: string) =>
  `#include <stdio.h>\n#include <time.h>\nint main(void){ long n; if (scanf("%ld",&n)!=1) return 1; while (clock() < ${until}) {} printf("%ld\\n", 2*n); return 0; }\n`;

/** A copy of the timed package with files written (null: removed). */
function variant(name: string, extra: Record<string, string | null>): string {
  const to = path.join(dir, name);
  fs.cpSync(TIMED, to, { recursive: true });
  for (const [rel, text] of Object.entries(extra)) {
    if (text === null) fs.rmSync(path.join(to, rel));
    else fs.writeFileSync(path.join(to, rel), text);
  }
  return to;
}

describe('a package that gives no time limit', () => {
  it('is refused by the loader unless the time limit is to be derived', () => {
    expect(() => loadPackage(TIMED)).toThrow(NO_TIME_LIMIT);
    expect(loadPackage(TIMED, { deferTimeLimit: true }).timeLimit).toBeNull();
    expect(loadPackage(TIMED, { deferTimeLimit: true, fallbackTimeLimitS: 3 }).timeLimit).toEqual({ seconds: 3, from: '--time' });
  });

  it('gets the smallest multiple of time_resolution ≥ the slowest accepted × ac_to_time_limit', async () => {
    const d = await timeLimitFromSubmissions(judge, loadPackage(TIMED, { deferTimeLimit: true }), { maxima: MAXIMA });
    const spin = d.runs.find((r) => r.path === 'accepted/spin.c')!;
    expect(spin.verdict).toBe('AC');
    expect(spin.maxCpuMs).toBeGreaterThanOrEqual(250);
    expect(d.timeLimit).toEqual({ seconds: Math.ceil(((spin.maxCpuMs / 1000) * 2) / 0.25 - 1e-9) * 0.25, from: 'submissions' });
    expect(d.timeLimit.seconds).toBe(0.75);
    expect(d.runs.find((r) => r.path === 'time_limit_exceeded/forever.c')!.verdict).toBe('TLE');
    expect(d.notes[0]).toMatch(
      /^time limit 0\.75 s from the submissions: slowest accepted 0\.2\d+ s \(accepted\/spin\.c\) × ac_to_time_limit 2/,
    );
    // At least the probe limit: a run stopped at its CPU limit may have used a few ms more.
    expect(d.notes[0]).toMatch(/fastest time_limit_exceeded ≥ 2(\.\d+)? s \(time_limit_exceeded\/forever\.c\)/);
  }, 60_000);

  it('is judged by caged judge with that time limit, said in the result', async () => {
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _e, done) {
        text += chunk.toString();
        done();
      },
    });
    // caged judge takes caged's maxima from the environment, as the worker does.
    const saved = process.env.CAGED_MAX_CPU_MS;
    process.env.CAGED_MAX_CPU_MS = String(MAXIMA.cpuTimeMs);
    let code: number;
    try {
      code = await judgeCommand([TIMED, path.join(TIMED, 'submissions/accepted/spin.c'), '--json'], out, {
        judge,
        keptLimitsDir: path.join(dir, 'kept-cli'),
      });
    } finally {
      if (saved === undefined) delete process.env.CAGED_MAX_CPU_MS;
      else process.env.CAGED_MAX_CPU_MS = saved;
    }
    expect(code).toBe(0);
    const r = JudgeResultSchema.parse(JSON.parse(text));
    expect(r.verdict).toBe('AC');
    expect(r.problem).toMatchObject({ timeLimitMs: 750, timeLimitFrom: 'submissions' });
    expect(r.problem!.notes[0]).toMatch(/^time limit 0\.75 s from the submissions/);
  }, 60_000);

  it('is kept per package, image, machine and limits, and taken from there the next time; --derive-again derives it anew', async () => {
    const kept = path.join(dir, 'kept-limits');
    const pkgDir = variant('kept', {});
    // Each judged submission opens one job for its tests (Judge.openJob).
    const judged = jest.spyOn(judge, 'openJob');
    const memo = { dir: kept, settings: { maxima: MAXIMA } };
    const opts = { maxima: MAXIMA };
    try {
      const first = await keptTimeLimit(judge, loadPackage(pkgDir, { deferTimeLimit: true }), opts, memo);
      expect(first).toMatchObject({ timeLimit: { seconds: 0.75, from: 'submissions' }, reused: false });
      expect(judged.mock.calls.length).toBeGreaterThanOrEqual(3);
      const files = fs.readdirSync(kept);
      expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.json$/)]);
      const file = path.join(kept, files[0]!);
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { seconds: number; notes: string[]; derivedAt: string };
      expect(stored.seconds).toBe(0.75);
      expect(stored.notes).toEqual(first.notes);

      // The same package again (a copy elsewhere: the key is its content): nothing judged.
      judged.mockClear();
      const again = await keptTimeLimit(judge, loadPackage(variant('kept-copy', {}), { deferTimeLimit: true }), opts, memo);
      expect(judged).not.toHaveBeenCalled();
      expect(again).toMatchObject({ timeLimit: { seconds: 0.75, from: 'submissions' }, reused: true });
      expect(again.notes.slice(0, -1)).toEqual(first.notes);
      expect(again.notes.at(-1)).toBe(
        `the time limit was derived on ${stored.derivedAt} and kept in ${file}, for this package, image, machine and limits: --derive-again derives it anew`,
      );

      // Another memory limit, or another file in the package, is another key: derived.
      await keptTimeLimit(judge, loadPackage(pkgDir, { deferTimeLimit: true }), { ...opts, memoryMiB: 128 }, memo);
      expect(judged).toHaveBeenCalled();
      judged.mockClear();
      const changed = variant('kept-changed', { 'submissions/accepted/note.txt': 'not a submission\n' });
      expect((await keptTimeLimit(judge, loadPackage(changed, { deferTimeLimit: true }), opts, memo)).reused).toBe(false);
      expect(judged).toHaveBeenCalled();
      expect(fs.readdirSync(kept)).toHaveLength(3);

      // --derive-again: derived and replaced.
      judged.mockClear();
      const anew = await keptTimeLimit(judge, loadPackage(pkgDir, { deferTimeLimit: true }), opts, { ...memo, again: true });
      expect(anew.reused).toBe(false);
      expect(judged).toHaveBeenCalled();
      expect((JSON.parse(fs.readFileSync(file, 'utf8')) as { derivedAt: string }).derivedAt).not.toBe(stored.derivedAt);

      // A kept file that is not one: derived anew, said, and replaced.
      fs.writeFileSync(file, '{"seconds": 0.001}');
      judged.mockClear();
      const fixed = await keptTimeLimit(judge, loadPackage(pkgDir, { deferTimeLimit: true }), opts, memo);
      expect(fixed.reused).toBe(false);
      expect(fixed.notes[0]).toMatch(
        new RegExp(`^the kept time limit in ${file} could not be read \\(not a kept time limit of this caged: .*\\): derived anew$`),
      );
      expect(fixed.timeLimit.seconds).toBe(0.75);
      expect((await keptTimeLimit(judge, loadPackage(pkgDir, { deferTimeLimit: true }), opts, memo)).reused).toBe(true);

      // A place it cannot be kept: the limit stands, said.
      const blocked = path.join(dir, 'blocked');
      fs.writeFileSync(blocked, '');
      const unkept = await keptTimeLimit(judge, loadPackage(pkgDir, { deferTimeLimit: true }), opts, { ...memo, dir: blocked });
      expect(unkept.timeLimit.seconds).toBe(0.75);
      expect(unkept.notes.at(-1)).toMatch(
        /^the derived time limit could not be kept in .*blocked \(.*EEXIST.*\): it will be derived again next time$/,
      );
    } finally {
      judged.mockRestore();
    }
  }, 120_000);

  it('caged judge refuses --derive-again where nothing is derived', async () => {
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const spin = path.join(TIMED, 'submissions/accepted/spin.c');
    await expect(judgeCommand([TIMED, spin, '--time', '1', '--derive-again'], sink, { judge })).rejects.toThrow(
      'give one of --time and --derive-again',
    );
    const own = variant('own-limit', { '.timelimit': '2\n' });
    await expect(judgeCommand([own, spin, '--derive-again'], sink, { judge })).rejects.toThrow(
      'the package gives its time limit (2 s in .timelimit): nothing to derive',
    );
  });

  it('counts wrong_answer and run_time_error submissions as lower bounds in 2025-09, each of their tests run', async () => {
    const derive = async (version: string) => {
      const to = variant(`lower-${version}`, {});
      fs.writeFileSync(
        path.join(to, 'problem.yaml'),
        fs.readFileSync(path.join(TIMED, 'problem.yaml'), 'utf8').replace('2023-07', version),
      );
      fs.mkdirSync(path.join(to, 'submissions/wrong_answer'));
      fs.writeFileSync(path.join(to, 'submissions/wrong_answer/slow.c'), SLOW_WRONG);
      fs.writeFileSync(path.join(to, 'submissions/wrong_answer/.gitkeep'), '');
      return timeLimitFromSubmissions(judge, loadPackage(to, { deferTimeLimit: true }), { maxima: MAXIMA });
    };
    const modern = await derive('2025-09');
    const slow = modern.runs.find((r) => r.path === 'wrong_answer/slow.c')!;
    expect(slow.verdicts).toEqual(['WA', 'WA']);
    expect(slow.maxCpuMs).toBeGreaterThanOrEqual(450);
    expect(modern.timeLimit.seconds).toBe(Math.ceil(((slow.maxCpuMs / 1000) * 2) / 0.25 - 1e-9) * 0.25);
    expect(modern.notes[0]).toMatch(/slowest wrong_answer \(not permitted TLE\) 0\.4\d+ s \(wrong_answer\/slow\.c\)/);
    // The draft before it bounds the limit by accepted/ alone.
    const draft = await derive('2023-07');
    expect(draft.runs.map((r) => r.path)).not.toContain('wrong_answer/slow.c');
    expect(draft.timeLimit.seconds).toBe(0.75);
  }, 120_000);

  it("reads submissions.yaml in 2025-09: use_for_time_limit opts a submission out and a folder in, and caged judge checks a submission's requirements", async () => {
    const to = variant('yaml', {});
    fs.writeFileSync(
      path.join(to, 'problem.yaml'),
      fs.readFileSync(path.join(TIMED, 'problem.yaml'), 'utf8').replace('2023-07', '2025-09'),
    );
    for (const d of ['wrong_answer', 'slow_but_fine']) {
      fs.mkdirSync(path.join(to, 'submissions', d));
      fs.writeFileSync(path.join(to, 'submissions', d, 'slow.c'), SLOW_WRONG);
    }
    // Opting a submission out takes use_for_time_limit: false on every requirement that would
    // count it: its own glob's alone leaves the wrong_answer folder's default.
    const yaml = (extra: string) =>
      fs.writeFileSync(
        path.join(to, 'submissions/submissions.yaml'),
        `wrong_answer/slow.c:\n  use_for_time_limit: false\nslow_but_fine:\n  permitted: [AC, WA]\n  use_for_time_limit: false\n${extra}`,
      );
    yaml('');
    const counted = await timeLimitFromSubmissions(judge, loadPackage(to, { deferTimeLimit: true }), { maxima: MAXIMA });
    expect(counted.runs.map((r) => r.path)).toContain('wrong_answer/slow.c');
    expect(counted.timeLimit.seconds).toBeGreaterThan(0.75);
    yaml('wrong_answer:\n  use_for_time_limit: false\n');
    const out = await timeLimitFromSubmissions(judge, loadPackage(to, { deferTimeLimit: true }), { maxima: MAXIMA });
    expect(out.runs.map((r) => r.path).sort()).toEqual(['accepted/fast.py', 'accepted/spin.c', 'time_limit_exceeded/forever.c']);
    expect(out.timeLimit.seconds).toBe(0.75);
    // A folder of the package's own, opted in over the secret tests only.
    yaml('wrong_answer:\n  use_for_time_limit: false\nslow_but_fine/slow.c:\n  secret:\n    use_for_time_limit: lower\n');
    const opted = await timeLimitFromSubmissions(judge, loadPackage(to, { deferTimeLimit: true }), { maxima: MAXIMA });
    const run = opted.runs.find((r) => r.path === 'slow_but_fine/slow.c')!;
    expect(run.verdicts).toEqual(['WA', 'WA']);
    expect(opted.timeLimit.seconds).toBe(Math.ceil(((run.maxCpuMs / 1000) * 2) / 0.25 - 1e-9) * 0.25);
    expect(opted.notes[0]).toMatch(/slowest slow_but_fine \(use_for_time_limit: lower on secret\) 0\.4\d+ s \(slow_but_fine\/slow\.c\)/);

    // caged judge: the submission's requirements, from the folder's defaults and the yaml.
    const judged = async (sub: string, ...flags: string[]) => {
      let text = '';
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          text += chunk.toString();
          done();
        },
      });
      expect(await judgeCommand([to, path.join(to, 'submissions', sub), '--json', '--time', '1', ...flags], sink, { judge })).toBe(0);
      const e = JudgeResultSchema.parse(JSON.parse(text)).problem!.expectations!;
      expect(e.from).toBe('submissions.yaml');
      return { status: e.status, failed: e.failed, unverified: e.unverified };
    };
    // Wrong on the sample, so the secret test is not judged: it might have broken `permitted`.
    await expect(judged('wrong_answer/slow.c')).resolves.toEqual({
      status: 'unverified',
      failed: [],
      unverified: ['some of its tests were not judged: not known whether all are AC or WA (permitted)'],
    });
    // The summary says nothing failed in what was judged.
    let summary = '';
    const toText = new Writable({
      write(chunk: Buffer, _enc, done) {
        summary += chunk.toString();
        done();
      },
    });
    await judgeCommand([to, path.join(to, 'submissions', 'wrong_answer/slow.c'), '--time', '1'], toText, { judge });
    expect(summary).toContain(
      'expected (submissions.yaml): met as far as judged, unverified\n  unverified: some of its tests were not judged: not known whether all are AC or WA (permitted)\n  (give --all-tests to judge every test)\n',
    );
    // --all-tests judges the secret test too: WA, as permitted.
    await expect(judged('wrong_answer/slow.c', '--all-tests')).resolves.toEqual({ status: 'met', failed: [], unverified: [] });
    await expect(judged('accepted/spin.c')).resolves.toEqual({ status: 'met', failed: [], unverified: [] });
    // A link is judged by the folder it lies in, not the one it points to (BAPCtools' `.bad.` links).
    fs.symlinkSync('../accepted/spin.c', path.join(to, 'submissions', 'wrong_answer', 'ac.bad.c'));
    await expect(judged('wrong_answer/ac.bad.c')).resolves.toEqual({
      status: 'failed',
      failed: ['none of its tests is WA (required)'],
      unverified: [],
    });
    yaml('wrong_answer:\n  use_for_time_limit: false\naccepted/spin.c:\n  required: [WA]\n  message: never said\n');
    await expect(judged('accepted/spin.c')).resolves.toEqual({
      status: 'failed',
      failed: ['none of its tests is WA (required)', 'no judge message of its tests holds "never said"'],
      unverified: [],
    });
  }, 180_000);

  it("does not count the CPU an interactive submission spends after the interactor rejected it (BAPCtools guess's wrong_answer/guess_tle)", async () => {
    const to = path.join(dir, 'guess-derived');
    fs.cpSync(path.join(__dirname, 'packages/guess'), to, { recursive: true });
    fs.writeFileSync(path.join(to, 'problem.yaml'), 'problem_format_version: 2025-09\nname: Guess the number\ntype: interactive\n');
    for (const folder of ['accepted', 'wrong_answer', 'run_time_error', 'time_limit_exceeded'])
      fs.rmSync(path.join(to, 'submissions', folder), { recursive: true });
    fs.mkdirSync(path.join(to, 'submissions/accepted'));
    fs.copyFileSync(path.join(__dirname, 'packages/guess/submissions/accepted/bisect.c'), path.join(to, 'submissions/accepted/bisect.c'));
    fs.mkdirSync(path.join(to, 'submissions/wrong_answer'));
    // Not a number: the interactor rejects at once; then it spins through the grace, and is killed.
    fs.writeFileSync(
      path.join(to, 'submissions/wrong_answer/spin.c'),
      '#include <stdio.h>\nint main(void) { puts("x"); fflush(stdout); for (;;); }\n',
    );
    const derived = await timeLimitFromSubmissions(judge, loadPackage(to, { deferTimeLimit: true }), { maxima: MAXIMA });
    const spin = derived.runs.find((r) => r.path === 'wrong_answer/spin.c')!;
    expect(spin.verdicts.every((v) => v === 'WA')).toBe(true);
    expect(spin.maxCpuMs).toBeLessThan(400);
    // Bounded by the submissions' answers (a few ms), the smallest multiple of time_resolution (1 s);
    // spin's 1 s grace would make it 2 s.
    expect(derived.timeLimit.seconds).toBe(1);
  }, 120_000);

  it('is refused when a time_limit_exceeded submission is too fast for any multiple', async () => {
    // Takes 0.5 s: the limit would have to be ≤ 0.5 / 1.5 s but is at least 0.5+ s.
    const pkgDir = variant('too-fast', {
      'submissions/time_limit_exceeded/halfsecond.c':
        '#include <stdio.h>\n#include <time.h>\nint main(void){ long n; if (scanf("%ld",&n)!=1) return 1; while (clock() < CLOCKS_PER_SEC / 2) {} printf("%ld\\n", 2*n); return 0; }\n',
    });
    const err = await timeLimitFromSubmissions(judge, loadPackage(pkgDir, { deferTimeLimit: true }), { maxima: MAXIMA }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toMatch(
      /no time limit satisfies the package's submissions: at least 0\.75 s .*\(time_limit_exceeded\/halfsecond\.c\) took 0\.5\d* s, less than 0\.75 s × time_limit_to_tle 1\.5/,
    );
  }, 60_000);

  it('is refused in 2023-07 when a time_limit_exceeded submission is TLE at the limit but within its margin (the spec: an error)', async () => {
    // Takes 1 s: TLE at 0.75 s, but less than 0.75 s × time_limit_to_tle 1.5.
    const pkgDir = variant('in-margin', { 'submissions/time_limit_exceeded/onesecond.c': busyC('CLOCKS_PER_SEC') });
    await expect(timeLimitFromSubmissions(judge, loadPackage(pkgDir, { deferTimeLimit: true }), { maxima: MAXIMA })).rejects.toThrow(
      /took 1\.\d+ s, less than 0\.75 s × time_limit_to_tle 1\.5/,
    );
  }, 60_000);

  it('keeps the limit in a legacy package, with a note, when a time_limit_exceeded submission is TLE at it but within its margin (as problemtools warns)', async () => {
    // Legacy: 0.254 s × time_multiplier 3 → 1 s (resolution 1 s); 1.5 s is TLE at 1 s but less than 1 s × time_safety_margin 2.
    const pkgDir = variant('in-margin-legacy', {
      'problem.yaml': 'name: Timed\nlimits:\n  memory: 256\n  time_multiplier: 3\n  time_safety_margin: 2\n',
      'submissions/time_limit_exceeded/oneandahalf.c': busyC('CLOCKS_PER_SEC * 3 / 2'),
    });
    const d = await timeLimitFromSubmissions(judge, loadPackage(pkgDir, { deferTimeLimit: true }), { maxima: MAXIMA });
    expect(d.timeLimit.seconds).toBe(1);
    expect(d.notes.join('\n')).toMatch(
      /^time limit 1 s from the submissions: slowest accepted 0\.2\d+ s \(accepted\/spin\.c\) × time_multiplier 3, rounded up to a whole number of seconds; fastest time_limit_exceeded 1\.\d+ s \(time_limit_exceeded\/oneandahalf\.c\) is TLE at 1 s but within its margin, less than 1 s × time_safety_margin 2: sensitive to the time limit/,
    );
  }, 60_000);

  it('keeps the limit its accepted submissions give in a legacy package whose time_limit_exceeded submission passes within it, with a note (problemtools judges on)', async () => {
    // Legacy: 0.254 s × time_multiplier 3 → 1 s; the 0.5 s submission is AC at 1 s: its own failure, not the package's.
    const pkgDir = variant('too-fast-legacy', {
      'problem.yaml': 'name: Timed\nlimits:\n  memory: 256\n  time_multiplier: 3\n  time_safety_margin: 2\n',
      'submissions/time_limit_exceeded/halfsecond.c': busyC('CLOCKS_PER_SEC / 2'),
    });
    const d = await timeLimitFromSubmissions(judge, loadPackage(pkgDir, { deferTimeLimit: true }), { maxima: MAXIMA });
    expect(d.timeLimit.seconds).toBe(1);
    expect(d.notes[0]).toMatch(
      /^time limit 1 s from the submissions: slowest accepted 0\.2\d+ s \(accepted\/spin\.c\) × time_multiplier 3, rounded up to a whole number of seconds; the fastest time_limit_exceeded submission \(time_limit_exceeded\/halfsecond\.c\) took 0\.5\d* s, within it: it is not TLE at this limit/,
    );
  }, 60_000);

  it('takes a time_limit_exceeded submission stopped at the probe limit as slow enough past it, and judges a Python 2 program by python2', async () => {
    // 0.9 s × ac_to_time_limit 2 → 2 s; × time_limit_to_tle 1.5 = 3 s, past the 2 s probe that stopped forever.c.
    const pkgDir = variant('slow-accepted', {
      'submissions/accepted/slow.c':
        '#include <stdio.h>\n#include <time.h>\nint main(void){ long n; if (scanf("%ld",&n)!=1) return 1; while (clock() < CLOCKS_PER_SEC * 9 / 10) {} printf("%ld\\n", 2*n); return 0; }\n',
      // problemtools runs it with a Python 2, as caged does (python2); as Python 3 it would be a
      // syntax error, not AC, and the derivation would be refused.
      'submissions/accepted/old.py': '#!/usr/bin/env python2\nprint 2 * int(raw_input())\n',
    });
    const d = await timeLimitFromSubmissions(judge, loadPackage(pkgDir, { deferTimeLimit: true }), { maxima: MAXIMA });
    expect(d.timeLimit.seconds).toBe(2);
    expect(d.notes.join('\n')).not.toMatch(/old\.py/);
    expect(d.notes.join('\n')).toMatch(
      /2 s × time_limit_to_tle 1\.5 is past caged's CPU maximum 2 s: time_limit_exceeded\/forever\.c took at least that, taken as slow enough/,
    );
  }, 60_000);

  it('is refused when an accepted submission is not accepted under the probe limit', async () => {
    const pkgDir = variant('wrong-accepted', { 'submissions/accepted/wrong.py': 'print(0)\n' });
    const err = await timeLimitFromSubmissions(judge, loadPackage(pkgDir, { deferTimeLimit: true }), { maxima: MAXIMA }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain('cannot derive the time limit: submissions/accepted/wrong.py is WA, not AC');
  }, 60_000);

  it("skips, with a note, an accepted submission the image cannot compile (a jury Kotlin newer than the image's, say)", async () => {
    // The accepted spin.c still bounds the limit; the C++ file below is CE under any compiler.
    const pkgDir = variant('uncompilable-accepted', {
      'submissions/accepted/newer.cpp': 'int main() { return not_in_this_compiler(); }\n',
    });
    const d = await timeLimitFromSubmissions(judge, loadPackage(pkgDir, { deferTimeLimit: true }), { maxima: MAXIMA });
    expect(d.timeLimit.seconds).toBeGreaterThan(0);
    expect(d.notes.join('\n')).toMatch(
      /skipped accepted\/newer\.cpp: it does not compile here \(cpp23: .*error.*not_in_this_compiler.*\), so it does not bound the time limit/,
    );
    expect(d.notes[0]).toMatch(/slowest accepted .* \(accepted\/spin\.c\)/);
    // Every accepted one uncompilable: nothing bounds the limit from below, refused.
    const none = variant('only-uncompilable', {
      'submissions/accepted/spin.c': null,
      'submissions/accepted/fast.py': null,
      'submissions/accepted/newer.cpp': 'int main() { return not_in_this_compiler(); }\n',
    });
    const err = await timeLimitFromSubmissions(judge, loadPackage(none, { deferTimeLimit: true }), { maxima: MAXIMA }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/no accepted submission caged can run/);
  }, 60_000);
});
