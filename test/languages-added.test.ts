/**
 * What caged's image adds for judges' existing languages and packages, judged for real (the real
 * Debian image, real containers): Python 2 (python2: a `.py` whose #! line names python2, `.py2`,
 * a directory) and the Rust crates DMOJ gives its Rust (rand, rand_xoshiro, libc), in a
 * submission and in a DMOJ problem's generator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageSubmission } from '../src/cli/judge';
import { Judge } from '../src/judge/judge';
import type { JudgeResult, SubmissionInput } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { judgeJson, runVerdict } from './helpers/judge-cli';

const FIXTURES = path.join(__dirname, 'fixtures', 'languages');
const INPUT = '123456789 987654321\n';
const SUM = '1111111110';

let judge: Judge;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-added-'));
  judge = await Judge.create({
    sandbox: await Sandbox.create(),
    closeSandbox: true,
    manifestPath: TEST_MANIFEST,
    compileCacheDir: path.join(tmp, 'cache'),
  });
}, 600_000);

afterAll(async () => {
  await judge?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** test/fixtures/languages/<id>/<kind>.<ext>. */
function fixture(id: string, kind: string): string {
  const dir = path.join(FIXTURES, id);
  const file = fs.readdirSync(dir).find((f) => f.startsWith(`${kind}.`));
  if (!file) throw new Error(`no fixture ${kind} of ${id}`);
  return fs.readFileSync(path.join(dir, file), 'utf8');
}

const aPlusB = (language: string, source: string): SubmissionInput => ({ language, source, testcases: [{ stdin: INPUT, expected: SUM }] });

/** `caged judge PROBLEM SUBMISSION --time 2 --json`, its result (exit 0). */
async function judged(args: string[]): Promise<JudgeResult> {
  const { code, text, result } = await judgeJson(judge, [...args, '--time', '2']);
  expect({ code, text: code === 0 ? '' : text }).toEqual({ code: 0, text: '' });
  return result!;
}

describe('Python 2', () => {
  it("caged judge: a .py whose #! line names python2 is judged by python2 (problemtools' rule), alone or in a directory; .py2 is Python 2", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-python2-'));
    try {
      // Python 2 only: the print statement and raw_input (a syntax error and a NameError in Python 3).
      const old = `#!/usr/bin/env python2\n${fixture('python2', 'ac')}`;
      fs.writeFileSync(path.join(dir, 'old.py'), old);
      const single = packageSubmission(path.join(dir, 'old.py'), undefined, undefined, judge);
      expect(single.language).toBe('python2');
      const r = await judge.judge({ ...single, testcases: [{ stdin: INPUT, expected: SUM }] });
      expect({ verdict: r.verdict, stderr: r.tests[0]?.stderr }).toEqual(expect.objectContaining({ verdict: 'AC' }));
      // caged run reads it so too.
      fs.writeFileSync(path.join(dir, 'in.txt'), INPUT);
      fs.writeFileSync(path.join(dir, 'out.txt'), `${SUM}\n`);
      const io = ['--stdin', path.join(dir, 'in.txt'), '--expected', path.join(dir, 'out.txt')];
      expect(await runVerdict(judge, [path.join(dir, 'old.py'), ...io])).toEqual({ code: 0, verdict: 'AC' });
      // --lang still chooses: as Python 3 the same file does not compile.
      expect((await runVerdict(judge, [path.join(dir, 'old.py'), '--lang', 'python3', ...io])).verdict).toBe('CE');
      expect(
        (
          await judge.judge({
            ...packageSubmission(path.join(dir, 'old.py'), 'python3', undefined, judge),
            testcases: [{ stdin: INPUT, expected: SUM }],
          })
        ).verdict,
      ).toBe('CE');
      // A directory: its entry names python2, its module is Python 2 too.
      fs.mkdirSync(path.join(dir, 'proj'));
      fs.writeFileSync(path.join(dir, 'proj', 'adder.py'), 'def add(a, b):\n    return a + b\n');
      fs.writeFileSync(
        path.join(dir, 'proj', 'main.py'),
        '#!/usr/bin/python2\nimport adder\na, b = map(int, raw_input().split())\nprint adder.add(a, b)\n',
      );
      const proj = packageSubmission(path.join(dir, 'proj'), undefined, undefined, judge);
      expect(proj).toMatchObject({ language: 'python2', entry: 'main.py' });
      expect((await judge.judge({ ...proj, testcases: [{ stdin: INPUT, expected: SUM }] })).verdict).toBe('AC');
      fs.writeFileSync(path.join(dir, 'sum.py2'), fixture('python2', 'ac'));
      expect(packageSubmission(path.join(dir, 'sum.py2'), undefined, undefined, judge).language).toBe('python2');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("Rust's crates", () => {
  it('Rust: a submission may use the crates the rust layer builds (rand, rand_xoshiro, libc), as on DMOJ', async () => {
    const r = await judge.judge(aPlusB('rust', fixture('rust', 'crates')));
    expect({ verdict: r.verdict, compile: r.compile?.output ?? null, stdout: r.tests[0]?.stdout }).toEqual(
      expect.objectContaining({ verdict: 'AC' }),
    );
  }, 120_000);

  it('runs a Rust generator that uses rand and rand_xoshiro, the crates DMOJ gives Rust (its testsuite/rust_generator)', async () => {
    const dir = path.join(tmp, 'rust-generated');
    fs.mkdirSync(dir);
    // Two numbers from a generator seeded by the case's argument on stdout, their sum on stderr.
    fs.writeFileSync(
      path.join(dir, 'generator.rs'),
      `use rand::{Rng, SeedableRng};
fn main() {
    let seed: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let (x, y): (i64, i64) = (rng.gen_range(0..1_000_000), rng.gen_range(0..1_000_000));
    println!("2\\n{x} {y}");
    eprintln!("{}", x + y);
}
`,
    );
    fs.writeFileSync(
      path.join(dir, 'init.yml'),
      'generator: generator.rs\ntest_cases:\n- {generator_args: [1], points: 10}\n- {generator_args: [2], points: 10}\n',
    );
    // Reads n and n numbers, prints their sum.
    const rsum = path.join(tmp, 'rsum.c');
    fs.writeFileSync(
      rsum,
      '#include <stdio.h>\nint main(void) { long long n, x, s = 0; if (scanf("%lld", &n) != 1) return 1; while (n-- > 0 && scanf("%lld", &x) == 1) s += x; printf("%lld\\n", s); return 0; }\n',
    );
    const r = await judged([dir, rsum]);
    expect({ verdict: r.verdict, message: r.message }).toMatchObject({ verdict: 'AC' });
    expect(r.tests.map((t) => [t.name, t.verdict, t.points])).toEqual([
      ['case 1', 'AC', 10],
      ['case 2', 'AC', 10],
    ]);
  }, 180_000);
});

describe('a compile that exits 0 but leaves a file that is not a program', () => {
  it("is CE, not RE, when it leaves a file that is not a program: Go's package other than main (DMOJ's go_not_main_package)", async () => {
    const notMain =
      '// a line comment\npackage /* inline */ notmain\n\nimport "fmt"\n\nfunc main() {\n    fmt.Println("Hello, World!")\n}\n';
    const go = await judge.judge({ language: 'go', source: notMain, testcases: [{ stdin: '', expected: 'Hello, World!' }] });
    expect(go.verdict).toBe('CE');
    expect(go.compile?.output).toMatch(/\.\/main that is not a program/);
    expect(go.tests.map((t) => t.verdict)).toEqual(['SKIPPED']);
    const main = notMain.replace('notmain', 'main');
    expect((await judge.judge({ language: 'go', source: main, testcases: [{ stdin: '', expected: 'Hello, World!' }] })).verdict).toBe('AC');
  }, 300_000);
});

describe('a JVM that cannot start under the memory limit', () => {
  it("is MLE, its start-up error read on stderr (DMOJ's java_grace), as an OutOfMemoryError is", async () => {
    const hello = 'public class Grace {\n  public static void main(String[] args) {\n    System.out.println("Hello, World!");\n  }\n}\n';
    const r = await judge.judge({
      language: 'java',
      source: hello,
      testcases: [{ stdin: '', expected: 'Hello, World!' }],
      limits: { memoryBytes: 4 * 2 ** 20 },
    });
    expect(r.tests.map((t) => [t.verdict, t.stdout])).toEqual([['MLE', '']]);
    expect(r.tests[0]?.message).toMatch(/Too small (maximum|initial) heap|Could not reserve enough space/);
  }, 120_000);
});

describe("DMOJ's python -u", () => {
  it('runs a Python bridged interactor unbuffered, as DMOJ does unless it says unbuffered: false', async () => {
    const dir = path.join(tmp, 'py-interactor');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '1.in'), '37\n');
    // Never flushes, and reads with readline (input() would flush): written for DMOJ's python -u.
    fs.writeFileSync(
      path.join(dir, 'interact.py'),
      'import sys\nn = int(open(sys.argv[1]).read())\nfor asked in range(1, 40):\n    g = int(sys.stdin.readline())\n    if g == n:\n        print("OK")\n        sys.exit(0)\n    print("SINKS" if g < n else "FLOATS")\nsys.exit(1)\n',
    );
    const yml = (extra: string) =>
      fs.writeFileSync(
        path.join(dir, 'init.yml'),
        `interactive: {files: interact.py, lang: PY3${extra}}\ntest_cases:\n- {in: 1.in, points: 10}\n`,
      );
    const bisect = path.join(tmp, 'bisect.py');
    fs.writeFileSync(
      bisect,
      'lo, hi = 1, 100\nwhile True:\n    m = (lo + hi) // 2\n    print(m, flush=True)\n    r = input()\n    if r == "OK":\n        break\n    if r == "SINKS":\n        lo = m + 1\n    else:\n        hi = m - 1\n',
    );
    yml('');
    expect(await judged([dir, bisect])).toMatchObject({ verdict: 'AC', score: 10 });
    yml(', unbuffered: false');
    expect((await judged([dir, bisect])).verdict).not.toBe('AC');
  }, 120_000);
});

/** A file in tmp with this text. */
function source(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

/** A DMOJ problem directory in tmp with these files. */
function problem(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

describe("DMOJ's Java agent's nobigmath", () => {
  it("hints nobigmath: a Java submission that uses BigInteger or BigDecimal fails before its main runs, naming DMOJ's exception", async () => {
    const aplusb = { 'a.in': '2\n1 2\n30 40\n', 'a.out': '3\n70\n' };
    const cases = 'test_cases:\n- {in: a.in, out: a.out, points: 10}\n';
    const dir = problem('bigmath', { ...aplusb, 'init.yml': `hints: [nobigmath]\n${cases}` });
    // DMOJ's testsuite/aplusb java_biginteger: IR there, feedback ca.dmoj.java.BigIntegerDisallowedException.
    const big = source(
      'aplusb.java',
      'import java.math.BigInteger;\nimport java.util.Scanner;\npublic class aplusb {\n    public static void main(String[] args) {\n        Scanner in = new Scanner(System.in);\n        int N = in.nextInt();\n        for (int i = 0; i < N; i++)\n            System.out.println(new BigInteger(in.next()).add(new BigInteger(in.next())));\n    }\n}\n',
    );
    const refused = await judged([dir, big]);
    expect(refused.tests.map((t) => [t.verdict, t.message])).toEqual([
      ['RE', expect.stringContaining('ca.dmoj.java.BigIntegerDisallowedException')],
    ]);
    // DMOJ's java_bigdecimal: BigDecimal, then its toBigInteger; the class named first is the one DMOJ's agent meets first.
    const decimal = source(
      'Decimal.java',
      'import java.math.BigDecimal;\nimport java.util.Scanner;\npublic class Decimal {\n  public static void main(String[] args) {\n    Scanner in = new Scanner(System.in);\n    int n = in.nextInt();\n    for (int i = 0; i < n; i++)\n      System.out.println(new BigDecimal(in.next()).add(new BigDecimal(in.next())).toBigInteger());\n  }\n}\n',
    );
    expect((await judged([dir, decimal])).tests[0]?.message).toContain('ca.dmoj.java.BigDecimalDisallowedException');
    // By reflection, a BigDecimal: its name is in the class file too.
    const reflect = source(
      'Reflect.java',
      'public class Reflect {\n  public static void main(String[] a) throws Exception {\n    Object d = Class.forName("java.math.BigDecimal").getConstructor(String.class).newInstance("3");\n    System.out.println(d + "\\n70");\n  }\n}\n',
    );
    expect((await judged([dir, reflect])).tests[0]?.message).toContain('ca.dmoj.java.BigDecimalDisallowedException');
    // Without them: AC, its main class found as always (here not public); an exception is its own, not the loader's.
    const plain = source(
      'Plain.java',
      'import java.util.*;\nclass Plain {\n  public static void main(String[] a) {\n    Scanner in = new Scanner(System.in);\n    int n = in.nextInt();\n    while (n-- > 0) System.out.println(in.nextLong() + in.nextLong());\n  }\n}\n',
    );
    expect(await judged([dir, plain])).toMatchObject({ verdict: 'AC', score: 10 });
    const throws = source(
      'Throws.java',
      'public class Throws {\n  public static void main(String[] a) {\n    throw new ArithmeticException("x");\n  }\n}\n',
    );
    expect((await judged([dir, throws])).tests[0]?.message).toContain('java.lang.ArithmeticException');
    // The same BigInteger program on a problem without the hint: AC.
    fs.writeFileSync(path.join(dir, 'init.yml'), cases);
    expect(await judged([dir, big])).toMatchObject({ verdict: 'AC', score: 10 });
  }, 300_000);
});
