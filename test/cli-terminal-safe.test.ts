/**
 * The command line's human output is terminal-safe: escape sequences from the program, the
 * compiler, checker messages, file names and error messages are shown as visible escapes, never
 * written raw; `--json` stays exact JSON. The `caged run` cases judge real programs on the real
 * image; the error line goes through the built CLI (dist/).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runCommand, summary } from '../src/cli/run';
import { describe as describeResult } from '../src/cli/submit';
import { terminalSafe } from '../src/cli/terminal-safe';
import { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const CLI = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
const ESC = '\x1b';
const BEL = '\x07';
/** A screen clear, an OSC 52 clipboard write ("rm -rf ~"), and a fake verdict line over the real one. */
const HOSTILE = `${ESC}[2J${ESC}[H${ESC}]52;c;cm0gLXJmIH4=${BEL}\rAC (Judge0 3 Accepted) score 1/1: all tests passed${ESC}[K\n`;

/** Control characters a terminal acts on (C0 but \n and \t, DEL, C1, bidi controls). */
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  it('shows C0 controls, DEL, C1 controls and bidi overrides as visible escapes', () => {
    expect(terminalSafe(`a${ESC}[2Jb${BEL}c\rd\0e\x7ff\u009bg\u202eh\u2066i`)).toBe('a\\x1b[2Jb\\x07c\\rd\\0e\\x7ff\\u009bg\\u202eh\\u2066i');
  });

  it('keeps newlines, tabs and ordinary Unicode as they are', () => {
    const text = 'line 1\n\tcafé 日本 🙂 ±½\n';
    expect(terminalSafe(text)).toBe(text);
  });

  it('takes linear time: 8 times the escapes cost about 8 times as much, not 64 times', () => {
    const time = (bytes: number): number => {
      const text = `${ESC}${BEL}\u202e`.repeat(bytes / 3);
      const started = performance.now();
      const safe = terminalSafe(text);
      const ms = performance.now() - started;
      expect(safe.length).toBe((4 + 4 + 6) * (bytes / 3));
      return ms;
    };
    time(3 * 2 ** 16); // warm-up
    const small = Math.min(time(3 * 2 ** 16), time(3 * 2 ** 16));
    const large = Math.min(time(3 * 2 ** 19), time(3 * 2 ** 19));
    expect(large / small).toBeLessThan(24);
  });
});

/** A result as a worker would return it, with hostile text in every free-text field. */
function hostileResult(): JudgeResult {
  return {
    schemaVersion: 1, submissionId: null, verdict: 'WA', judge0: { id: 4, description: 'Wrong Answer' },
    message: `test 1: ${HOSTILE}`, score: 0, maxScore: 1,
    language: { id: 'c', name: `C${ESC}[2J`, version: '12' }, image: { name: 'debian', digest: 'x' },
    compile: { verdict: 'CE', exitCode: 1, output: HOSTILE, outputTruncated: false, cpuTimeMs: 1, wallTimeMs: 1, memoryBytes: 1, cached: false },
    tests: [{
      index: 0, name: `t${ESC}]0;title${BEL}`, verdict: 'WA', judge0: { id: 4, description: 'Wrong Answer' }, exitCode: 0, signal: null,
      stdout: HOSTILE, stdoutEncoding: 'utf8', stdoutTruncated: false, stderr: HOSTILE, stderrEncoding: 'utf8', stderrTruncated: false,
      cpuTimeMs: 1, wallTimeMs: 1, memoryBytes: 1, limitHit: null, message: HOSTILE, points: 0, checkerMessage: HOSTILE,
    }],
    timing: { totalMs: 1, compileMs: 1 },
  };
}

describe('when a result holds escape sequences', () => {
  it.each([
    ['caged run', summary],
    ['caged submit', describeResult],
  ])('%s prints none of them raw', (_name, print) => {
    const text = print(hostileResult());
    expect(text).not.toMatch(ACTIVE);
    expect(text.split('\n')[0]).toMatch(/^WA\b/);
    expect(text).toContain('\\x1b]52;c;cm0gLXJmIH4=\\x07\\rAC');
  });
});

describe('caged run on the real image', () => {
  let judge: Judge;
  let dir: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-terminal-'));
    judge = await Judge.create({ sandbox: await Sandbox.create(), closeSandbox: true, manifestPath: TEST_MANIFEST, compileCacheBytes: 0 });
  }, 120_000);

  afterAll(async () => {
    await judge?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function cagedRun(name: string, source: string, args: string[]): Promise<string> {
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    const file = path.join(dir, name);
    fs.writeFileSync(file, source);
    expect(await runCommand([file, ...args], out, { judge })).toBe(0);
    return text;
  }

  const C_STRING = JSON.stringify(HOSTILE).replace(/\\u001b/g, '\\x1b').replace(/\\u0007/g, '\\x07');
  const PRINTS_HOSTILE = `#include <stdio.h>\nint main(void){fputs(${C_STRING}, stdout); fputs(${C_STRING}, stderr); puts("41"); return 0;}\n`;

  it('prints the real verdict and no ESC or BEL from the program', async () => {
    const expected = path.join(dir, 'expected');
    fs.writeFileSync(expected, '42\n');
    const text = await cagedRun('hostile.c', PRINTS_HOSTILE, ['--lang', 'c', '--expected', expected]);
    expect(text).not.toContain(ESC);
    expect(text).not.toContain(BEL);
    expect(text).not.toMatch(ACTIVE);
    expect(text.split('\n')[0]).toMatch(/^WA \(Judge0 4 Wrong Answer\)/);
    expect(text).toContain('\\x1b]52;c;cm0gLXJmIH4=\\x07\\rAC (Judge0 3 Accepted)');
  }, 60_000);

  it('keeps --json exact: the program\'s bytes round-trip through JSON', async () => {
    const text = await cagedRun('hostile-json.c', PRINTS_HOSTILE, ['--lang', 'c', '--json']);
    const r = JSON.parse(text) as JudgeResult;
    expect(r.tests[0]!.stdout).toBe(`${HOSTILE}41\n`);
    expect(text).not.toContain(ESC);
  }, 60_000);

  it('escapes the compiler output of a CE quoting a hostile source line', async () => {
    const text = await cagedRun('hostile-ce.c', `int main(void){ return ${ESC}]52;c;eA==${BEL}; }\n`, ['--lang', 'c']);
    expect(text.split('\n')[0]).toMatch(/^CE /);
    expect(text).not.toMatch(ACTIVE);
  }, 60_000);
});

describe('when an error message quotes a hostile file name', () => {
  it('prints the error line escaped, with exit status 2', () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run \`npm run build\``);
    const r = spawnSync('node', [CLI, 'run', `/nonexistent/${ESC}[2J${ESC}]52;c;eA==${BEL}.c`, '--lang', 'c'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('\\x1b[2J');
    expect(r.stderr).not.toMatch(ACTIVE);
  });
});
