/**
 * File input and output (`fileIo`, docs/judging.md): each test's input written to a named file
 * in the program's working directory (and given on stdin as well), its answer read from a named
 * file it writes there, checked instead of its stdout. Real containers and compilers; the answer
 * comes out of the run's kept writes (a capped directory of their own), never through a link,
 * and no test sees another's. Runs as root and rootless (scripts/test-rootless.sh).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Judge } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { runVerdict } from './helpers/judge-cli';
import { useTestJudge } from './helpers/judge-fixture';
import { ROOTLESS } from './helpers/mode';

let judge: Judge;
useTestJudge('caged-file-io-cache-', (j) => (judge = j));

/** A C program: reads two numbers from `input.txt`, writes their sum to `output.txt`, says "done" on stdout. */
function sumFiles(tag = crypto.randomBytes(6).toString('hex')): string {
  return `/* ${tag} */
#include <stdio.h>
int main(void) {
  long a, b;
  FILE *in = fopen("input.txt", "r");
  if (!in || fscanf(in, "%ld %ld", &a, &b) != 2) return 3;
  FILE *out = fopen("output.txt", "w");
  fprintf(out, "%ld\\n", a + b);
  fclose(out);
  puts("done");
  return 0;
}
`;
}

const SUMS: SubmissionInput['testcases'] = [
  { stdin: '1 2\n', expected: '3\n' },
  { stdin: '40 2\n', expected: '42\n' },
  { stdin: '-5 5\n', expected: '0\n' },
];
const FILE_IO = { input: 'input.txt', output: 'output.txt' };

describe('file input and output', () => {
  it('with allowFileWriting false, lets the program write its output file alone (CMS): any other write fails', async () => {
    const source = `
import os, sys
a, b = map(int, open("input.txt").read().split())
open("output.txt", "w").write(f"{a + b}\\n")
for what, act in (("other", lambda: open("other.txt", "w")), ("remove", lambda: os.remove("output.txt")), ("rename", lambda: os.rename("output.txt", "x"))):
    try:
        act()
        print(what, "done", file=sys.stderr)
    except OSError as e:
        print(what, "refused:", e.strerror, file=sys.stderr)
`;
    const r = await judge.judge({ language: 'python3', source, testcases: SUMS, fileIo: FILE_IO, allowFileWriting: false });
    expect(r.tests.map((t) => [t.verdict, t.stdout])).toEqual([
      ['AC', '3\n'],
      ['AC', '42\n'],
      ['AC', '0\n'],
    ]);
    expect(r.tests[0]?.stderr).toBe(
      'other refused: Read-only file system\nremove refused: Read-only file system\nrename refused: Read-only file system\n',
    );
    // Writing is allowed by default: the same program may do all three.
    const free = await judge.judge({ language: 'python3', source, testcases: SUMS.slice(0, 1), fileIo: FILE_IO });
    expect(free.tests[0]?.stderr).toBe('other done\nremove done\nrename refused: No such file or directory\n');
    // A file of the submission's by the output file's name is hidden: the file starts empty.
    const seeded = await judge.judge({
      language: 'python3',
      files: [
        { name: 'main.py', content: 'import sys\nprint(repr(open("output.txt").read()), file=sys.stderr)\n' },
        { name: 'output.txt', content: '3\n' },
      ],
      entry: 'main.py',
      testcases: SUMS.slice(0, 1),
      fileIo: FILE_IO,
      allowFileWriting: false,
    });
    expect(seeded.tests[0]).toMatchObject({ verdict: 'WA', stdout: '', stderr: "''\n" });
    // Another output file: output.txt is not writable then; nothing is, without one.
    for (const fileIo of [{ input: 'input.txt', output: 'result.txt' }, { input: 'input.txt' }]) {
      const other = await judge.judge({ language: 'python3', source, testcases: SUMS.slice(0, 1), fileIo, allowFileWriting: false });
      expect(other.tests[0]).toMatchObject({ verdict: 'RE' });
      expect(other.tests[0]?.stderr).toMatch(/Read-only file system: 'output.txt'/);
    }
  });

  it('gives each test its input in the file and checks the answer from the file, reported as its output', async () => {
    const r = await judge.judge({ language: 'c', source: sumFiles(), testcases: SUMS, fileIo: FILE_IO });
    expect(r.tests.map((t) => [t.verdict, t.stdout])).toEqual([
      ['AC', '3\n'],
      ['AC', '42\n'],
      ['AC', '0\n'],
    ]);
    // Without fileIo the same program finds no input.txt (exit 3).
    const plain = await judge.judge({ language: 'c', source: sumFiles(), testcases: SUMS.slice(0, 1) });
    expect(plain.tests[0]).toMatchObject({ verdict: 'RE', exitCode: 3 });
  });

  it("keeps each test's files its own when tests run at once, and the job's box untouched", async () => {
    const source = `
import os
a, b = map(int, open("input.txt").read().split())
assert not os.path.exists("output.txt"), "a previous test's answer is here"
open("output.txt", "w").write(f"{a + b}\\n")
`;
    const tests = Array.from({ length: 12 }, (_, i) => ({ stdin: `${i} ${i}\n`, expected: `${2 * i}\n` }));
    const r = await judge.judge({ language: 'python3', source, testcases: tests, fileIo: FILE_IO });
    expect(r.tests.map((t) => t.verdict)).toEqual(tests.map(() => 'AC'));
  });

  it('gives the input on standard input too, and reads the answer from the file alone', async () => {
    const source = 'a, b = map(int, input().split())\nopen("sum.out", "w").write(str(a + b))\nprint("ignored")\n';
    const r = await judge.judge({ language: 'python3', source, testcases: SUMS, fileIo: { input: 'sum.in', output: 'sum.out' } });
    expect(r.tests.map((t) => [t.verdict, t.stdout])).toEqual([
      ['AC', '3'],
      ['AC', '42'],
      ['AC', '0'],
    ]);
    // An answer on stdout alone is no answer: WA, and the message says the file was not written.
    const stdoutOnly = await judge.judge({
      language: 'python3',
      source: 'a, b = map(int, input().split())\nprint(a + b)\n',
      testcases: SUMS.slice(0, 1),
      fileIo: { output: 'sum.out' },
    });
    expect(stdoutOnly.tests[0]).toMatchObject({ verdict: 'WA', stdout: '', message: 'wrong answer (no sum.out written)' });
  });

  it('judges an answer file over the output limit as OLE, and a link or a FIFO in its place as no answer', async () => {
    const big = await judge.judge({
      language: 'python3',
      source: 'open("output.txt", "w").write("1" * 300000)\n',
      testcases: [{ expected: '1' }],
      fileIo: { output: 'output.txt' },
      limits: { outputBytes: 100_000 },
    });
    expect(big.tests[0]).toMatchObject({ verdict: 'OLE', limitHit: 'output' });
    const link = await judge.judge({
      language: 'python3',
      source: 'import os\nos.symlink("/etc/hostname", "output.txt")\n',
      testcases: [{ expected: 'caged\n' }],
      fileIo: { output: 'output.txt' },
    });
    expect(link.tests[0]).toMatchObject({ verdict: 'WA', message: 'wrong answer (output.txt is a symbolic link)' });
    const fifo = await judge.judge({
      language: 'python3',
      source: 'import os\nos.mkfifo("output.txt")\n',
      testcases: [{ expected: '1' }],
      fileIo: { output: 'output.txt' },
    });
    expect(fifo.tests[0]).toMatchObject({ verdict: 'WA', message: 'wrong answer (output.txt is not a regular file)' });
    // Without an expected output nothing is checked, but the missing file is still said.
    const unchecked = await judge.judge({ language: 'python3', source: 'print(1)\n', testcases: [{}], fileIo: { output: 'output.txt' } });
    expect(unchecked.tests[0]).toMatchObject({
      verdict: 'AC',
      message: 'exited normally (no expected output to check; no output.txt written)',
    });
  });

  it('reads an answer the program made unreadable, in a working directory it made unreadable too', async () => {
    const r = await judge.judge({
      language: 'python3',
      source: 'import os\nopen("output.txt", "w").write("3\\n")\nos.chmod("output.txt", 0)\nos.chmod(".", 0)\n',
      testcases: [{ expected: '3\n' }],
      fileIo: { output: 'output.txt' },
    });
    expect(r.tests[0]).toMatchObject({ verdict: 'AC', stdout: '3\n' });
  });

  it('caps what a test may write at its disk quota (rootless: its memory limit), and a run that fails keeps its verdict', async () => {
    // Writes 4 MiB files until the disk (64 MiB for a test) is full, makes room and answers: the answer counts.
    const source = `
import os
n = 0
try:
    while True:
        with open(f"fill{n}", "wb") as f:
            f.write(b"x" * (4 << 20))
        n += 1
except OSError as e:
    os.remove("fill0")
    open("output.txt", "w").write(f"full {8 <= n <= 16}\\n" if e.errno == 28 else f"{e}\\n")
`;
    const r = await judge.judge({
      language: 'python3',
      source,
      testcases: [{ expected: 'full True\n' }],
      fileIo: { output: 'output.txt' },
      limits: { memoryBytes: 256 * 2 ** 20 },
    });
    // Rootless, the writes go to the user's jobs tmpfs, whose pages the memory limit counts.
    expect(r.tests[0]).toMatchObject(ROOTLESS ? { verdict: 'MLE' } : { verdict: 'AC' });
    const tle = await judge.judge({
      language: 'python3',
      source: 'open("output.txt", "w").write("3\\n")\nwhile True: pass\n',
      testcases: [{ stdin: '1 2\n', expected: '3\n' }],
      fileIo: FILE_IO,
      limits: { cpuTimeMs: 500 },
    });
    expect(tle.tests[0]).toMatchObject({ verdict: 'TLE' });
  });

  it('is what caged run --input-file and --output-file ask for', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-file-io-cli-'));
    try {
      const main = path.join(dir, 'main.c');
      fs.writeFileSync(main, sumFiles());
      fs.writeFileSync(path.join(dir, 'in'), '20 22\n');
      fs.writeFileSync(path.join(dir, 'ans'), '42\n');
      const verdictOf = async (...flags: string[]) =>
        (await runVerdict(judge, [main, '--stdin', path.join(dir, 'in'), '--expected', path.join(dir, 'ans'), ...flags])).verdict;
      expect(await verdictOf('--input-file', 'input.txt', '--output-file', 'output.txt')).toBe('AC');
      expect(await verdictOf('--input-file', 'input.txt')).toBe('WA');
      expect(await verdictOf()).toBe('RE');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('file input and output without overlayfs', () => {
  let fallback: Judge;
  useTestJudge('caged-file-io-plain-', (j) => (fallback = j), {}, { overlay: false });

  it('gives each test a copy of the box where its writes are kept', async () => {
    const r = await fallback.judge({ language: 'c', source: sumFiles(), testcases: SUMS, fileIo: FILE_IO });
    expect(r.tests.map((t) => [t.verdict, t.stdout])).toEqual([
      ['AC', '3\n'],
      ['AC', '42\n'],
      ['AC', '0\n'],
    ]);
  }, 120_000);

  it('lets the program write its output file alone with allowFileWriting false, a file of the box by that name hidden', async () => {
    const source = `
import sys
a, b = map(int, open("input.txt").read().split())
print(repr(open("output.txt").read()), file=sys.stderr)
open("output.txt", "w").write(f"{a + b}\\n")
try:
    open("other.txt", "w")
except OSError as e:
    print(e.strerror, file=sys.stderr)
`;
    // A file of the submission's by the output file's name starts empty all the same.
    const r = await fallback.judge({
      language: 'python3',
      files: [
        { name: 'main.py', content: source },
        { name: 'output.txt', content: '3\n' },
      ],
      entry: 'main.py',
      testcases: SUMS,
      fileIo: FILE_IO,
      allowFileWriting: false,
    });
    expect(r.tests.map((t) => [t.verdict, t.stdout, t.stderr])).toEqual(SUMS.map((c) => ['AC', c.expected, "''\nRead-only file system\n"]));
  }, 120_000);
});
