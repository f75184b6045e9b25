/**
 * `caged grade`'s pieces that need no Redis and no sandbox: the reports with hostile names, the
 * batch plan (ids from content, bad input as rows), submission inputs and globs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planBatch } from '../../src/client/grade';
import { GradeProgressView } from '../../src/cli/grade-progress';
import { collectEntries, expandGlob, globMatch, parseLanguageOverrides, submissionPaths } from '../../src/cli/grade-inputs';
import { csvField, csvReport, jsonReport, type GradeReport } from '../../src/grade/report';
import { escapeHtml, htmlReport } from '../../src/grade/report-html';
import { reportKind } from '../../src/grade/write-reports';
import type { JudgeResult } from '../../src/judge/schema';
import { madeUpResult } from './helpers/test-result';
import { summarize, type BatchData } from '../../src/wire/batch';
import { repoLanguageRegistry } from './helpers/language-table';

const HOSTILE = `<script>alert(1)</script>",=cmd|'/c calc'!A1\x1b[2J`;

function result(verdict: JudgeResult['verdict'], tests: Array<[string, JudgeResult['tests'][number]['verdict'], number]>): JudgeResult {
  return {
    schemaVersion: 1,
    submissionId: null,
    verdict,
    judge0: { id: 3, description: verdict },
    message: `${verdict} <b>message</b>`,
    score: tests.filter((t) => t[1] === 'AC').length,
    maxScore: tests.length,
    language: { id: 'c', name: 'C', version: '12' },
    image: { name: 'debian', digest: 'sha256:0' },
    tests: tests.map(([name, v, ms], index) =>
      madeUpResult(index, v, {
        name,
        judge0: { id: 3, description: v },
        cpuTimeMs: ms,
        wallTimeMs: ms,
        memoryBytes: 1 << 20,
        points: v === 'AC' ? 1 : 0,
      }),
    ),
    timing: { totalMs: 10, compileMs: 5 },
  };
}

function report(): GradeReport {
  const data: BatchData = {
    problemKey: 'tests:sha256:0',
    problemName: `<i>sum</i>`,
    entries: [
      { name: HOSTILE, jobId: 'g-1', language: 'c' },
      { name: 'bob.c', jobId: 'g-2', language: 'c' },
      { name: 'carol.xyz', jobId: null, language: null, refused: 'unknown extension ".xyz"' },
      { name: 'dave.c', jobId: 'g-3', language: 'c' },
    ],
  };
  const r1 = result('AC', [
    ['t1', 'AC', 12],
    ['t2', 'AC', 40],
  ]);
  const r2 = result('WA', [
    ['t1', 'AC', 3],
    ['t2', 'WA', 7],
  ]);
  const outcomes = new Map([
    ['g-1', { result: r1, worker: 'w<1>' }],
    ['g-2', { result: r2, worker: 'w2' }],
    ['g-3', { failed: 'internal error: boom', worker: null }],
  ]);
  return {
    summary: summarize('batch-x', data, outcomes),
    results: [r1, r2, null, null],
    generatedAt: '2026-01-01T00:00:00Z',
    seconds: 1,
    reused: 0,
    judged: 3,
  };
}

describe('the CSV report', () => {
  it('has one row per submission and one column per test, formulas defused and fields quoted', () => {
    const lines = csvReport(report()).split('\r\n');
    expect(lines[0]).toBe('name,language,verdict,score,max_score,time_ms,memory_bytes,worker,message,t1,t2');
    expect(lines).toHaveLength(6); // header, 4 rows, the final empty string
    expect(lines[1]).toContain(`"<script>alert(1)</script>""`);
    expect(lines[2]).toBe('bob.c,c,WA,1,2,7,1048576,w2,WA <b>message</b>,AC,WA');
    expect(lines[3]).toBe('carol.xyz,,REFUSED,,,,,,"unknown extension "".xyz""",,');
    expect(lines[4]).toBe('dave.c,c,FAILED,,,,,,internal error: boom,,');
  });

  it("adds an expected column when the batch holds a package's own rows, empty for the others", () => {
    const r = report();
    const problem = {
      name: 'sum',
      format: 'legacy' as const,
      type: 'pass-fail' as const,
      timeLimitMs: 1000,
      timeLimitFrom: 'problem.yaml',
      notes: [],
    };
    r.results[0] = {
      ...r.results[0]!,
      problem: { ...problem, expectations: { status: 'met', failed: [], unverified: [], from: 'folder accepted' } },
    };
    const failed = ['it is WRONG-ANSWER, not TIMELIMIT', '=cmd'];
    r.results[1] = { ...r.results[1]!, problem: { ...problem, expectations: { status: 'failed', failed, unverified: [] } } };
    const lines = csvReport(r).split('\r\n');
    expect(lines[0]).toBe('name,language,verdict,score,max_score,time_ms,memory_bytes,worker,message,expected,t1,t2');
    expect(lines[1]).toMatch(/,met,AC,AC$/);
    expect(lines[2]).toBe('bob.c,c,WA,1,2,7,1048576,w2,WA <b>message</b>,"failed: it is WRONG-ANSWER, not TIMELIMIT; =cmd",AC,WA');
    expect(lines[3]).toBe('carol.xyz,,REFUSED,,,,,,"unknown extension "".xyz""",,,');
    const html = htmlReport(r);
    expect(html).toContain('<th scope="col">Expected</th>');
    expect(html).toContain('<td class="msg">failed: it is WRONG-ANSWER, not TIMELIMIT; =cmd</td></tr>');
    // Without own rows: no such column.
    expect(htmlReport(report())).not.toContain('Expected');
  });

  it('defuses a cell a spreadsheet would run', () => {
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField(-2)).toBe('-2');
    expect(csvField(null)).toBe('');
  });
});

describe('the HTML report', () => {
  const html = htmlReport(report());

  it('escapes every name and message', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>message');
    expect(html).not.toContain('<i>sum');
    expect(html).not.toContain('w<1>');
    expect(html).toContain(escapeHtml(HOSTILE));
    expect(escapeHtml(`"'<>&`)).toBe('&quot;&#39;&lt;&gt;&amp;');
  });

  it('is self-contained: no external resource, a policy that forbids fetching any', () => {
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b|\bsrc=|https?:\/\//);
  });

  it('has a table row per submission and the three charts', () => {
    expect(html.match(/<tr>/g)).toHaveLength(5);
    for (const id of ['verdicts', 'pass-rates', 'times']) expect(html).toContain(`<svg id="${id}"`);
    // t2 passed by one of two submissions that ran it.
    expect(html).toContain('50% (1/2)');
  });
});

describe('the JSON report', () => {
  it('holds every row with its full result', () => {
    const j = JSON.parse(jsonReport(report())) as {
      rows: Array<{ name: string; result: JudgeResult | null }>;
      counts: Record<string, number>;
    };
    expect(j.rows.map((r) => r.name)).toEqual([HOSTILE, 'bob.c', 'carol.xyz', 'dave.c']);
    expect(j.rows[1]!.result!.tests).toHaveLength(2);
    expect(j.counts).toEqual({ AC: 1, WA: 1, REFUSED: 1, FAILED: 1 });
  });

  it('is chosen by the extension', () => {
    expect(reportKind('a/b.HTML')).toBe('.html');
    expect(() => reportKind('report.txt')).toThrow(/--out: must end in .csv, .json, .html/);
  });
});

describe('the batch plan', () => {
  const problem = { name: 'sum', testcases: [{ stdin: '1 2\n', expected: '3\n' }] };

  it('gives the same submission the same job id, whatever its name, and refuses bad input per entry', () => {
    const plan = planBatch(
      problem,
      [
        { name: 'a.c', language: 'c', source: 'int main(){}' },
        { name: 'copy-of-a.c', language: 'c', source: 'int main(){}' },
        { name: 'b.c', language: 'c', source: 'int main(){return 0;}' },
        { name: 'big.c', language: 'c', source: 'x'.repeat(101) },
        { name: 'bad', refused: 'no files' },
      ],
      100,
    );
    const [a, copy, b, big, bad] = plan.data.entries;
    expect(a!.jobId).toMatch(/^g-[0-9a-f]{40}$/);
    expect(copy!.jobId).toBe(a!.jobId);
    expect(b!.jobId).not.toBe(a!.jobId);
    expect(big).toMatchObject({ jobId: null, refused: 'source: is 101 bytes, more than the 100 allowed' });
    expect(bad).toMatchObject({ jobId: null, refused: 'no files' });
    expect(plan.children.size).toBe(2);
    expect(plan.batchId).toMatch(/^batch-[0-9a-f]{40}$/);
    // Other tests, other jobs.
    const other = planBatch(
      { ...problem, testcases: [{ stdin: '2 2\n', expected: '4\n' }] },
      [{ name: 'a.c', language: 'c', source: 'int main(){}' }],
      100,
    );
    expect(other.data.entries[0]!.jobId).not.toBe(a!.jobId);
    // A package's own example (judged without the language's factors) is another job than a contestant's same code.
    const own = planBatch(problem, [{ name: 'own.c', language: 'c', source: 'int main(){}', languageFactors: false }], 100);
    const ownId = own.data.entries[0]!.jobId!;
    expect(ownId).not.toBe(a!.jobId);
    expect(own.children.get(ownId)).toMatchObject({ languageFactors: false });
    expect(plan.children.get(a!.jobId!)).not.toHaveProperty('languageFactors');
  });
});

describe('submission inputs', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-grade-inputs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('matches globs without backtracking blow-up, a leading dot only by a dot', () => {
    expect(globMatch('*.c', 'a.c')).toBe(true);
    expect(globMatch('*.c', '.a.c')).toBe(false);
    expect(globMatch('s??.py', 's01.py')).toBe(true);
    expect(globMatch('*a*a*a*a*b', 'a'.repeat(200))).toBe(false);
  });

  it('opens a lone directory, expands globs, and makes a row of every bad entry', () => {
    fs.mkdirSync(path.join(dir, 'subs', 'team'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'subs', 'a.c'), 'int main(){}');
    fs.writeFileSync(path.join(dir, 'subs', 'b.cc'), 'int main(){}');
    fs.writeFileSync(path.join(dir, 'subs', 'n.txt'), 'x');
    fs.writeFileSync(path.join(dir, 'subs', 'team', 'main.py'), 'print(1)');
    fs.writeFileSync(path.join(dir, 'subs', 'team', 'util.py'), 'x = 1');
    fs.mkdirSync(path.join(dir, 'subs', 'void'));
    fs.writeFileSync(path.join(dir, 'subs', 'big.c'), 'x'.repeat(2000));
    const paths = submissionPaths([path.join(dir, 'subs')]);
    expect(paths.map((p) => path.basename(p))).toEqual(['a.c', 'b.cc', 'big.c', 'n.txt', 'team', 'void']);
    expect(expandGlob(path.join(dir, 'subs', '*.c')).map((p) => path.basename(p))).toEqual(['a.c', 'big.c']);
    const registry = repoLanguageRegistry();
    const languages = {
      languageOfFile: (f: string, field: string) => registry.ofFile(f, field).id,
      language: (id: string, field: string) => registry.get(id, field),
    };
    const entries = collectEntries(paths, 1000, languages, parseLanguageOverrides('.cc=cpp20'));
    expect(entries.map((e) => [e.name, e.language ?? null, e.refused ?? null])).toEqual([
      ['a.c', 'c', null],
      ['b.cc', 'cpp20', null],
      ['big.c', null, 'the sources are 2000 bytes, more than the 1000 allowed'],
      ['n.txt', null, expect.stringMatching(/^unknown extension "\.txt"/)],
      ['team', 'python3', null],
      ['void', null, expect.stringMatching(/^no files in /)],
    ]);
    expect(() => parseLanguageOverrides('cc=cpp20')).toThrow(/--lang-of/);
  });

  it("keeps a directory's entry through to the batch's job, as caged judge picks it", () => {
    // BAPCtools' hello/rejected/test-extra-binary.sh: a script not named main.sh beside a binary.
    const team = path.join(dir, 'test-extra-binary.sh');
    fs.mkdirSync(team);
    fs.writeFileSync(path.join(team, 'abc.sh'), 'echo hi\n');
    fs.writeFileSync(path.join(team, 'bc'), Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    const registry = repoLanguageRegistry();
    const languages = {
      languageOfFile: (f: string, field: string) => registry.ofFile(f, field).id,
      language: (id: string, field: string) => registry.get(id, field),
    };
    const [entry] = collectEntries([team], 1000, languages);
    expect(entry).toMatchObject({ name: 'test-extra-binary.sh', language: 'bash', entry: 'abc.sh' });
    const plan = planBatch({ name: 'hello', testcases: [{ stdin: '', expected: 'hi\n' }] }, [entry!], 1000);
    expect(plan.data.entries[0]!.refused).toBeUndefined();
    expect([...plan.children.values()][0]).toMatchObject({ language: 'bash', entry: 'abc.sh' });
    // The entry is part of the job: the same files entered elsewhere are another job.
    const other = planBatch(
      { name: 'hello', testcases: [{ stdin: '', expected: 'hi\n' }] },
      [{ ...entry!, entry: 'bc' } as typeof entry & object],
      1000,
    );
    expect(other.data.entries[0]!.jobId).not.toBe(plan.data.entries[0]!.jobId);
  });
});

describe('the progress view', () => {
  const row = (name: string, verdict: 'AC' | 'WA' | 'REFUSED') => ({
    name,
    jobId: verdict === 'REFUSED' ? null : 'g-1',
    language: verdict === 'REFUSED' ? null : 'c',
    verdict,
    score: null,
    maxScore: null,
    cpuTimeMs: verdict === 'REFUSED' ? null : 12.4,
    memoryBytes: verdict === 'REFUSED' ? null : 2 ** 20,
    tests: [],
    message: verdict === 'REFUSED' ? 'no files' : '',
    worker: verdict === 'REFUSED' ? null : 'w1',
  });

  function sink(): { stream: NodeJS.WritableStream; text: () => string } {
    let text = '';
    const stream = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
    return { stream, text: () => text };
  }

  it('prints one escaped line per submission when not on a terminal', () => {
    const out = sink();
    const view = new GradeProgressView('lines', out.stream, out.stream);
    view.update({ row: row('a\x1b[2J.c', 'AC'), index: 0, done: 1, total: 2, reused: false });
    view.update({ row: row('b', 'REFUSED'), index: 1, done: 2, total: 2, reused: false });
    expect(out.text()).toBe('1/2 AC a\\x1b[2J.c (c, 12 ms, 1.0 MiB, w1)\n2/2 REFUSED b (?): no files\n');
  });

  it('draws a bar with the counts, the rate and the time left on a terminal', () => {
    const out = sink();
    const tty = sink();
    const view = new GradeProgressView('bar', out.stream, tty.stream);
    view.update({ row: row('a', 'AC'), index: 0, done: 1, total: 4, reused: false });
    view.update({ row: row('b', 'WA'), index: 1, done: 2, total: 4, reused: false });
    expect(view.barText()).toMatch(/^\[#{12}-{12}\] 2\/4 {2}AC 1 WA 1 {2}[\d.]+\/s {2}ETA \S+$/);
    view.finish();
    expect(out.text()).toBe('');
    expect(tty.text()).toContain('\r\x1b[2K[');
    expect(tty.text().endsWith('\n')).toBe(true);
  });

  it('prints JSON lines with --json', () => {
    const out = sink();
    const view = new GradeProgressView('json', out.stream, out.stream);
    view.update({ row: row('a', 'AC'), index: 0, done: 1, total: 1, reused: true });
    expect(JSON.parse(out.text())).toMatchObject({ event: 'row', done: 1, total: 1, reused: true, row: { name: 'a', verdict: 'AC' } });
  });
});
