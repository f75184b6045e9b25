/**
 * The bundled command line (scripts/bundle-cli.js, loaded by dist/src/cli/main.js): the real
 * commands run from their bundle and from nothing else, with what the bundle must not break
 * (build/'s native launcher for a real container, the language table of images/languages, the
 * checking thread's compiled file, samples/, package.json's version); a bundle older than the compiled files is not used; V8's
 * code cache is written, used, and a bad one is only recompiled. Needs `npm run build`'s bundles:
 * when they are missing or older than the compiled cli.js, beforeAll builds them.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JudgeResult } from '../src/judge/schema';
import { TEST_MANIFEST } from './helpers/image';
import { MAIN_JS, freePort, until } from './helpers/queue';

jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..');
const BUNDLES = path.join(ROOT, 'dist', 'cli-bundle');
const CLI_JS = path.join(ROOT, 'dist', 'src', 'cli', 'cli.js');

/** Preloaded: what the process loaded, written to fd 3 at exit. */
const PRELOAD = `
const entered = [];
let bundle = null;
const threads = [];
globalThis.__cagedProbe = {
  enter: (file) => entered.push(file),
  leave: (file, _exports, detail) => { if (file.startsWith('dist/cli-bundle/')) bundle = { file, ...detail }; },
};
const wt = require('node:worker_threads');
const Worker = wt.Worker;
wt.Worker = class extends Worker { constructor(file, opts) { super(file, opts); threads.push(opts && opts.eval ? '(eval)' : String(file)); } };
process.on('exit', () => {
  const compiled = Object.keys(require.cache).filter((f) => f.includes('/dist/src/'));
  require('node:fs').writeSync(3, JSON.stringify({ entered, bundle, compiled, threads }));
});
`;

interface Trace {
  entered: string[];
  bundle: { file: string; codeCache: string } | null;
  compiled: string[];
  threads: string[];
}

let dir: string;
let preload: string;

beforeAll(() => {
  if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first`);
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\``);
  const current = fs.statSync(path.join(BUNDLES, 'run.js'), { throwIfNoEntry: false });
  if (!current || current.mtimeMs < fs.statSync(CLI_JS).mtimeMs) {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle-cli.js')], { stdio: 'inherit', timeout: 150_000 });
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-bundle-'));
  preload = path.join(dir, 'preload.js');
  fs.writeFileSync(preload, PRELOAD);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function caged(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string; trace: Trace } {
  const r = spawnSync(process.execPath, ['-r', preload, MAIN_JS, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, trace: JSON.parse(String(r.output[3])) as Trace };
}

const MAIN_ONLY = [MAIN_JS];

describe('main.js runs the command from its bundle', () => {
  it('`caged run`: a real container, no compiled file loaded', () => {
    const src = path.join(dir, 'noop.c');
    fs.writeFileSync(src, 'int main(void){return 0;}\n');
    const r = caged(['run', src, '--lang', 'c', '--image', TEST_MANIFEST, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(r.stdout) as JudgeResult).verdict).toBe('AC');
    expect(r.trace.bundle?.file).toBe('dist/cli-bundle/run.js');
    expect(r.trace.compiled).toEqual(MAIN_ONLY);
    expect(r.trace.entered).toEqual(
      expect.arrayContaining(['dist/src/cli/run.js', 'dist/src/sandbox/native.js', 'dist/src/judge/judge.js']),
    );
    // Only run's modules: not the queue's or the API's.
    expect(r.trace.entered.filter((f) => /\/(queue|api)\//.test(f))).toEqual([]);
  });

  it('a large check runs in the checking thread, from check-thread.js beside the compiled check-runner', () => {
    // 2 x 80 KB of output and answer: above the 64 KiB that stay inline (check-runner.ts).
    const src = path.join(dir, 'big.c');
    fs.writeFileSync(src, '#include <stdio.h>\nint main(void){for(int i=0;i<40000;i++)puts("7");return 0;}\n');
    const expected = path.join(dir, 'big.out');
    fs.writeFileSync(expected, '7\n'.repeat(40000));
    const r = caged(['run', src, '--lang', 'c', '--image', TEST_MANIFEST, '--expected', expected, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(r.stdout) as JudgeResult).verdict).toBe('AC');
    expect(r.trace.bundle?.file).toBe('dist/cli-bundle/run.js');
    expect(r.trace.threads).toEqual([path.join(ROOT, 'dist', 'src', 'judge', 'check-thread.js')]);
  });

  it('`caged languages`: the language table of images/languages', () => {
    const r = caged(['languages', '--image', TEST_MANIFEST, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain('"c"');
    expect(r.trace.bundle?.file).toBe('dist/cli-bundle/languages.js');
    expect(r.trace.compiled).toEqual(MAIN_ONLY);
    expect(r.trace.entered).toContain('dist/src/judge/language-table.js');
  });

  it('`caged selftest`: the self-tests of images/languages, in real containers', () => {
    const r = caged(['selftest', '--manifest', TEST_MANIFEST, '--lang', 'c', '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.trace.bundle?.file).toBe('dist/cli-bundle/selftest.js');
    expect(r.trace.compiled).toEqual(MAIN_ONLY);
    expect(r.stdout).toContain('selftest.c');
  });

  it('`caged demo` finds samples/ (then stops: no Redis at the address given)', async () => {
    const port = await freePort();
    const r = caged(['demo'], { CAGED_REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(r.trace.bundle?.file).toBe('dist/cli-bundle/demo.js');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('samples');
    expect(r.stderr).toContain(String(port));
  });

  it("`caged api` answers GET /about with package.json's version as caged_version", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', preload, MAIN_JS, 'api'], {
      env: {
        ...process.env,
        CAGED_API_PORT: String(port),
        CAGED_API_HOST: '127.0.0.1',
        CAGED_API_AUTH: 'off',
        CAGED_QUEUE: `caged-bundle-${process.pid}`,
      },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let trace = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (trace += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      let about: { version?: string; caged_version?: string } = {};
      await until(
        async () => {
          try {
            about = (await (await fetch(`http://127.0.0.1:${port}/about`)).json()) as typeof about;
            return true;
          } catch {
            return false;
          }
        },
        60_000,
        'caged api listening',
      );
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
      expect(about.caged_version).toBe(pkg.version);
      expect(about.version).toBe('1.13.1'); // the Judge0 API spoken: clients key their tables by it
    } finally {
      child.kill('SIGTERM');
    }
    await exited;
    expect((JSON.parse(trace) as Trace).bundle?.file).toBe('dist/cli-bundle/api.js');
  });

  it('an error keeps its class: a bad request exits 2 with its JSON error', () => {
    const args = ['run', path.join(dir, 'absent.c'), '--lang', 'c', '--json'];
    const r = caged(args);
    expect(r.code).toBe(2);
    expect(r.trace.bundle?.file).toBe('dist/cli-bundle/run.js');
    expect(JSON.parse(r.stdout) as unknown).toEqual({
      error: { code: 'invalid_request', message: `no such file: ${args[1]}`, field: 'FILE' },
    });
    // The compiled files say the same.
    const compiled = caged(args, { CAGED_BUNDLE: '0' });
    expect({ code: compiled.code, stdout: compiled.stdout, bundle: compiled.trace.bundle }).toEqual({
      code: 2,
      stdout: r.stdout,
      bundle: null,
    });
  });
});

describe('the compiled files instead', () => {
  it('when the bundle is older than the compiled cli.js (someone ran only tsc)', () => {
    const bundle = path.join(BUNDLES, 'languages.js');
    const st = fs.statSync(bundle);
    const older = new Date(fs.statSync(CLI_JS).mtimeMs - 60_000);
    fs.utimesSync(bundle, st.atime, older);
    try {
      const r = caged(['languages', '--image', TEST_MANIFEST, '--json']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.trace.bundle).toBeNull();
      expect(r.trace.compiled).toEqual(expect.arrayContaining([CLI_JS, path.join(ROOT, 'dist', 'src', 'cli', 'languages.js')]));
    } finally {
      fs.utimesSync(bundle, st.atime, st.mtime);
    }
  });

  it('with CAGED_BUNDLE=0', () => {
    const r = caged(['languages', '--image', TEST_MANIFEST, '--json'], { CAGED_BUNDLE: '0' });
    expect(r.code).toBe(0);
    expect(r.trace.bundle).toBeNull();
    expect(r.trace.compiled).toContain(CLI_JS);
  });
});

describe("V8's code cache beside the bundle", () => {
  const cache = path.join(BUNDLES, 'languages.js.cache');
  const languages = (): Trace['bundle'] => {
    const r = caged(['languages', '--image', TEST_MANIFEST, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return r.trace.bundle;
  };

  it('is written by a run without one and used by the next', () => {
    fs.rmSync(cache, { force: true });
    expect(languages()?.codeCache).toBe('none');
    expect(fs.existsSync(cache)).toBe(true);
    expect(languages()?.codeCache).toBe('used');
  });

  it("is not used when it was made for another bundle, and V8's rejection only costs a compile", () => {
    languages();
    const data = fs.readFileSync(cache);
    const newline = data.indexOf(10);
    // Another bundle's identity (its inode differs): not used, rewritten.
    fs.writeFileSync(
      cache,
      Buffer.concat([Buffer.from(data.subarray(0, newline).toString().replace(/ \d+ /, ' 1 ')), data.subarray(newline)]),
    );
    expect(languages()?.codeCache).toBe('none');
    expect(languages()?.codeCache).toBe('used');
    // This bundle's identity, bytes V8 refuses: compiled from the source, rewritten.
    const good = fs.readFileSync(cache);
    const head = good.subarray(0, good.indexOf(10) + 1);
    fs.writeFileSync(cache, Buffer.concat([head, Buffer.alloc(4096, 0x5a)]));
    expect(languages()?.codeCache).toBe('rejected');
    expect(languages()?.codeCache).toBe('used');
  });
});
