/**
 * The command line's human output is terminal-safe on real runs: escape sequences from the
 * program, the compiler and error messages are shown as visible escapes, never written raw;
 * `--json` stays exact JSON. The `caged run` cases judge real programs on the real image; the
 * error line goes through the built CLI (dist/). The printing alone: test/unit/cli-terminal-safe.test.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runCommand } from '../src/cli/run';
import { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { ACTIVE, BEL, ESC, HOSTILE } from './helpers/terminal';

const CLI = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');

describe('caged run on the real image', () => {
  let judge: Judge;
  let dir: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
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

  const C_STRING = JSON.stringify(HOSTILE)
    .replace(/\\u001b/g, '\\x1b')
    .replace(/\\u0007/g, '\\x07');
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

  it("keeps --json exact: the program's bytes round-trip through JSON", async () => {
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
