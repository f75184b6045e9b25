/**
 * `caged run --checker float` with its tolerances on the command line: `--epsilon E` (absolute
 * and relative), `--abs-epsilon` / `--rel-epsilon` apart; bad values refused naming the flag.
 * Real runs through the CLI's runCommand with one shared Judge on the real image.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from '../src/cli/args';
import { runCommand, submissionFromArgs } from '../src/cli/run';
import { InvalidRequestError } from '../src/errors';
import { Judge } from '../src/judge/judge';
import { JudgeResultSchema, type JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const VALUED = ['lang', 'stdin', 'expected', 'checker', 'epsilon', 'abs-epsilon', 'rel-epsilon'];

let dir: string;
let sandbox: Sandbox;
let judge: Judge;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-float-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: path.join(dir, 'cache') });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

/** Prints 1000.5 where the answer is 1000: off by 0.5 absolute, 5e-4 relative. */
const PRINT_PY = 'print("1000.5")\n';

async function cagedRun(args: string[]): Promise<JudgeResult> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const argv = [file('main.py', PRINT_PY), '--lang', 'python3', '--expected', file('ans', '1000\n'), '--checker', 'float', ...args];
  expect(await runCommand([...argv, '--json'], out, { judge })).toBe(0);
  return JudgeResultSchema.parse(JSON.parse(text));
}

function refusal(args: string[]): InvalidRequestError {
  try {
    submissionFromArgs(parseArgs([file('main.py', PRINT_PY), '--lang', 'python3', ...args], VALUED, []), undefined);
  } catch (err) {
    if (err instanceof InvalidRequestError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('caged run --checker float', () => {
  it('uses the default tolerance 1e-6 without flags (WA)', async () => {
    expect((await cagedRun([])).verdict).toBe('WA');
  });

  it('accepts within --epsilon, which sets the relative tolerance too', async () => {
    expect((await cagedRun(['--epsilon', '1e-3'])).verdict).toBe('AC'); // relative: 5e-4 ≤ 1e-3
    expect((await cagedRun(['--epsilon', '1e-4'])).verdict).toBe('WA');
  });

  it('takes the absolute and the relative tolerance apart', async () => {
    expect((await cagedRun(['--abs-epsilon', '0.5'])).verdict).toBe('AC');
    expect((await cagedRun(['--abs-epsilon', '0.4'])).verdict).toBe('WA');
    expect((await cagedRun(['--rel-epsilon', '5e-4'])).verdict).toBe('AC');
    expect((await cagedRun(['--abs-epsilon', '0.1', '--rel-epsilon', '1e-4'])).verdict).toBe('WA');
  });

  it('puts the tolerances in the submission', () => {
    const args = parseArgs([file('main.py', PRINT_PY), '--lang', 'python3', '--checker', 'float', '--epsilon', '0.25'], VALUED, []);
    expect(submissionFromArgs(args, undefined).checker).toEqual({ type: 'float', absolute: 0.25, relative: 0.25 });
    const apart = parseArgs([file('main.py', PRINT_PY), '--lang', 'python3', '--checker', 'float', '--rel-epsilon', '2e-3'], VALUED, []);
    expect(submissionFromArgs(apart, undefined).checker).toEqual({ type: 'float', relative: 2e-3 });
  });

  it.each([
    [['--checker', 'float', '--epsilon', 'abc'], '--epsilon'],
    [['--checker', 'float', '--epsilon', '-1'], '--epsilon'],
    [['--checker', 'float', '--epsilon', ''], '--epsilon'],
    [['--checker', 'float', '--abs-epsilon', 'Infinity'], '--abs-epsilon'],
    [['--checker', 'float', '--rel-epsilon', 'NaN'], '--rel-epsilon'],
    [['--checker', 'float', '--epsilon', '1e-3', '--abs-epsilon', '1e-3'], '--epsilon'],
    [['--checker', 'tokens', '--epsilon', '1e-3'], '--epsilon'],
    [['--rel-epsilon', '1e-3'], '--rel-epsilon'],
  ])('refuses %j naming %s', (args, flag) => {
    expect(refusal(args).field).toBe(flag);
  });
});
