/**
 * `caged grade` end to end: the compiled CLI, two `caged worker` processes on a fresh queue in
 * the real Redis, a problem package pushed by the command, real containers and compilers.
 * 60 submissions in four languages (c, cpp17 by `--lang-of .cpp=cpp17`, cpp23 for `.cc` as for every C++ file against a package, python3) with
 * AC, WA, TLE, RE and CE mixed, plus bad input; every row of the CSV and of the JSON is checked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { REDIS_URL, ROOT, WorkerProcess, freshQueueName } from './helpers/queue';
import { obliterateBoth, parseCsv, runGrade } from './helpers/grade';

jest.setTimeout(400_000);

type Verdict = 'AC' | 'WA' | 'TLE' | 'RE' | 'CE';

/** One program per language and verdict; `%N%` makes each submission's content its own. */
const PROGRAMS: Record<string, { ext: string; language: string; code: Partial<Record<Verdict, string>> }> = {
  c: {
    ext: '.c',
    language: 'c',
    code: {
      AC: '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;} /* %N% */\n',
      WA: '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a-b);return 0;} /* %N% */\n',
      TLE: '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);volatile unsigned long x=0;if(a>3)for(;;)x++;printf("%lld\\n",a+b);} /* %N% */\n',
      RE: '#include <stdlib.h>\nint main(void){abort();} /* %N% */\n',
      CE: 'int main(void){ return missing; } /* %N% */\n',
    },
  },
  cpp17: {
    ext: '.cpp',
    language: 'cpp17',
    code: {
      AC: '#include <cstdio>\nint main(){long long a,b;std::scanf("%lld %lld",&a,&b);std::printf("%lld\\n",a+b);} // %N%\n',
      WA: '#include <cstdio>\nint main(){long long a,b;std::scanf("%lld %lld",&a,&b);std::printf("%lld\\n",a+b+1);} // %N%\n',
      TLE: '#include <cstdio>\nint main(){long long a,b;std::scanf("%lld %lld",&a,&b);volatile unsigned long x=0;if(a>3)for(;;)x++;std::printf("%lld\\n",a+b);} // %N%\n',
      RE: '#include <cstdio>\nint main(){volatile int*p=nullptr;*p=1;} // %N%\n',
      CE: 'int main(){ undeclared(); } // %N%\n',
    },
  },
  // std::cmp_less is C++20: compiled as C++17 this AC would be CE.
  cpp23: {
    ext: '.cc',
    language: 'cpp23',
    code: {
      AC: '#include <cstdio>\n#include <utility>\nint main(){long long a,b;std::scanf("%lld %lld",&a,&b);if(std::cmp_less(a,a+1))std::printf("%lld\\n",a+b);} // %N%\n',
      WA: '#include <cstdio>\n#include <utility>\nint main(){long long a,b;std::scanf("%lld %lld",&a,&b);std::printf("%lld\\n",std::cmp_less(a,b)?a:b);} // %N%\n',
      RE: '#include <cstdlib>\nint main(){std::exit(3);} // %N%\n',
      CE: 'int main(){ return nope; } // %N%\n',
    },
  },
  python3: {
    ext: '.py',
    language: 'python3',
    code: {
      AC: 'a, b = map(int, input().split())\nprint(a + b)  # %N%\n',
      WA: 'a, b = map(int, input().split())\nprint(a * b)  # %N%\n',
      TLE: 'a, b = map(int, input().split())\nwhile a > 3:\n    pass\nprint(a + b)  # %N%\n',
      RE: 'raise SystemExit(1)  # %N%\n',
    },
  },
};

/** 60 submissions: [language key, verdict, count]. */
const MIX: Array<[string, Verdict, number]> = [
  ['c', 'AC', 5],
  ['c', 'WA', 3],
  ['c', 'TLE', 2],
  ['c', 'RE', 3],
  ['c', 'CE', 2],
  ['cpp17', 'AC', 5],
  ['cpp17', 'WA', 3],
  ['cpp17', 'TLE', 1],
  ['cpp17', 'RE', 3],
  ['cpp17', 'CE', 3],
  ['cpp23', 'AC', 6],
  ['cpp23', 'WA', 4],
  ['cpp23', 'RE', 3],
  ['cpp23', 'CE', 2],
  ['python3', 'AC', 6],
  ['python3', 'WA', 4],
  ['python3', 'TLE', 1],
  ['python3', 'RE', 4],
];

interface Expected {
  name: string;
  language: string | null;
  verdict: string;
}

describe('when caged grade judges a class through two workers', () => {
  let dir: string;
  let queue: string;
  let workers: WorkerProcess[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-grade-'));
    queue = freshQueueName();
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await obliterateBoth(queue);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports every submission in the CSV and the JSON, with each worker taking part', async () => {
    // The sum package with a 0.3 s time limit (two of its four tests make the TLE programs spin).
    const pkg = path.join(dir, 'sum');
    fs.cpSync(path.join(ROOT, 'test', 'packages', 'sum'), pkg, { recursive: true, filter: (src) => !src.includes('submissions') });
    fs.writeFileSync(path.join(pkg, '.timelimit'), '0.3\n');
    const subs = path.join(dir, 'class');
    fs.mkdirSync(subs);
    const expected: Expected[] = [];
    let n = 0;
    for (const [lang, verdict, count] of MIX) {
      const p = PROGRAMS[lang]!;
      for (let i = 0; i < count; i++) {
        const name = `s${String(++n).padStart(2, '0')}-${lang}-${verdict}${p.ext}`;
        fs.writeFileSync(path.join(subs, name), p.code[verdict]!.replace('%N%', `student ${n}`));
        expected.push({ name, language: p.language, verdict });
      }
    }
    expect(n).toBe(60);
    // A team's directory (two files), and bad input: each its own row, none stops the batch.
    fs.mkdirSync(path.join(subs, 'team-x'));
    fs.writeFileSync(
      path.join(subs, 'team-x', 'main.c'),
      '#include <stdio.h>\n#include "add.h"\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",ADD(a,b));}\n',
    );
    fs.writeFileSync(path.join(subs, 'team-x', 'add.h'), '#define ADD(a,b) ((a)+(b))\n');
    expected.push({ name: 'team-x', language: 'c', verdict: 'AC' });
    fs.mkdirSync(path.join(subs, 'u-empty'));
    fs.writeFileSync(path.join(subs, 'u-notes.txt'), 'not a program\n');
    fs.writeFileSync(path.join(subs, 'u-huge.c'), `/* ${'x'.repeat(300 * 1024)} */ int main(void){return 0;}\n`);
    execFileSync('mkfifo', [path.join(subs, 'u-pipe.c')]);
    fs.symlinkSync('/etc/passwd', path.join(subs, 'u-link.c'));
    const refused: Record<string, RegExp> = {
      'u-empty': /no files/,
      'u-notes.txt': /unknown extension "\.txt"/,
      'u-huge.c': /more than the 262144 allowed/,
      'u-pipe.c': /neither a file nor a directory/,
      'u-link.c': /symbolic link/,
    };
    for (const name of Object.keys(refused)) expected.push({ name, language: null, verdict: 'REFUSED' });
    expected.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));

    workers = ['grade-a', 'grade-b'].map((name) => new WorkerProcess(name, { CAGED_QUEUE: queue, CAGED_CONCURRENCY: '2' }));
    await Promise.all(workers.map((w) => w.ready()));

    const csvFile = path.join(dir, 'report.csv');
    const jsonFile = path.join(dir, 'report.json');
    const htmlFile = path.join(dir, 'report.html');
    const run = await runGrade(queue, [pkg, subs, '--lang-of', '.cpp=cpp17', '--out', csvFile, '--out', jsonFile, '--out', htmlFile]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    // One progress line per submission, then the summary.
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => /^\d+\/66 /.test(l))).toHaveLength(66);
    expect(lines.at(-4)).toMatch(/^graded 66 submissions in [\d.]+ s: .* \(judged 61, reused 0\)$/);

    // The JSON: every row, in name order, with its full result.
    const report = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as {
      rows: Array<{
        name: string;
        language: string | null;
        verdict: string;
        worker: string | null;
        message: string;
        tests: Array<{ verdict: string }>;
        result: { verdict: string; tests: unknown[]; language: { id: string } } | null;
      }>;
      counts: Record<string, number>;
    };
    expect(report.rows.map((r) => ({ name: r.name, language: r.language, verdict: r.verdict }))).toEqual(expected);
    const workersSeen = new Set<string>();
    for (const row of report.rows) {
      if (row.verdict === 'REFUSED') {
        expect(row.message).toMatch(refused[row.name]!);
        expect(row.result).toBeNull();
        continue;
      }
      expect(row.result).not.toBeNull();
      expect(row.result!.verdict).toBe(row.verdict);
      expect(row.result!.language.id).toBe(row.language);
      expect(row.tests).toHaveLength(row.result!.tests.length);
      expect(row.tests).toHaveLength(4);
      if (row.verdict === 'CE') expect(row.tests.map((t) => t.verdict)).toEqual(['SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
      expect(['grade-a', 'grade-b']).toContain(row.worker);
      workersSeen.add(row.worker!);
    }
    expect([...workersSeen].sort()).toEqual(['grade-a', 'grade-b']);
    expect(report.counts).toEqual({ AC: 23, WA: 14, TLE: 4, RE: 13, CE: 7, REFUSED: 5 });
    // Each judged submission was judged once, by the worker its row names (the workers' own logs).
    const judgedBy = new Map<string, string>();
    for (const w of workers) for (const id of w.completedJobs()) judgedBy.set(id, w.name);
    expect(workers[0]!.completedJobs().length + workers[1]!.completedJobs().length).toBe(61);
    const jobOf = new Map(
      (JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { rows: Array<{ name: string; jobId: string | null }> }).rows.map((r) => [
        r.name,
        r.jobId,
      ]),
    );
    for (const row of report.rows) if (row.verdict !== 'REFUSED') expect(judgedBy.get(jobOf.get(row.name)!)).toBe(row.worker);

    // The CSV: the same rows, the fixed columns then one per test.
    const csv = parseCsv(fs.readFileSync(csvFile, 'utf8'));
    const [header, ...rows] = csv;
    expect(header!.slice(0, 9)).toEqual([
      'name',
      'language',
      'verdict',
      'score',
      'max_score',
      'time_ms',
      'memory_bytes',
      'worker',
      'message',
    ]);
    expect(header!.slice(9)).toHaveLength(4);
    expect(rows).toHaveLength(66);
    rows.forEach((cells, i) => {
      const json = report.rows[i]!;
      expect(cells).toHaveLength(13);
      expect(cells.slice(0, 3)).toEqual([json.name, json.language ?? '', json.verdict]);
      expect(cells[7]).toBe(json.worker ?? '');
      if (json.verdict === 'REFUSED') {
        expect(cells.slice(3)).toEqual(['', '', '', '', '', json.message, '', '', '', '']);
      } else if (json.verdict === 'CE') {
        expect(cells.slice(5, 7)).toEqual(['', '']);
        expect(cells.slice(9)).toEqual(['SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
      } else {
        expect(cells.slice(9)).toEqual(json.tests.map((t) => t.verdict));
        expect(Number(cells[5])).toBeGreaterThanOrEqual(0);
        expect(Number(cells[6])).toBeGreaterThan(0);
      }
      // A pass-fail package: score 1 of 1 when accepted.
      if (json.verdict !== 'REFUSED') expect(cells.slice(3, 5)).toEqual([json.verdict === 'AC' ? '1' : '0', '1']);
      if (json.verdict === 'TLE') expect(Number(cells[5])).toBeGreaterThanOrEqual(300);
    });

    // The HTML page: self-contained, one table row per submission.
    const html = fs.readFileSync(htmlFile, 'utf8');
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=|https?:\/\//);
    expect(html.match(/<tr>/g)).toHaveLength(67);
    expect(html).toContain('<svg id="verdicts"');
  });

  it('refuses a package without a time limit before queueing anything, and takes --time for it', async () => {
    const timed = path.join(ROOT, 'test', 'packages', 'timed');
    const sub = path.join(dir, 'fast.py');
    fs.copyFileSync(path.join(timed, 'submissions', 'accepted', 'fast.py'), sub);
    const refused = await runGrade(queue, [timed, sub]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/gives no time limit .*give --time S, or --derive-time/);
    const memory = await runGrade(queue, [timed, sub, '--time', '1', '--memory', '128']);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toMatch(/--memory: a problem package's memory limit is its own through the queue/);
    const redis = new Redis(redisOptionsFromUrl(REDIS_URL));
    try {
      expect(await redis.keys(`bull:${queue}:*`)).toEqual([]); // nothing queued
    } finally {
      redis.disconnect();
    }
    workers = [new WorkerProcess('grade-timed', { CAGED_QUEUE: queue })];
    await workers[0]!.ready();
    const json = path.join(dir, 'r.json');
    const given = await runGrade(queue, [timed, sub, '--time', '0.5', '--out', json]);
    expect(given.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as { rows: Array<{ verdict: string; result: { problem: unknown } }> };
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ verdict: 'AC', result: { problem: { timeLimitMs: 500, timeLimitFrom: '.timelimit' } } });
    // The package's own submission, no --out: its full result is still fetched, to check it against what the package expects.
    const own = await runGrade(queue, [timed, path.join(timed, 'submissions', 'accepted', 'fast.py'), '--time', '0.5']);
    expect(own.code).toBe(0);
    expect(own.stdout).toContain("expected of the package's own: 1 met, 0 failed, 0 unverified\n");
    // The package's own runs under the package's limits alone, as problemtools runs it; a
    // contestant's copy of it with CPython's time factor (2).
    const pairJson = path.join(dir, 'pair.json');
    const ownPy = path.join(timed, 'submissions', 'accepted', 'fast.py');
    const pair = await runGrade(queue, [timed, ownPy, sub, '--time', '0.5', '--lang-of', '.py=python3', '--out', pairJson]);
    expect(pair.code).toBe(0);
    const rows = (
      JSON.parse(fs.readFileSync(pairJson, 'utf8')) as { rows: Array<{ name: string; result: { limits: { cpuTimeMs: number } } }> }
    ).rows;
    expect(rows.map((r) => [r.name, r.result.limits.cpuTimeMs])).toEqual([
      [ownPy, 500],
      [sub, 1000],
    ]);
    // Wrong on the sample: the secret test is skipped, unless --all-tests, which the job carries to the worker.
    const wrong = path.join(dir, 'wrong.py');
    fs.writeFileSync(wrong, 'print(0)\n');
    type Report = { rows: Array<{ verdict: string; result: { tests: Array<{ verdict: string }> } }> };
    const stopped = await runGrade(queue, [timed, wrong, '--time', '0.5', '--out', json]);
    expect(stopped.code).toBe(0);
    expect((JSON.parse(fs.readFileSync(json, 'utf8')) as Report).rows[0]!.result.tests.map((t) => t.verdict)).toEqual(['WA', 'SKIPPED']);
    const every = await runGrade(queue, [timed, wrong, '--time', '0.5', '--all-tests', '--out', json]);
    expect(every.code).toBe(0);
    expect(every.stdout).toMatch(/\(judged 1, reused 0\)/);
    const all = (JSON.parse(fs.readFileSync(json, 'utf8')) as Report).rows[0]!;
    expect([all.verdict, all.result.tests.map((t) => t.verdict)]).toEqual(['WA', ['WA', 'WA']]);
  });
});
