/**
 * The optional transcript of an interactive test (`interactor.transcriptBytes`, and
 * judgePackage's `transcriptBytes` for interactive packages): what each side wrote, in order,
 * capped, in the test's result. Real containers on the real image.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import { JudgeResultSchema, type SubmissionInput } from '../src/judge/schema';
import { judgePackage } from '../src/problem/judge-package';
import { loadPackage } from '../src/problem/problem-package';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { GUESS_INTERACTOR_C, guessSubmissionC } from './helpers/interactive-programs';

let sandbox: Sandbox;
let judge: Judge;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-transcript-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: cacheDir });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
});

const game = (transcriptBytes?: number): SubmissionInput => ({
  language: 'c',
  source: guessSubmissionC(0),
  testcases: [{ stdin: '737\n' }],
  interactor: { language: 'c', source: GUESS_INTERACTOR_C, flags: ['0'], ...(transcriptBytes !== undefined ? { transcriptBytes } : {}) },
});

describe('the transcript of an interactive test', () => {
  it('is absent unless asked for', async () => {
    const r = await judge.judge(game());
    expect(r.verdict).toBe('AC');
    expect(r.tests[0]!.transcript).toBeUndefined();
  });

  it('holds the exchange in order, each side its own chunks', async () => {
    const r = JudgeResultSchema.parse(await judge.judge(game(4096)));
    expect(r.verdict).toBe('AC');
    const t = r.tests[0]!.transcript!;
    expect(t.truncated).toBe(false);
    // A binary search: guess, answer, guess, answer… ending with the interactor's "=".
    expect(t.chunks[0]!.from).toBe('submission');
    for (let i = 1; i < t.chunks.length; i++) expect(t.chunks[i]!.from).not.toBe(t.chunks[i - 1]!.from);
    expect(t.chunks.at(-1)).toEqual({ from: 'interactor', data: '=\n', encoding: 'utf8' });
    expect(t.chunks.filter((c) => c.from === 'submission').at(-1)!.data).toBe('737\n');
    for (const c of t.chunks.filter((x) => x.from === 'interactor')) expect(['<\n', '>\n', '=\n']).toContain(c.data);
  });

  it('is cut at its cap, saying so', async () => {
    const r = await judge.judge(game(6));
    const t = r.tests[0]!.transcript!;
    expect(t.truncated).toBe(true);
    expect(t.chunks.reduce((n, c) => n + Buffer.byteLength(c.data), 0)).toBeLessThanOrEqual(6);
    expect(r.verdict).toBe('AC'); // the tee passes every byte on: only the record is cut
  });

  it('is kept for an interactive package when asked for', async () => {
    const guess = path.join(__dirname, 'packages', 'guess');
    const source = fs.readFileSync(
      path.join(
        guess,
        'submissions/accepted',
        fs.readdirSync(path.join(guess, 'submissions/accepted')).find((f) => f.endsWith('.py'))!,
      ),
      'utf8',
    );
    const r = await judgePackage(judge, loadPackage(guess), { language: 'python3', source }, { transcriptBytes: 4096 });
    expect(r.verdict).toBe('AC');
    for (const t of r.tests) expect(t.transcript?.chunks.at(-1)).toEqual({ from: 'interactor', data: '=\n', encoding: 'utf8' });
  }, 60_000);
});
