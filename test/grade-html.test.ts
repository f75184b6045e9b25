/**
 * The HTML report in a real browser: Debian's Chromium, headless, renders a report of 25
 * submissions (hostile names among them) offline. The DOM after its script ran has one table
 * row per submission, sorted as the URL asks; the charts' bars are drawn; no hostile name became
 * markup; a screenshot lands in test-output/grade/. Chromium missing fails with the command to
 * install it (scripts/setup-host.sh installs it).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { GradeReport } from '../src/grade/report';
import { htmlReport } from '../src/grade/report-html';
import type { JudgeResult } from '../src/judge/schema';
import { summarize, type BatchData, type ChildOutcome } from '../src/wire/batch';
import { ROOT } from './helpers/queue';

jest.setTimeout(120_000);

const OUT = path.join(ROOT, 'test-output', 'grade');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

function chromium(args: string[]): string {
  if (!CHROMIUM)
    throw new Error('Chromium is missing: run `apt-get install -y --no-install-recommends chromium` (scripts/setup-host.sh does)');
  // Root needs --no-sandbox; nothing is fetched (the page's policy forbids it anyway).
  return execFileSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

const HOSTILE = [
  `<img src=x onerror="document.title='pwned'">`,
  `</script><script>document.title='pwned'</script>`,
  `"><svg onload=alert(1)>`,
];

function result(verdict: JudgeResult['verdict'], ms: number): JudgeResult {
  const tv = verdict === 'CE' ? 'SKIPPED' : verdict;
  return {
    schemaVersion: 1,
    submissionId: null,
    verdict,
    judge0: { id: 3, description: verdict },
    message: verdict,
    score: verdict === 'AC' ? 2 : 0,
    maxScore: 2,
    language: { id: 'c', name: 'C', version: '12' },
    image: { name: 'debian', digest: 'sha256:0' },
    tests: ['small', 'large'].map((name, index) => ({
      index,
      name,
      verdict: index === 0 && verdict !== 'CE' ? 'AC' : tv,
      judge0: { id: 3, description: tv },
      exitCode: 0,
      signal: null,
      stdout: '',
      stdoutEncoding: 'utf8' as const,
      stdoutTruncated: false,
      stderr: '',
      stderrEncoding: 'utf8' as const,
      stderrTruncated: false,
      cpuTimeMs: verdict === 'CE' ? 0 : ms,
      wallTimeMs: ms,
      memoryBytes: 2 ** 20,
      limitHit: null,
      message: '',
      points: 1,
      checkerMessage: null,
    })),
    timing: { totalMs: ms, compileMs: 1 },
  };
}

describe('when the HTML report is opened in Chromium', () => {
  it('shows one sorted row per submission, draws the charts, and runs no submitted markup', () => {
    const verdicts: Array<JudgeResult['verdict']> = ['AC', 'AC', 'WA', 'TLE', 'RE', 'CE'];
    const entries: BatchData['entries'] = [];
    const outcomes = new Map<string, ChildOutcome>();
    for (let i = 0; i < 24; i++) {
      const id = `g-${i}`;
      entries.push({ name: i < HOSTILE.length ? HOSTILE[i]! : `student-${i}.c`, jobId: id, language: 'c' });
      outcomes.set(id, { result: result(verdicts[i % verdicts.length]!, 10 + i * 7), worker: `w${i % 2}` });
    }
    entries.push({ name: 'notes.txt', jobId: null, language: null, refused: 'unknown extension ".txt"' });
    const summary = summarize('batch-html', { problemKey: 'k', problemName: 'sum', entries }, outcomes);
    const report: GradeReport = { summary, results: [], generatedAt: '2026-01-01T00:00:00Z', seconds: 1, reused: 0, judged: 24 };
    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, 'report.html');
    fs.writeFileSync(file, htmlReport(report));

    // Sorted by time (column 5), slowest first, by the page's own script.
    const dom = chromium(['--virtual-time-budget=2000', '--dump-dom', `file://${file}#sort=5-`]);
    const tbody = /<tbody>([\s\S]*)<\/tbody>/.exec(dom)![1]!;
    const rows = [...tbody.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
      [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!),
    );
    expect(rows).toHaveLength(25);
    const times = rows.map((r) => r[5]!).filter((t) => t !== '');
    expect(times.map(Number)).toEqual([...times.map(Number)].sort((a, b) => b - a));
    expect(times[0]).toBe(String(10 + 22 * 7)); // the slowest that ran (number 23 is a CE)
    expect(times).toHaveLength(20);
    expect(dom).toMatch(/<th scope="col" aria-sort="descending">Time \(ms\)<\/th>/);
    // The hostile names are text, shown as written; no element came out of them.
    expect(dom).toContain('<title>caged grade: sum</title>');
    expect(dom).not.toMatch(/<img|<svg onload|<script>document/);
    for (const h of HOSTILE)
      expect(rows.some((r) => r[1] === h.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))).toBe(true);
    // The charts: a bar per verdict (6 kinds), per test (2), and the time histogram's.
    const bars = (id: string): number[] => {
      const svg = new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(dom)![0];
      return [...svg.matchAll(/<rect class="bar"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));
    };
    expect(bars('verdicts')).toHaveLength(6);
    expect(bars('verdicts').every((w) => w > 0)).toBe(true);
    expect(bars('pass-rates')).toHaveLength(2);
    expect(bars('times')).toHaveLength(10);

    const png = path.join(OUT, 'report.png');
    fs.rmSync(png, { force: true });
    chromium([`--screenshot=${png}`, '--window-size=1300,1600', `file://${file}`]);
    const bytes = fs.readFileSync(png);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.length).toBeGreaterThan(20_000);
  });
});
