/**
 * `caged grade --local`: the batch judged in the command's own process (real sandbox, image and
 * compilers; no Redis), two at a time, results kept in --state so that a second run judges
 * nothing and --rejudge judges all again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv, runGrade } from './helpers/grade';

jest.setTimeout(180_000);

describe('when caged grade judges locally', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-grade-local-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('judges in process, keeps the results, and reuses them on the next run', async () => {
    const tests = path.join(dir, 'tests');
    fs.mkdirSync(tests);
    fs.writeFileSync(path.join(tests, 'a.in'), '1 2\n');
    fs.writeFileSync(path.join(tests, 'a.out'), '3\n');
    fs.writeFileSync(path.join(tests, 'b.in'), '5 7\n');
    fs.writeFileSync(path.join(tests, 'b.out'), '12\n');
    const subs = path.join(dir, 'subs');
    fs.mkdirSync(subs);
    fs.writeFileSync(path.join(subs, 'ok.py'), 'a, b = map(int, input().split())\nprint(a + b)\n');
    fs.writeFileSync(path.join(subs, 'wa.c'), '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a*b);}\n');
    fs.writeFileSync(path.join(subs, 'spin.c'), 'int main(void){for(;;);}\n');
    fs.writeFileSync(path.join(subs, 'readme.md'), '# not a program\n');
    // A team's directory whose one Python file is not main.py: it is the entry, as for caged judge.
    fs.mkdirSync(path.join(subs, 'team'));
    fs.writeFileSync(path.join(subs, 'team', 'sum.py'), 'print(sum(map(int, input().split())))\n');
    fs.writeFileSync(path.join(subs, 'team', 'notes.txt'), 'adds the two numbers\n');
    // A `.pl` file with a rule is Prolog, as problemtools and caged judge read it, not Perl.
    fs.writeFileSync(
      path.join(subs, 'sum.pl'),
      [
        'main :- read_line_to_string(user_input, L), split_string(L, " ", " ", [A, B]),',
        '    number_string(X, A), number_string(Y, B), Z is X + Y, write(Z), nl.',
        '',
      ].join('\n'),
    );
    const state = path.join(dir, 'state');
    const csv = path.join(dir, 'r.csv');
    // No CAGED_QUEUE, no Redis needed: a queue name that exists nowhere proves nothing is enqueued.
    const args = [tests, subs, '--local', '--concurrency', '2', '--time', '0.3', '--state', state, '--out', csv];

    const first = await runGrade('caged-grade-local-unused', args);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toContain('graded 6 submissions');
    expect(first.stdout).toContain('(judged 5, reused 0)');
    const rows = parseCsv(fs.readFileSync(csv, 'utf8'));
    expect(rows[0]!.slice(9)).toEqual(['a', 'b']);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2], r[9], r[10]])).toEqual([
      ['ok.py', 'python3', 'AC', 'AC', 'AC'],
      ['readme.md', '', 'REFUSED', '', ''],
      ['spin.c', 'c', 'TLE', 'TLE', 'TLE'],
      ['sum.pl', 'prolog', 'AC', 'AC', 'AC'],
      ['team', 'python3', 'AC', 'AC', 'AC'],
      ['wa.c', 'c', 'WA', 'WA', 'WA'],
    ]);
    expect(rows[2]![8]).toMatch(/^unknown extension "\.md"/);
    expect(fs.readdirSync(state).filter((f) => f.endsWith('.json'))).toHaveLength(5);

    const second = await runGrade('caged-grade-local-unused', args);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('(judged 0, reused 5)');

    const third = await runGrade('caged-grade-local-unused', [...args, '--rejudge']);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('(judged 5, reused 0)');

    // Results kept under other maxima (or another image) are not this judge's: judged again, then kept.
    const otherMaxima = await runGrade('caged-grade-local-unused', args, { CAGED_MAX_MEMORY_MB: '768' });
    expect(otherMaxima.code).toBe(0);
    expect(otherMaxima.stdout).toContain('(judged 5, reused 0)');
    const again = await runGrade('caged-grade-local-unused', args, { CAGED_MAX_MEMORY_MB: '768' });
    expect(again.stdout).toContain('(judged 0, reused 5)');
    // So are those kept under other compile limits (the operator's CAGED_COMPILE_*).
    const otherCompile = await runGrade('caged-grade-local-unused', args, { CAGED_MAX_MEMORY_MB: '768', CAGED_COMPILE_CPU_MS: '9000' });
    expect(otherCompile.code).toBe(0);
    expect(otherCompile.stdout).toContain('(judged 5, reused 0)');
  });

  it("reads a package's own submissions as caged judge does: submissions.yaml's entry, the constants, links within the package; refuses a language outside the problem's and a submission over its code limit", async () => {
    const pkg = path.join(dir, 'modern');
    fs.cpSync(path.join(__dirname, 'packages', 'modern'), pkg, { recursive: true });
    const subs = path.join(pkg, 'submissions');
    // Two Python files: the first by name would be the entry, submissions.yaml names the other.
    fs.mkdirSync(path.join(subs, 'accepted', 'team'));
    fs.writeFileSync(path.join(subs, 'accepted', 'team', 'aaa.py'), 'print(0)\n');
    fs.writeFileSync(path.join(subs, 'accepted', 'team', 'solve.py'), 'import helper\n\nprint(int(input()) + helper.K)\n');
    fs.writeFileSync(path.join(subs, 'submissions.yaml'), 'accepted/team:\n  language: python3\n  entrypoint: solve.py\n');
    // {{k}} is the package's constant (7).
    fs.writeFileSync(path.join(subs, 'accepted', 'const.py'), 'print(int(input()) + {{k}})\n');
    // BAPCtools links one folder's submission to another's: judged as what it points to.
    fs.symlinkSync('../accepted/add.py', path.join(subs, 'wrong_answer', 'link.py'));
    // A link given from outside the package stays refused (a student's link could name any file).
    fs.symlinkSync(path.join(subs, 'accepted', 'add.py'), path.join(dir, 'loose.py'));
    // Ruby is not one of the problem's languages (python3, c): refused before any job, as the worker would.
    fs.writeFileSync(path.join(dir, 'add.rb'), 'puts STDIN.gets.to_i + 7\n');
    // Over the package's code limit (128 KiB by default), though the jury's own: refused, as the worker would.
    const big = `${'#'.repeat(129 * 1024)}\nprint(int(input()) + 7)\n`;
    fs.writeFileSync(path.join(subs, 'accepted', 'big.py'), big);
    const json = path.join(dir, 'r.json');
    const picked = [
      ...['accepted/team', 'accepted/const.py', 'wrong_answer/link.py'].map((p) => path.join(subs, p)),
      path.join(dir, 'loose.py'),
      path.join(dir, 'add.rb'),
      path.join(subs, 'accepted', 'big.py'),
    ];
    const r = await runGrade('caged-grade-local-unused', [pkg, ...picked, '--local', '--state', path.join(dir, 'state'), '--out', json]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      rows: Array<{ name: string; language: string | null; verdict: string; message: string }>;
    };
    // The package's own Python runs with PyPy, as the package tools run it (juryLanguages).
    expect(report.rows.map((row) => [row.name, row.language, row.verdict])).toEqual([
      ['team', 'pypy3', 'AC'],
      ['const.py', 'pypy3', 'AC'],
      ['link.py', 'pypy3', 'AC'],
      ['loose.py', null, 'REFUSED'],
      ['add.rb', 'ruby', 'REFUSED'],
      ['big.py', 'pypy3', 'REFUSED'],
    ]);
    expect(report.rows[3]!.message).toBe('is a symbolic link (give the file itself)');
    expect(report.rows[4]!.message).toBe("is in ruby (the format's ruby), not one of the problem's languages (python3, c)");
    expect(report.rows[5]!.message).toBe(`is ${Buffer.byteLength(big)} bytes, more than the package's code limit of 131072`);
  });

  it("checks the package's own rows against what the package expects of them, as caged judge does, and says which failed", async () => {
    const sum = path.join(dir, 'sum');
    fs.cpSync(path.join(__dirname, 'packages', 'sum'), sum, { recursive: true });
    const subs = path.join(sum, 'submissions');
    // Wrong on every test, annotated by DOMjudge's rule as too slow: failed.
    fs.writeFileSync(path.join(subs, 'wrong_answer', 'said-slow.py'), '# @EXPECTED_RESULTS@: TIMELIMIT\nprint(0)\n');
    // A contestant's copy of it: nothing is expected of it.
    fs.copyFileSync(path.join(subs, 'wrong_answer', 'said-slow.py'), path.join(dir, 'contestant.py'));
    const picked = [
      ...['accepted/sum.c', 'run_time_error/raise.py', 'wrong_answer/said-slow.py', 'wrong_answer/overflow.c'].map((p) =>
        path.join(subs, p),
      ),
      path.join(dir, 'contestant.py'),
    ];
    const json = path.join(dir, 'r.json');
    const r = await runGrade('caged-grade-local-unused', [sum, ...picked, '--local', '--state', path.join(dir, 'state'), '--out', json]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain(
      [
        "expected of the package's own: 2 met, 1 failed, 1 unverified",
        "  failed: said-slow.py: it names TIMELIMIT, which does not hold its folder's WRONG-ANSWER; it is WRONG-ANSWER, not TIMELIMIT (@EXPECTED_RESULTS@ in said-slow.py)",
        // overflow.c is WA on secret/02-large; secret/03-negative, skipped after it, might have been TLE.
        '  (unverified: tests skipped after a rejection could still break a requirement; --all-tests judges them)',
      ].join('\n'),
    );
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      rows: Array<{ name: string; verdict: string; result: { problem?: { expectations?: { status: string; from: string } } } | null }>;
    };
    expect(report.rows.map((row) => [row.name, row.verdict, row.result?.problem?.expectations?.status ?? null])).toEqual([
      ['sum.c', 'AC', 'met'],
      ['raise.py', 'RE', 'met'],
      ['said-slow.py', 'WA', 'failed'],
      ['overflow.c', 'WA', 'unverified'],
      ['contestant.py', 'WA', null],
    ]);
    expect(report.rows[0]!.result!.problem!.expectations!.from).toBe('folder accepted');
    // Reused from --state on the next run, and checked again.
    const again = await runGrade('caged-grade-local-unused', [sum, ...picked, '--local', '--state', path.join(dir, 'state'), '--json']);
    expect(again.code).toBe(0);
    const done = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; reused?: number; expectations?: unknown })
      .find((e) => e.event === 'done')!;
    expect(done).toMatchObject({ reused: 5, expectations: { met: 2, failed: 1, unverified: 1, unchecked: 0 } });
    // --all-tests judges the tests a rejection skipped: overflow.c's secret/03-negative (-3, right) settles it.
    const all = await runGrade('caged-grade-local-unused', [
      sum,
      ...picked,
      '--local',
      '--state',
      path.join(dir, 'state'),
      '--all-tests',
      '--out',
      json,
      '--out',
      path.join(dir, 'r.csv'),
    ]);
    expect({ code: all.code, stderr: all.stderr }).toEqual({ code: 0, stderr: '' });
    expect(all.stdout).toMatch(/\(judged 5, reused 0\)/);
    expect(all.stdout).toContain("expected of the package's own: 3 met, 1 failed, 0 unverified\n");
    expect(all.stdout).not.toContain('(unverified:');
    const every = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      rows: Array<{
        name: string;
        verdict: string;
        result: { tests: Array<{ verdict: string }>; problem?: { expectations?: { status: string } } } | null;
      }>;
    };
    const overflow = every.rows.find((row) => row.name === 'overflow.c')!;
    expect([overflow.verdict, overflow.result!.problem!.expectations!.status]).toEqual(['WA', 'met']);
    expect(overflow.result!.tests.map((t) => t.verdict)).not.toContain('SKIPPED');
    // The CSV's expected column: each own row's check, empty for the contestant's.
    const csv = parseCsv(fs.readFileSync(path.join(dir, 'r.csv'), 'utf8'));
    const col = csv[0]!.indexOf('expected');
    expect(csv.slice(1).map((row) => [row[0], row[col]])).toEqual([
      ['sum.c', 'met'],
      ['raise.py', 'met'],
      ['said-slow.py', "failed: it names TIMELIMIT, which does not hold its folder's WRONG-ANSWER; it is WRONG-ANSWER, not TIMELIMIT"],
      ['overflow.c', 'met'],
      ['contestant.py', ''],
    ]);
    // A directory of tests runs every test anyway: the flag is refused there.
    const tests = path.join(dir, 'tests');
    fs.mkdirSync(tests);
    fs.writeFileSync(path.join(tests, '1.in'), '1 2\n');
    fs.writeFileSync(path.join(tests, '1.ans'), '3\n');
    const refused = await runGrade('caged-grade-local-unused', [tests, path.join(dir, 'contestant.py'), '--local', '--all-tests']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--all-tests: is for a problem package (a directory of tests runs every test)');
  });

  it("judges every test of a Polygon package's own solutions, as Polygon's invocations run them; a contestant's stops at its first rejection", async () => {
    const polygon = path.join(__dirname, 'packages', 'polygon-sum');
    fs.copyFileSync(path.join(polygon, 'solutions', 'wrong.cpp'), path.join(dir, 'contestant.cpp'));
    const json = path.join(dir, 'polygon.json');
    const args = [polygon, path.join(polygon, 'solutions', 'wrong.cpp'), path.join(dir, 'contestant.cpp')];
    const r = await runGrade('caged-grade-local-unused', [...args, '--local', '--state', path.join(dir, 'state'), '--out', json]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain("expected of the package's own: 1 met, 0 failed, 0 unverified");
    const rows = (JSON.parse(fs.readFileSync(json, 'utf8')) as { rows: Array<{ result: { tests: Array<{ verdict: string }> } }> }).rows;
    expect(rows.map((row) => row.result.tests.map((t) => t.verdict))).toEqual([
      ['AC', 'AC', 'WA', 'AC'],
      ['AC', 'AC', 'WA', 'SKIPPED'],
    ]);
  }, 120_000);

  it('derives the time limit of a package that gives none once for the batch, as caged judge does', async () => {
    const timed = path.join(__dirname, 'packages', 'timed');
    const subs = path.join(dir, 'subs');
    fs.mkdirSync(subs);
    fs.copyFileSync(path.join(timed, 'submissions', 'accepted', 'fast.py'), path.join(subs, 'fast.py'));
    // A second of CPU per test: over the derived 0.75 s.
    fs.writeFileSync(
      path.join(subs, 'slow.c'),
      '#include <stdio.h>\n#include <time.h>\nint main(void){int n;scanf("%d",&n);while(clock()<CLOCKS_PER_SEC);printf("%d\\n",2*n);}\n',
    );
    const json = path.join(dir, 'r.json');
    const args = [timed, subs, '--local', '--state', path.join(dir, 'state'), '--out', json];
    const r = await runGrade('caged-grade-local-unused', args);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^caged: note: time limit 0\.75 s from the submissions: slowest accepted/m);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      rows: Array<{ name: string; verdict: string; result?: { problem?: unknown } }>;
    };
    const byFile = Object.fromEntries(report.rows.map((row) => [row.name, row]));
    expect(byFile['fast.py']).toMatchObject({ verdict: 'AC', result: { problem: { timeLimitMs: 750, timeLimitFrom: 'submissions' } } });
    expect(byFile['slow.c']!.verdict).toBe('TLE');
    // Another limit is another problem for the kept results: judged again under --time 2, then reused.
    const timed2 = [...args.slice(0, -2), '--time', '2'];
    const again = await runGrade('caged-grade-local-unused', timed2);
    expect({ code: again.code, judged: again.stdout.match(/\(judged \d+, reused \d+\)/)?.[0] }).toEqual({
      code: 0,
      judged: '(judged 2, reused 0)',
    });
    expect((await runGrade('caged-grade-local-unused', timed2)).stdout).toContain('(judged 0, reused 2)');
    expect((await runGrade('caged-grade-local-unused', args)).stdout).toContain('(judged 0, reused 2)'); // derived again, the same 0.75 s
    // So is another memory limit (--memory overrides problem.yaml's).
    expect((await runGrade('caged-grade-local-unused', [...timed2, '--memory', '128'])).stdout).toContain('(judged 2, reused 0)');
    expect((await runGrade('caged-grade-local-unused', [...timed2, '--memory', '128'])).stdout).toContain('(judged 0, reused 2)');
    expect((await runGrade('caged-grade-local-unused', [timed, subs, '--local', '--derive-time'])).stderr).toMatch(
      /--derive-time goes without --local/,
    );
  });
});
