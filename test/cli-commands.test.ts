/**
 * The command line as a person meets it, through the built CLI (dist/) on the real image:
 * `--help` on every command touches nothing (no Redis connection, exit 0), unknown options and
 * impossible limits are refused before anything runs (exit 2; JSON with --json), bytes that are
 * not UTF-8 reach the program and come back byte for byte, and Ctrl-C (SIGINT) or SIGTERM
 * mid-job leaves no job directory and no cgroup behind (exit 130 / 143).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { JudgeResult } from '../src/judge/schema';
import { TEST_MANIFEST } from './helpers/image';
import { MAIN_JS, freePort, until } from './helpers/queue';

jest.setTimeout(120_000);

const JOBS_DIR = '/var/lib/caged/jobs';
const COMMANDS = ['run', 'judge', 'submit', 'exec', 'demo', 'problem', 'languages', 'worker', 'grade', 'selftest', 'api'];

let dir: string;
beforeAll(() => {
  if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first`);
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\``);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function caged(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN_JS, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 100_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** A TCP server standing in for Redis: it only counts who connects. */
async function connectionCounter(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `redis://127.0.0.1:${port}`, count: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

describe('--help and --version', () => {
  it('print the usage of every command and connect nowhere', async () => {
    const redis = await connectionCounter();
    try {
      for (const command of COMMANDS)
        for (const flag of ['--help', '-h']) {
          const r = caged([command, flag], { CAGED_REDIS_URL: redis.url });
          expect({ command, flag, code: r.code, stderr: r.stderr }).toEqual({ command, flag, code: 0, stderr: '' });
          expect(r.stdout).toMatch(new RegExp(`^(usage: )?caged ${command}\\b`));
        }
      // Even among other arguments, and even for a command that would start a worker.
      expect(caged(['demo', '--samples', 'x', '-h'], { CAGED_REDIS_URL: redis.url }).code).toBe(0);
      expect(redis.count()).toBe(0);
    } finally {
      await redis.close();
    }
  });

  it('caged --version prints the package version', () => {
    const version = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
    expect(caged(['--version'])).toEqual({ code: 0, stdout: `caged ${version}\n`, stderr: '' });
  });
});

describe('bad requests', () => {
  it('refuses unknown options before connecting, as JSON with --json', async () => {
    const src = write('ok.c', 'int main(void){return 0;}\n');
    const redis = await connectionCounter();
    try {
      const r = caged(['submit', src, '--lang', 'c', '--bogus', '--json'], { CAGED_REDIS_URL: redis.url });
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'invalid_request', message: 'unknown option', field: '--bogus' } });
      expect(caged(['submit', src, '--lang', 'c', '-x'], { CAGED_REDIS_URL: redis.url })).toMatchObject({
        code: 2,
        stderr: 'caged: -x: unknown option\n',
      });
      expect(redis.count()).toBe(0);
    } finally {
      await redis.close();
    }
  });

  it.each([
    [['--memory', '0.001'], '--memory', /^0\.001 MB is below the minimum of 4 MB/],
    [['--pids', '1'], '--pids', /^1 processes is below the minimum of 2 processes/],
    [['--pids', '2.5'], '--pids', /^must be a whole number of processes/],
  ])('refuses impossible limits %j naming the flag (exit 2, nothing run)', (flags, field, message) => {
    const src = write('sum.c', '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}\n');
    const r = caged(['run', src, '--lang', 'c', ...flags, '--json']);
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string; field: string } };
    expect(error.code).toBe('invalid_request');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('refuses a binary file given as the source without echoing it', () => {
    const bin = write('prog', Buffer.concat([Buffer.from('\x7fELF\x1b]0;pwned\x07'), Buffer.alloc(256)]));
    const r = caged(['run', bin, '--lang', 'c']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds a NUL byte .* binary file/);
    expect(r.stderr + r.stdout).not.toContain('\x1b');
    expect(r.stderr + r.stdout).not.toContain('\0');
  });

  it("refuses a limit flag above the judge's maximum in the flag's unit, naming the setting, before anything runs", () => {
    const src = write('ok.c', 'int main(void){return 0;}\n');
    const r = caged(['run', src, '--lang', 'c', '--time', '6'], { CAGED_MAX_CPU_MS: '5000' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("caged: --time: 6 s is above this judge's maximum of 5 s (CAGED_MAX_CPU_MS raises it)\n");
    expect(r.stdout).toBe('');
    expect(caged(['run', src, '--lang', 'c', '--time', '5'], { CAGED_MAX_CPU_MS: '5000' }).code).toBe(0);
  });
});

describe('bytes that are not UTF-8', () => {
  it('reach the program and come back byte for byte (source, stdin, expected output)', () => {
    // A C source whose string literal holds the raw byte 0xE9 (Latin-1 é): not UTF-8.
    const source = Buffer.concat([
      Buffer.from('#include <stdio.h>\nint main(void){char b[64];size_t n=fread(b,1,sizeof b,stdin);fwrite(b,1,n,stdout);fputs("'),
      Buffer.from([0xe9]),
      Buffer.from('",stdout);return 0;}\n'),
    ]);
    const stdin = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a]);
    const expected = Buffer.concat([stdin, Buffer.from([0xe9])]);
    const tests = path.join(dir, 'bytes');
    fs.mkdirSync(tests);
    fs.writeFileSync(path.join(tests, '1.in'), stdin);
    fs.writeFileSync(path.join(tests, '1.ans'), expected);
    const r = caged(['run', write('latin1.c', source), '--lang', 'c', '--tests', tests, '--checker', 'exact', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as JudgeResult;
    expect(result.verdict).toBe('AC');
    const [t] = result.tests;
    expect(t!.stdoutEncoding).toBe('base64');
    expect(Buffer.from(t!.stdout, 'base64')).toEqual(expected);
  });
});

describe('on a terminal', () => {
  it('caged run draws a progress line per test on stderr, cleared before the result', () => {
    const tests = path.join(dir, 'progress');
    fs.mkdirSync(tests, { recursive: true });
    for (const n of [1, 2, 3]) {
      fs.writeFileSync(path.join(tests, `${n}.in`), `${n} ${n}\n`);
      fs.writeFileSync(path.join(tests, `${n}.ans`), `${2 * n}\n`);
    }
    const src = write('sum2.c', '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}\n');
    // script(1) gives the command a pseudo-terminal, as a person's shell would.
    const cmd = [process.execPath, MAIN_JS, 'run', src, '--lang', 'c', '--tests', tests].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', timeout: 100_000 });
    expect(r.status).toBe(0);
    for (const n of [1, 2, 3]) expect(r.stdout).toContain(`] ${n}/3 AC\r\x1b[2K`);
    expect(r.stdout).toContain('\r\x1b[2KAC (Judge0 3 Accepted) score 3/3');
  });
});

describe('when the reader of stdout goes away', () => {
  it('exits 141 quietly, as a program that SIGPIPE ended (`caged exec … | head -c 1`)', () => {
    // 5 MB of output: far more than a pipe holds, so writes go on after head has exited.
    const cmd =
      `'${process.execPath}' '${MAIN_JS}' exec --lang c -- /bin/sh -c 'yes | head -c 5000000' | head -c 1 >/dev/null; ` +
      'echo "status ${PIPESTATUS[0]}" >&2';
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 100_000 });
    expect(r.stderr).toMatch(/^caged: OK exited normally \(cpu [^\n]*\)\nstatus 141\n$/);
  });

  it('stops the command at once, quietly: `caged selftest` stops after the line head took', () => {
    // The first line comes after c's self-tests; Kotlin's and Scala's compiles then take seconds
    // each, which the stopped command does not wait for.
    const selftest = `'${process.execPath}' '${MAIN_JS}' selftest --lang c kotlin scala`;
    const timed = (cmd: string) => {
      const t0 = Date.now();
      const r = spawnSync('bash', ['-c', `${cmd}; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', timeout: 100_000 });
      return { stderr: r.stderr, ms: Date.now() - t0 };
    };
    const whole = timed(`${selftest} >/dev/null`);
    const cut = timed(`${selftest} | head -n 1 >/dev/null`);
    expect(whole.stderr).toBe('status 0\n');
    expect(cut.stderr).toBe('status 141\n');
    expect(cut.ms).toBeLessThan(whole.ms / 2);
  });

  it('the same when stderr goes to that reader too (`2>&1 | head -c 1`)', () => {
    const cmd =
      `'${process.execPath}' '${MAIN_JS}' exec --lang c -- /bin/sh -c 'yes | head -c 5000000' 2>&1 | head -c 1 >/dev/null; ` +
      'echo "status ${PIPESTATUS[0]}" >&2';
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 100_000 });
    expect(r.stderr).toBe('status 141\n');
  });
});

/** Entries named after `pid` (caged-<pid>-<seq>) in the jobs directory and in every cgroup hierarchy. */
function leftovers(pid: number): string[] {
  const mine = (n: string) => n.startsWith(`caged-${pid}-`);
  const found = fs.existsSync(JOBS_DIR)
    ? fs
        .readdirSync(JOBS_DIR)
        .filter(mine)
        .map((n) => path.join(JOBS_DIR, n))
    : [];
  const walk = (d: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries)
      if (e.isDirectory()) {
        if (mine(e.name)) found.push(path.join(d, e.name));
        else if (depth > 0) walk(path.join(d, e.name), depth - 1);
      }
  };
  walk('/sys/fs/cgroup', 3);
  return found;
}

describe('when interrupted mid-job', () => {
  async function interrupt(
    args: string[],
    signal: NodeJS.Signals,
  ): Promise<{ code: number | null; ms: number; stdout: string; stderr: string; pid: number }> {
    const child = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const pid = child.pid!;
    // Mid-job: its cgroups exist (and, for a judged run, its job directory).
    const judged = args[0] === 'run' || args[0] === 'judge' || args[0] === 'selftest';
    await until(
      () =>
        leftovers(pid).filter((p) => !p.startsWith(JOBS_DIR)).length > 0 && (!judged || leftovers(pid).some((p) => p.startsWith(JOBS_DIR))),
      60_000,
      'the job to start',
    );
    await new Promise((r) => setTimeout(r, 500));
    const sent = Date.now();
    child.kill(signal);
    const code = await exited;
    return { code, ms: Date.now() - sent, stdout, stderr, pid };
  }

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('caged run kills its box, removes its job directory and cgroups on %s and exits %i', async (signal, exitCode) => {
    const spin = write('spin.c', 'int main(void){volatile unsigned long n=0;for(;;)n++;}\n');
    const r = await interrupt(['run', spin, '--lang', 'c', '--time', '8', '--wall', '16'], signal);
    expect(r.code).toBe(exitCode);
    expect(r.ms).toBeLessThan(5000); // not the 8 s the running test had left
    expect(r.stderr).toContain(`caged: ${signal}: stopping and cleaning up`);
    expect(r.stdout).toBe(''); // no verdict for a box the interrupt killed
    expect(leftovers(r.pid)).toEqual([]);
  });

  it('caged judge does the same for a problem package on SIGINT', async () => {
    const pkg = path.join(dir, 'spin-package');
    fs.cpSync(path.join(__dirname, 'packages', 'sum', 'data'), path.join(pkg, 'data'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'problem.yaml'), 'name: Spin\nlimits:\n  memory: 256\n  time_limit: 8\n');
    const spin = write('spin.c', 'int main(void){volatile unsigned long n=0;for(;;)n++;}\n');
    const r = await interrupt(['judge', pkg, spin, '--lang', 'c'], 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.ms).toBeLessThan(5000);
    expect(r.stderr).toContain('caged: SIGINT: stopping and cleaning up');
    expect(r.stdout).toBe('');
    expect(leftovers(r.pid)).toEqual([]);
  });

  it('caged selftest does the same on SIGINT, and prints no verdict for the program it killed', async () => {
    // A self-test that sleeps past the default wall limit's first half: interrupted mid-run.
    const langs = path.join(dir, 'selftest-languages');
    fs.mkdirSync(path.join(langs, 'c'), { recursive: true });
    fs.writeFileSync(path.join(langs, 'c', 'selftest.c'), '#include <unistd.h>\nint main(void){sleep(30);return 0;}\n');
    const r = await interrupt(['selftest', '--manifest', TEST_MANIFEST, '--lang', 'c', '--languages-dir', langs], 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.ms).toBeLessThan(4000); // not the 5 s wall limit the run had
    expect(r.stderr).toContain('caged: SIGINT: stopping and cleaning up');
    expect(r.stdout).toBe(''); // no FAIL line: a run the interrupt killed is no verdict on the image
    expect(leftovers(r.pid)).toEqual([]);
  });

  it('caged exec does the same on SIGTERM', async () => {
    const r = await interrupt(['exec', '--time', '8', '--wall', '16', '--', 'sleep', '12'], 'SIGTERM');
    expect(r.code).toBe(143);
    expect(r.ms).toBeLessThan(5000);
    expect(leftovers(r.pid)).toEqual([]);
  });
});
