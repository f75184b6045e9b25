/**
 * Every verdict, with its Judge0 id, from real C, C++ and Python 3 programs compiled and run in
 * real containers on the real Debian image, through `caged run --json` (the CLI's runCommand
 * in-process with one shared Judge, plus the built CLI spawned for its exit statuses).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runCommand } from '../src/cli/run';
import { Judge } from '../src/judge/judge';
import { encodeOutput } from '../src/judge/result';
import { classifyRun } from '../src/judge/run-verdict';
import { JudgeResultSchema, type JudgeResult } from '../src/judge/schema';
import { judge0Of } from '../src/judge/verdict';
import type { RunResult } from '../src/sandbox/types';
import { runResult } from './helpers/run-result';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

describe('the Judge0 status of a verdict', () => {
  it.each([
    ['AC', null, 3],
    ['WA', null, 4],
    ['TLE', null, 5],
    ['CE', null, 6],
    ['RE', 'SIGSEGV', 7],
    ['OLE', null, 8],
    ['RE', 'SIGXFSZ', 8],
    ['RE', 'SIGFPE', 9],
    ['RE', 'SIGABRT', 10],
    ['RE', null, 11],
    ['RE', 'SIGKILL', 12],
    ['MLE', 'SIGKILL', 12],
    ['SE', 'SIGKILL', 12],
    ['IE', null, 13],
  ] as const)('%s with signal %s is %d', (verdict, signal, id) => {
    expect(judge0Of(verdict, signal).id).toBe(id);
  });
});

describe('classifying a run from what the judge measured', () => {
  const run = (r: Partial<RunResult>): RunResult => runResult({ exitCode: null, ...r });
  const limits = { cpuTimeMs: 1000 };
  it("takes limit verdicts from the sandbox's measured limitHit", () => {
    expect(classifyRun(run({ signal: 'SIGKILL', limitHit: 'memory', oomKills: 1 }), limits).verdict).toBe('MLE');
    expect(classifyRun(run({ signal: 'SIGKILL', limitHit: 'cpu', cpuTimeMs: 1002 }), limits).verdict).toBe('TLE');
    expect(classifyRun(run({ signal: 'SIGKILL', limitHit: 'output' }), limits).verdict).toBe('OLE');
  });
  it("never takes MLE from the program's words or from a peak near the limit", () => {
    // The program's stderr is the program's: anyone can print "std::bad_alloc" and exit 1.
    expect(classifyRun(run({ exitCode: 1, stderr: Buffer.from('Traceback...\nMemoryError\n') }), limits).verdict).toBe('RE');
    expect(classifyRun(run({ signal: 'SIGABRT', stderr: Buffer.from('what():  std::bad_alloc') }), limits).verdict).toBe('RE');
    expect(classifyRun(run({ exitCode: 1, stderr: Buffer.from('x: Cannot allocate memory') }), limits).verdict).toBe('RE');
    expect(classifyRun(run({ signal: 'SIGSEGV', memoryBytes: 62 << 20 }), limits).verdict).toBe('RE');
  });
  it('calls a limit-like signal without a measured limit RE, naming it', () => {
    const xcpu = classifyRun(run({ signal: 'SIGXCPU', cpuTimeMs: 1.6 }), limits);
    expect(xcpu.verdict).toBe('RE');
    expect(xcpu.message).toMatch(/^killed by SIGXCPU .*1\.6 ms of CPU time, below the 1000 ms limit/);
    const xfsz = classifyRun(run({ signal: 'SIGXFSZ' }), limits);
    expect(xfsz.verdict).toBe('RE');
    expect(xfsz.message).toContain('killed by SIGXFSZ');
  });
  it('leaves other failures RE and successful programs OK', () => {
    expect(classifyRun(run({ signal: 'SIGSEGV' }), limits).verdict).toBe('RE');
    expect(classifyRun(run({ exitCode: 0, memoryBytes: 63 << 20, memoryLimitHits: 3 }), limits).verdict).toBe('OK');
  });
});

describe('reporting program output', () => {
  it('keeps UTF-8 as text, binary as base64, and cuts at a character boundary', () => {
    expect(encodeOutput(Buffer.from('héllo'), 100, false)).toEqual({ text: 'héllo', encoding: 'utf8', truncated: false });
    expect(encodeOutput(Buffer.from([0xff, 0x00]), 100, false)).toEqual({ text: '/wA=', encoding: 'base64', truncated: false });
    expect(encodeOutput(Buffer.from('aé'), 2, false)).toEqual({ text: 'a', encoding: 'utf8', truncated: true });
    expect(encodeOutput(Buffer.from('abc'), 100, true).truncated).toBe(true);
  });
});

let judge: Judge;
let dir: string;
let cacheDir: string;

beforeAll(async () => {
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-verdicts-'));
  cacheDir = path.join(dir, 'cache');
  judge = await Judge.create({
    sandbox: await Sandbox.create(),
    closeSandbox: true,
    manifestPath: TEST_MANIFEST,
    compileCacheDir: cacheDir,
  });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, `${++seq}-${name}`);
  fs.writeFileSync(p, content);
  return p;
}

/** `caged run FILE --lang LANG ARGS --json`, parsed and checked against the result schema. */
async function cagedRun(ext: string, lang: string, source: string, args: string[] = []): Promise<JudgeResult> {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const code = await runCommand([file(`main.${ext}`, source), '--lang', lang, ...args, '--json'], out, { judge });
  expect(code).toBe(0);
  return JudgeResultSchema.parse(JSON.parse(text));
}

const SUM_C = '#include <stdio.h>\nint main(void){long a,b; if(scanf("%ld %ld",&a,&b)!=2) return 3; printf("%ld\\n",a+b); return 0;}\n';
const SUM_CPP = '#include <iostream>\nint main(){long a,b; std::cin>>a>>b; std::cout<<a+b<<"\\n";}\n';
const SUM_PY = 'a, b = map(int, input().split())\nprint(a + b)\n';

describe('when the program is right', () => {
  it.each([
    ['C', 'c', 'c', SUM_C],
    ['C++17', 'cpp', 'cpp17', SUM_CPP],
    ['C++20', 'cpp', 'cpp20', SUM_CPP],
    ['C++23', 'cpp', 'cpp23', SUM_CPP],
    ['C23', 'c', 'c23', SUM_C],
    ['Python 3', 'py', 'python3', SUM_PY],
  ])('reports AC (3) for %s', async (_name, ext, lang, source) => {
    const r = await cagedRun(ext, lang, source, ['--stdin', file('in', '2 40\n'), '--expected', file('out', '42\n')]);
    expect(r.verdict).toBe('AC');
    expect(r.judge0).toEqual({ id: 3, description: 'Accepted' });
    expect(r.score).toBe(1);
    expect(r.tests[0]!.stdout).toBe('42\n');
    expect(r.language.id).toBe(lang);
    // Python's compile is its syntax check (py_compile), as DOMjudge's and Kattis's.
    expect(r.compile?.verdict).toBe('OK');
  });
});

describe('when the answer is wrong', () => {
  it('reports WA (4) with the checker message', async () => {
    const r = await cagedRun('c', 'c', SUM_C, ['--stdin', file('in', '2 2\n'), '--expected', file('out', '5\n')]);
    expect(r.verdict).toBe('WA');
    expect(r.judge0.id).toBe(4);
    expect(r.tests[0]!.checkerMessage).toContain('token 1 differs');
    expect(r.score).toBe(0);
  });
});

describe('when the program runs too long', () => {
  it('reports TLE (5) for a C busy loop at the CPU limit', async () => {
    const r = await cagedRun('c', 'c', 'int main(void){volatile unsigned long i=0; for(;;) i++;}\n', ['--time', '0.5']);
    expect(r.verdict).toBe('TLE');
    expect(r.judge0.id).toBe(5);
    expect(r.tests[0]!.limitHit).toBe('cpu');
    expect(r.tests[0]!.cpuTimeMs).toBeGreaterThanOrEqual(500);
  });

  it('reports TLE (5) for a sleeping Python program at the wall limit', async () => {
    const r = await cagedRun('py', 'python3', 'import time\ntime.sleep(30)\n', ['--time', '0.5', '--wall', '1']);
    expect(r.verdict).toBe('TLE');
    expect(r.tests[0]!.limitHit).toBe('wall');
  });
});

describe('when the program runs out of memory', () => {
  it('reports MLE for C killed by the OOM killer', async () => {
    const src =
      '#include <stdlib.h>\n#include <string.h>\nint main(void){for(;;){char*p=malloc(1<<20); if(!p) return 5; memset(p,1,1<<20);}}\n';
    const r = await cagedRun('c', 'c', src, ['--memory', '64']);
    expect(r.verdict).toBe('MLE');
    expect(r.tests[0]!.limitHit).toBe('memory');
    expect(r.judge0.id).toBe(12);
  });

  // The two cases below fail in the address space, far from the cgroup's limit: nothing the
  // judge measures says memory ran out, only the program's own words do. They were MLE while
  // the verdict was read from stderr; a program could then choose MLE by printing bad_alloc.
  it('reports RE, not MLE, for a 128 TiB C++ operator new that throws bad_alloc (no cgroup limit reached)', async () => {
    // 128 TiB: more than the address space, so the allocation fails whatever the overcommit policy.
    const src =
      '#include <cstdio>\n#include <new>\nint main(){ volatile unsigned long n = 1UL << 47; void *p = ::operator new(n); std::printf("%p\\n", p); }\n';
    const r = await cagedRun('cpp', 'cpp17', src, ['--memory', '64']);
    expect(r.tests[0]!.signal).toBe('SIGABRT');
    expect(r.tests[0]!.stderr).toContain('bad_alloc');
    expect(r.verdict).toBe('RE');
    expect(r.tests[0]!.limitHit).toBeNull();
    expect(r.judge0.id).toBe(10);
  });

  it('reports RE, not MLE, for Python bytearray(10**12) MemoryError (exit 1, no cgroup limit reached)', async () => {
    const r = await cagedRun('py', 'python3', 'x = bytearray(10**12)\n', ['--memory', '64']);
    expect(r.tests[0]!.exitCode).toBe(1);
    expect(r.tests[0]!.stderr).toContain('MemoryError');
    expect(r.verdict).toBe('RE');
  });

  it('reports MLE for a Python list growing into the cgroup limit', async () => {
    const r = await cagedRun('py', 'python3', 'a = []\nwhile True:\n    a.append(" " * 1000000)\n', ['--memory', '64']);
    expect(r.verdict).toBe('MLE');
    expect(r.tests[0]!.memoryBytes).toBeGreaterThanOrEqual(0.9 * 64 * 2 ** 20);
  });
});

describe('when the program prints too much', () => {
  it('reports OLE (8) and keeps a capped, truncated stdout', async () => {
    const r = await cagedRun('c', 'c', '#include <stdio.h>\nint main(void){for(;;) puts("spam spam spam");}\n', ['--output', '64']);
    expect(r.verdict).toBe('OLE');
    expect(r.judge0.id).toBe(8);
    expect(r.tests[0]!.limitHit).toBe('output');
    expect(r.tests[0]!.stdoutTruncated).toBe(true);
    expect(r.tests[0]!.stdout.startsWith('spam spam spam\n')).toBe(true);
  });
});

describe('when many tests each print the per-stream cap', () => {
  it("shares the job's report among them: each test keeps 8 MiB / (2 x tests) of a stream, marked truncated", async () => {
    // 100 tests of 100 000 bytes on each stream: 64 KiB each would be 12.5 MiB; 8 MiB / 200 is 41 943 bytes.
    const share = Math.floor((8 * 2 ** 20) / 200);
    const source =
      '#include <stdio.h>\n#include <string.h>\nstatic char b[100000];\n' +
      'int main(void){memset(b,0xff,sizeof b); fwrite(b,1,sizeof b,stdout); fwrite(b,1,sizeof b,stderr); return 0;}\n';
    const r = await judge.judge({ language: 'c', source, testcases: Array.from({ length: 100 }, () => ({ stdin: '' })) });
    expect(r.tests.map((t) => t.verdict)).toEqual(Array(100).fill('AC'));
    for (const t of r.tests) {
      expect([t.stdoutEncoding, t.stderrEncoding]).toEqual(['base64', 'base64']);
      expect([Buffer.from(t.stdout, 'base64').length, Buffer.from(t.stderr, 'base64').length]).toEqual([share, share]);
      expect([t.stdoutTruncated, t.stderrTruncated]).toEqual([true, true]);
    }
    // A job of few tests keeps the per-stream cap, 64 KiB.
    const one = await judge.judge({ language: 'c', source, testcases: [{ stdin: '' }] });
    expect(Buffer.from(one.tests[0]!.stdout, 'base64').length).toBe(64 * 1024);
  }, 120_000);
});

describe('when the program crashes', () => {
  it.each([
    ['SIGSEGV', 7, 'int main(void){volatile int *p = 0; *p = 1; return 0;}\n'],
    ['SIGFPE', 9, '#include <stdio.h>\nint main(void){volatile int a = 7, b = 0; printf("%d\\n", a / b); return 0;}\n'],
    ['SIGABRT', 10, '#include <stdlib.h>\nint main(void){abort();}\n'],
  ])('reports RE with %s (Judge0 %d)', async (signal, id, src) => {
    const r = await cagedRun('c', 'c', src);
    expect(r.verdict).toBe('RE');
    expect(r.tests[0]!.signal).toBe(signal);
    expect(r.tests[0]!.exitCode).toBeNull();
    expect(r.judge0.id).toBe(id);
  });

  it('reports RE NZEC (11) with the exit code for C', async () => {
    const r = await cagedRun('c', 'c', 'int main(void){return 3;}\n');
    expect(r.verdict).toBe('RE');
    expect(r.tests[0]!.exitCode).toBe(3);
    expect(r.tests[0]!.signal).toBeNull();
    expect(r.judge0).toEqual({ id: 11, description: 'Runtime Error (NZEC)' });
  });

  it('reports RE NZEC (11) for an uncaught Python exception, with its traceback', async () => {
    const r = await cagedRun('py', 'python3', 'raise ValueError("boom")\n');
    expect(r.verdict).toBe('RE');
    expect(r.tests[0]!.exitCode).toBe(1);
    expect(r.tests[0]!.stderr).toContain('ValueError: boom');
    expect(r.judge0.id).toBe(11);
  });
});

describe('when the program names its own failure', () => {
  it('reports RE naming SIGXCPU for a self-raised SIGXCPU far below the CPU limit', async () => {
    const r = await cagedRun('c', 'c', '#include <signal.h>\nint main(void){raise(SIGXCPU); return 0;}\n', ['--time', '1']);
    expect(r.verdict).toBe('RE');
    expect(r.tests[0]!.signal).toBe('SIGXCPU');
    expect(r.tests[0]!.limitHit).toBeNull();
    expect(r.tests[0]!.message).toContain('SIGXCPU');
    expect(r.tests[0]!.cpuTimeMs).toBeLessThan(1000);
  });

  it('reports RE naming SIGXFSZ (Judge0 8) for a self-raised SIGXFSZ', async () => {
    const r = await cagedRun('c', 'c', '#include <signal.h>\nint main(void){raise(SIGXFSZ); return 0;}\n');
    expect(r.verdict).toBe('RE');
    expect(r.tests[0]!.signal).toBe('SIGXFSZ');
    expect(r.tests[0]!.limitHit).toBeNull();
    expect(r.tests[0]!.message).toContain('SIGXFSZ');
    expect(r.judge0).toEqual({ id: 8, description: 'Runtime Error (SIGXFSZ)' });
  });

  it('reports RE with the exit code for "std::bad_alloc" printed, then exit 1', async () => {
    const src =
      '#include <cstdio>\nint main(){ std::fprintf(stderr, "terminate called after throwing an instance of \'std::bad_alloc\'\\n  what():  std::bad_alloc\\n"); return 1; }\n';
    const r = await cagedRun('cpp', 'cpp17', src, ['--memory', '64']);
    expect(r.tests[0]!.stderr).toContain('std::bad_alloc');
    expect(r.verdict).toBe('RE');
    expect(r.tests[0]!.exitCode).toBe(1);
    expect(r.tests[0]!.limitHit).toBeNull();
    // Named in the message, nothing more: the verdict is the exit code's.
    expect(r.tests[0]!.message).toBe('exit code 1 (std::bad_alloc on stderr)');
    expect(r.judge0.id).toBe(11);
  });
});

describe('when the source does not compile', () => {
  it('reports CE (6) with the compiler message, and runs no test', async () => {
    const r = await cagedRun('cpp', 'cpp17', 'int main() { return undeclared_name; }\n');
    expect(r.verdict).toBe('CE');
    expect(r.judge0).toEqual({ id: 6, description: 'Compilation Error' });
    expect(r.compile?.verdict).toBe('CE');
    expect(r.compile?.exitCode).not.toBe(0);
    expect(r.compile?.output).toContain('undeclared_name');
    expect(r.tests.every((t) => t.verdict === 'SKIPPED')).toBe(true);
  });
});

describe('when the program makes a forbidden system call', () => {
  it.each([
    [
      'ptrace',
      '#include <sys/ptrace.h>\n#include <stdio.h>\nint main(void){printf("%ld\\n", ptrace(PTRACE_TRACEME, 0, 0, 0)); return 0;}\n',
    ],
    [
      'keyctl',
      '#include <unistd.h>\n#include <sys/syscall.h>\n#include <stdio.h>\nint main(void){printf("%ld\\n", syscall(SYS_keyctl, 0, 0, 0, 0, 0)); return 0;}\n',
    ],
  ])('reports SE for %s', async (name, src) => {
    const r = await cagedRun('c', 'c', src);
    expect(r.verdict).toBe('SE');
    expect(r.judge0.id).toBe(12);
    expect(r.tests[0]!.message).toContain(name);
  });
});

describe('when the program writes binary output', () => {
  it('keeps it intact as base64', async () => {
    const r = await cagedRun('c', 'c', '#include <stdio.h>\nint main(void){putchar(0xff); putchar(0); putchar(0xfe); return 0;}\n');
    expect(r.tests[0]!.stdoutEncoding).toBe('base64');
    expect(Buffer.from(r.tests[0]!.stdout, 'base64')).toEqual(Buffer.from([0xff, 0, 0xfe]));
  });
});

describe('the built command line', () => {
  const main = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');

  beforeAll(() => {
    if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm test does it) first`);
  });

  it('exits 0 and prints the result with --json', () => {
    const src = file('main.c', SUM_C);
    const r = spawnSync('node', [main, 'run', src, '--lang', 'c', '--stdin', file('in', '1 2'), '--expected', file('out', '3'), '--json'], {
      encoding: 'utf8',
      env: { ...process.env, CAGED_IMAGE: TEST_MANIFEST },
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(JudgeResultSchema.parse(JSON.parse(r.stdout)).verdict).toBe('AC');
  }, 60_000);

  it('exits 2 with a one-line error naming the field for an unknown language', () => {
    const r = spawnSync('node', [main, 'run', file('main.c', SUM_C), '--lang', 'swift'], {
      encoding: 'utf8',
      env: { ...process.env, CAGED_IMAGE: TEST_MANIFEST },
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^caged: language: unknown language "swift"/);
  }, 60_000);

  it('exits 2 for a missing file without touching the sandbox', () => {
    const r = spawnSync('node', [main, 'run', path.join(dir, 'nope.c'), '--lang', 'c'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('FILE: no such file');
  });
});
