/**
 * Every language of the test image's manifest, judged in real containers with the default
 * limits: a correct A+B is AC, a wrong one WA, a crashing one RE (but Plain Text, which cannot
 * crash) and (compiled languages) a non-compiling one CE. Then multi-file submissions (C++ header + two sources, Java with two
 * classes and its main class found in the sources, Python and JavaScript with a module), the
 * JVM and Node running out of the heap sized from the memory limit (MLE), and a Java program
 * with 8 threads under the default pids limit. Each language's stress program runs with /box
 * read-only (`allowFileWriting: false`).
 *
 * The image is CAGED_IMAGE (test/helpers/image.ts); the fixtures are
 * test/fixtures/languages/<id>/{ac,wa,re,ce}.<ext> and test/fixtures/languages/multi/<id>/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { packageSubmission } from '../src/cli/judge';
import { packageLanguages } from '../src/problem/extensions';
import { runCommand } from '../src/cli/run';
import { Judge } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { parseManifest } from '../src/rootfs/manifest';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const FIXTURES = path.join(__dirname, 'fixtures', 'languages');
const manifest = parseManifest(JSON.parse(fs.readFileSync(TEST_MANIFEST, 'utf8')), TEST_MANIFEST);
const INPUT = '123456789 987654321\n';
const SUM = '1111111110';

let sandbox: Sandbox;
let judge: Judge;
let cacheDir: string;

beforeAll(async () => {
  // The first registration of an image unpacks its tarball (about a minute for all the languages).
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-languages-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: cacheDir });
}, 600_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

/** The fixture `kind` (ac, wa, re, ce, …) of language `id`: test/fixtures/languages/<id>/<kind>.<ext>. */
function fixture(id: string, kind: string): string | null {
  const dir = path.join(FIXTURES, id);
  const file = fs.readdirSync(dir).find((f) => f.startsWith(`${kind}.`));
  return file ? fs.readFileSync(path.join(dir, file), 'utf8') : null;
}

function files(dir: string): NonNullable<SubmissionInput['files']> {
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => ({ name, content: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

const aPlusB = (language: string, source: string): SubmissionInput => ({ language, source, testcases: [{ stdin: INPUT, expected: SUM }] });

/** Languages whose program cannot fail at run time: Plain Text's is printed, whatever it holds. */
const CANNOT_FAIL = new Set(['plaintext']);
/**
 * Compiled languages whose single source cannot fail to compile: a multi-file program's is its run
 * script (no compile script); an executable's compile copies it executable.
 */
const NOTHING_TO_COMPILE = new Set(['multifile', 'executable']);

it('the image offers at least 24 languages, each with fixtures', () => {
  expect(manifest.languages.length).toBeGreaterThanOrEqual(24);
  for (const l of manifest.languages) {
    expect(fixture(l.id, 'ac')).not.toBeNull();
    expect(fixture(l.id, 'wa')).not.toBeNull();
    expect(fixture(l.id, 're') !== null).toBe(!CANNOT_FAIL.has(l.id));
    expect(fixture(l.id, 'ce') !== null).toBe(l.compile !== null && !NOTHING_TO_COMPILE.has(l.id));
  }
});

describe.each(manifest.languages.map((l) => [l.id, l.compile !== null && !NOTHING_TO_COMPILE.has(l.id), !CANNOT_FAIL.has(l.id)] as const))(
  '%s',
  (id, compiled, canFail) => {
    it(`AC, WA${canFail ? ', RE' : ''}${compiled ? ', CE' : ''} with the default limits`, async () => {
      const ac = await judge.judge(aPlusB(id, fixture(id, 'ac')!));
      expect({ verdict: ac.verdict, compile: ac.compile?.output ?? null, test: ac.tests[0]?.message, stderr: ac.tests[0]?.stderr }).toEqual(
        expect.objectContaining({ verdict: 'AC' }),
      );
      expect(ac.tests[0]!.stdout.trim()).toBe(SUM);
      const wa = await judge.judge(aPlusB(id, fixture(id, 'wa')!));
      expect(wa.verdict).toBe('WA');
      if (canFail) {
        const re = await judge.judge(aPlusB(id, fixture(id, 're')!));
        expect({ verdict: re.verdict, message: re.message }).toEqual(expect.objectContaining({ verdict: 'RE' }));
      }
      if (compiled) {
        const ce = await judge.judge(aPlusB(id, fixture(id, 'ce')!));
        expect(ce.verdict).toBe('CE');
        expect(ce.compile!.output.length).toBeGreaterThan(0);
      }
    }, 240_000);
  },
);

describe.each(manifest.languages.map((l) => [l.id] as const))('%s stress', (id) => {
  // With /box read-only (a problem package's default): no runtime may need to write its working directory.
  it('the stress program of images/languages prints OK in the sandbox with the default limits, /box read-only', async () => {
    const dir = path.join(__dirname, '..', 'images', 'languages', id);
    const file = fs.readdirSync(dir).find((f) => f.startsWith('stress.'));
    expect(file).toBeDefined();
    const r = await judge.judge({
      language: id,
      source: fs.readFileSync(path.join(dir, file!), 'utf8'),
      testcases: [{ stdin: '', expected: 'OK' }],
      allowFileWriting: false,
    });
    expect({ verdict: r.verdict, message: r.message, stderr: r.tests[0]?.stderr.slice(0, 500) }).toEqual(
      expect.objectContaining({ verdict: 'AC' }),
    );
  }, 240_000);
});

describe('multi-file submissions', () => {
  it.each(['cpp17', 'java', 'python3', 'javascript', 'modula2', 'multifile'])(
    '%s',
    async (id) => {
      const r = await judge.judge({
        language: id,
        files: files(path.join(FIXTURES, 'multi', id)),
        testcases: [{ stdin: INPUT, expected: SUM }],
      });
      expect({ verdict: r.verdict, message: r.message, compile: r.compile?.output ?? null }).toEqual(
        expect.objectContaining({ verdict: 'AC' }),
      );
    },
    120_000,
  );

  it('Java: a single source is saved under its public class, whatever it is called', async () => {
    const source = fixture('java', 'ac')!.replace('public class Main', 'public class Solution');
    const r = await judge.judge(aPlusB('java', source));
    expect(r.verdict).toBe('AC');
  }, 120_000);

  it('Java: no class with main is CE, saying so, the compiler not run (DOMjudge hello compiler_error/mainclass-missing)', async () => {
    const r = await judge.judge(aPlusB('java', 'public class Main { static int f() { return 1; } }'));
    expect(r.verdict).toBe('CE');
    expect(r.message).toMatch(/^Compilation Error: no top-level class with public static void main in the java sources/);
    expect(r.compile).toMatchObject({ verdict: 'CE', cached: false, cpuTimeMs: 0 });
    expect(r.tests.every((t) => t.verdict === 'SKIPPED')).toBe(true);
  });
});

describe('multifile: compile and run scripts (Judge0 89)', () => {
  const judgeFiles = (named: Record<string, string>, stdin = INPUT) =>
    judge.judge({
      language: 'multifile',
      files: Object.entries(named).map(([name, content]) => ({ name, content })),
      testcases: [{ stdin, expected: SUM }],
    });

  it('a compile script that fails is CE with its output; compile.sh wins over compile, run.sh over run', async () => {
    const ce = await judgeFiles({ compile: 'echo building >&2\ng++ -o x missing.cpp\n', run: 'exit 0\n' });
    expect(ce.verdict).toBe('CE');
    expect(ce.compile!.output).toContain('building');
    expect(ce.compile!.output).toContain('missing.cpp');
    const both = await judgeFiles({
      'compile.sh': 'printf "%s\\n" "read -r a b; echo \\$((a + b))" > sum.sh\n',
      compile: 'exit 1\n',
      'run.sh': 'exec bash sum.sh\n',
      run: 'echo wrong\n',
    });
    expect({ verdict: both.verdict, compile: both.compile?.output, stderr: both.tests[0]?.stderr }).toEqual(
      expect.objectContaining({ verdict: 'AC' }),
    );
  }, 120_000);

  it('the scripts reach the toolchains of its layers: C by make, Java, Node.js and Python in one program', async () => {
    const r = await judgeFiles({
      compile: 'make -s && javac -d classes Add.java\n',
      Makefile: 'twice: twice.c\n\tgcc -O2 -o twice twice.c\n',
      'twice.c':
        '#include <stdio.h>\nint main(void) { long long a, b; scanf("%lld %lld", &a, &b); printf("%lld\\n", 2 * (a + b)); return 0; }\n',
      'Add.java': 'public class Add { public static void main(String[] a) { System.out.println(Long.parseLong(a[0]) / 2); } }\n',
      'half.js': 'process.stdin.on("data", (d) => console.log(String(BigInt(String(d).trim()))));\n',
      run: 'n=$(./twice | node half.js)\nm=$(java -cp classes Add "$n")\npython3 -c "import sys; print(int(sys.argv[1]))" "$m"\n',
    });
    expect({ verdict: r.verdict, compile: r.compile?.output, message: r.tests[0]?.message, stderr: r.tests[0]?.stderr }).toEqual(
      expect.objectContaining({ verdict: 'AC' }),
    );
  }, 240_000);

  it("a directory given to caged judge keeps its files' executable bits: a helper runs as ./name", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-multifile-'));
    try {
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.writeFileSync(path.join(dir, 'run'), 'exec ./bin/sum\n');
      fs.writeFileSync(path.join(dir, 'bin', 'sum'), '#!/bin/sh\nread -r a b\necho $((a + b))\n', { mode: 0o755 });
      const sub = packageSubmission(dir, 'multifile', undefined, judge);
      expect(sub.files?.map((f) => [f.name, f.executable === true])).toEqual([
        ['bin/sum', true],
        ['run', false],
      ]);
      const r = await judge.judge({ ...sub, testcases: [{ stdin: INPUT, expected: SUM }] });
      expect({ verdict: r.verdict, stderr: r.tests[0]?.stderr }).toEqual(expect.objectContaining({ verdict: 'AC' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("without a run script the run fails as Judge0's does (bash cannot open it): RE", async () => {
    const r = await judgeFiles({ 'notes.txt': 'no scripts here\n' });
    expect(r.verdict).toBe('RE');
    expect(r.tests[0]!.stderr).toMatch(/run: No such file or directory/);
  }, 120_000);
});

describe('assembly', () => {
  it('NASM: a program defining main (not _start) is linked with the C library and calls scanf and printf', async () => {
    const r = await judge.judge(aPlusB('nasm', fixture('nasm', 'libc')!));
    expect({ verdict: r.verdict, compile: r.compile?.output ?? null }).toEqual(expect.objectContaining({ verdict: 'AC' }));
  }, 120_000);
});

describe('runtimes that are not C', () => {
  it('a JVM program allocating past the memory limit gets MLE (OutOfMemoryError)', async () => {
    const r = await judge.judge({ language: 'java', source: fixture('java', 'mle')!, testcases: [{ stdin: '' }] });
    expect({ verdict: r.verdict, message: r.tests[0]?.message }).toEqual(expect.objectContaining({ verdict: 'MLE' }));
  }, 120_000);

  it('a Node program allocating past the memory limit gets MLE (heap out of memory)', async () => {
    // The heap's last-resort collections cost CPU: a generous CPU limit keeps a slow hour from
    // ending it as TLE first (the test is about the verdict's kind, not the time).
    const r = await judge.judge({
      language: 'javascript',
      source: fixture('javascript', 'mle')!,
      testcases: [{ stdin: '' }],
      limits: { cpuTimeMs: 10_000 },
    });
    expect({ verdict: r.verdict, message: r.tests[0]?.message }).toEqual(expect.objectContaining({ verdict: 'MLE' }));
  }, 120_000);

  it('a Java program with 8 threads and a GC-heavy loop runs under the default pids limit', async () => {
    const r = await judge.judge({ language: 'java', source: fixture('java', 'threads')!, testcases: [{ stdin: '', expected: 'OK' }] });
    expect({ verdict: r.verdict, message: r.tests[0]?.message, stderr: r.tests[0]?.stderr }).toEqual(
      expect.objectContaining({ verdict: 'AC' }),
    );
  }, 120_000);

  it('printing a memory-error marker only turns a failure into MLE, never a success', async () => {
    const printing = (exit: number) => ({
      language: 'javascript',
      source: `process.stderr.write('FATAL ERROR: JavaScript heap out of memory\\n');\nconsole.log('OK');\nprocess.exitCode = ${exit};\n`,
      testcases: [{ stdin: '', expected: 'OK' }],
    });
    expect((await judge.judge(printing(0))).verdict).toBe('AC');
    expect((await judge.judge(printing(1))).verdict).toBe('MLE');
  }, 60_000);
});

describe('the language from the file name', () => {
  const sink = () => {
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    });
    return { out, text: () => text };
  };

  it('caged run FILE without --lang detects it from the extension (.java, .plg, .R)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-run-'));
    try {
      fs.writeFileSync(path.join(dir, 'in.txt'), INPUT);
      fs.writeFileSync(path.join(dir, 'out.txt'), `${SUM}\n`);
      for (const [id, file] of [
        ['java', 'Solution.java'],
        ['prolog', 'sum.plg'],
        ['r', 'sum.R'],
      ] as const) {
        const source = fixture(id, 'ac')!;
        fs.writeFileSync(path.join(dir, file), id === 'java' ? source.replace('public class Main', 'public class Solution') : source);
        const s = sink();
        const args = [path.join(dir, file), '--stdin', path.join(dir, 'in.txt'), '--expected', path.join(dir, 'out.txt'), '--json'];
        expect(await runCommand(args, s.out, { judge })).toBe(0);
        expect((JSON.parse(s.text()) as { verdict: string }).verdict).toBe('AC');
      }
      fs.writeFileSync(path.join(dir, 'main.swift'), 'fun main() {}');
      await expect(runCommand([path.join(dir, 'main.swift')], sink().out, { judge })).rejects.toThrow(
        /unknown extension "\.swift" of .*main\.swift \(known: /,
      );
      await expect(runCommand([path.join(dir, 'main.swift'), '--lang', 'swift'], sink().out, { judge })).rejects.toThrow(
        /unknown language "swift" \(known: ada, algol68, awk, bash, c, c11, c23, c99, cgmp, /,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('JavaScript: an ES module entry stays main.mjs, and imports its sibling module (DOMjudge multifile-js)', async () => {
    const files = [
      { name: 'main.mjs', content: "import { greet } from './module.mjs';\nconsole.log(greet());\n" },
      { name: 'module.mjs', content: "export function greet() { return 'Hello world!'; }\n" },
    ];
    const r = await judge.judge({ language: 'javascript', files, testcases: [{ stdin: '', expected: 'Hello world!\n' }] });
    expect({ verdict: r.verdict, message: r.message }).toMatchObject({ verdict: 'AC' });
    // Named by caged judge --entry, the entry keeps its name and extension (as main.js it would not load).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-esm-'));
    try {
      fs.writeFileSync(path.join(dir, 'hello.mjs'), files[0]!.content);
      fs.writeFileSync(path.join(dir, 'module.mjs'), files[1]!.content);
      const sub = packageSubmission(dir, undefined, 'hello.mjs', judge);
      expect(sub.files!.map((f) => f.name).sort()).toEqual(['hello.mjs', 'module.mjs']);
      expect(sub.entry).toBe('hello.mjs');
      expect((await judge.judge({ ...sub, testcases: [{ stdin: '', expected: 'Hello world!\n' }] })).verdict).toBe('AC');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("caged judge: a directory's links are its files when they point inside (the package, for its own), refused elsewhere", () => {
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-judge-links-'));
    try {
      const sub = path.join(pkg, 'submissions', 'accepted', 'nested');
      fs.mkdirSync(sub, { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, 'multi', 'python3', 'adder.py'), path.join(pkg, 'submissions', 'accepted', 'adder.py'));
      fs.copyFileSync(path.join(FIXTURES, 'multi', 'python3', 'main.py'), path.join(sub, 'main.py'));
      // BAPCtools' testexpectations/submissions/match/nested/nested_wa.py → ../match_wa.py.
      fs.symlinkSync('../adder.py', path.join(sub, 'adder.py'));
      const own = packageSubmission(sub, undefined, undefined, judge, pkg);
      expect(own.files!.map((f) => f.name).sort()).toEqual(['adder.py', 'main.py']);
      expect(() => packageSubmission(sub, undefined, undefined, judge)).toThrow(/adder\.py: is a link outside .*nested \(refused\)/);
      fs.symlinkSync('/etc/passwd', path.join(sub, 'leak.py'));
      expect(() => packageSubmission(sub, undefined, undefined, judge, pkg)).toThrow(/leak\.py: is a link outside .* \(refused\)/);
      fs.rmSync(path.join(sub, 'leak.py'));
      fs.symlinkSync('gone.py', path.join(sub, 'gone.py'));
      expect(() => packageSubmission(sub, undefined, undefined, judge, pkg)).toThrow(/gone\.py: is a link to nothing \(refused\)/);
    } finally {
      fs.rmSync(pkg, { recursive: true, force: true });
    }
  });

  it('caged judge: a directory keeps its names; a Python one names its entry', () => {
    const java = packageSubmission(path.join(FIXTURES, 'multi', 'java'), undefined, undefined, judge);
    expect(java.language).toBe('java');
    expect(java.files!.map((f) => f.name)).toEqual(['Adder.java', 'Solution.java']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-judge-'));
    try {
      fs.copyFileSync(path.join(FIXTURES, 'multi', 'python3', 'adder.py'), path.join(dir, 'adder.py'));
      fs.copyFileSync(path.join(FIXTURES, 'multi', 'python3', 'main.py'), path.join(dir, 'solve.py'));
      const py = packageSubmission(dir, undefined, 'solve.py', judge);
      expect(py).toMatchObject({ language: 'python3', entry: 'solve.py' });
      expect(py.files!.map((f) => f.name).sort()).toEqual(['adder.py', 'solve.py']);
      // Unnamed, as problemtools and BAPCtools choose: a name starting with "main" in any case, else the first by name.
      expect(packageSubmission(dir, undefined, undefined, judge).entry).toBe('adder.py');
      fs.writeFileSync(path.join(dir, 'Main_b.py'), '');
      expect(packageSubmission(dir, undefined, undefined, judge).entry).toBe('Main_b.py');
      fs.rmSync(path.join(dir, 'Main_b.py'));
      // C++ compiles every source together: no entry to choose, the names are kept (DOMjudge's multifile-cpp).
      fs.rmSync(path.join(dir, 'adder.py'));
      fs.rmSync(path.join(dir, 'solve.py'));
      fs.writeFileSync(path.join(dir, 'main.cc'), '#include "message.hpp"\nint main() { return message(); }\n');
      fs.writeFileSync(path.join(dir, 'message.cc'), 'int message() { return 0; }\n');
      fs.writeFileSync(path.join(dir, 'message.hpp'), 'int message();\n');
      const cpp = packageSubmission(dir, undefined, undefined, judge);
      expect(cpp).toMatchObject({ language: 'cpp17' });
      expect(cpp.files!.map((f) => f.name)).toEqual(['main.cc', 'message.cc', 'message.hpp']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('caged judge: a Pascal directory enters by its program, not by a unit that sorts first (DOMjudge multifile-pas)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-pas-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'hello.pp'),
        "{ the unit }\nunit hello;\ninterface\nfunction greeting: string;\nimplementation\nfunction greeting: string;\nbegin\n  greeting := 'Hello world!';\nend;\nend.\n",
      );
      fs.writeFileSync(path.join(dir, 'test-hello-unit.pas'), 'program hellounit;\nuses hello;\nbegin\n  writeln(greeting);\nend.\n');
      const sub = packageSubmission(dir, undefined, undefined, judge);
      expect(sub).toMatchObject({ language: 'pascal', entry: 'test-hello-unit.pas' });
      expect((await judge.judge({ ...sub, testcases: [{ stdin: '', expected: 'Hello world!\n' }] })).verdict).toBe('AC');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('Kotlin: the file class with fun main among several files, whatever their names', async () => {
    const files = [
      { name: 'util.kt', content: 'fun add(a: Long, b: Long) = a + b\n' },
      {
        name: 'solve.kt',
        content: 'fun main() {\n    val (a, b) = readLine()!!.trim().split(" ").map { it.toLong() }\n    println(add(a, b))\n}\n',
      },
    ];
    const r = await judge.judge({ language: 'kotlin', files, testcases: [{ stdin: INPUT, expected: SUM }] });
    expect({ verdict: r.verdict, compile: r.compile?.output }).toMatchObject({ verdict: 'AC' });
  }, 120_000);

  it('caged judge: a named entry runs beside a decoy main.py and is imported by its name; a Prolog .pl loads every file, a Perl one stays Perl', async () => {
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f) : null);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-entry-'));
    try {
      // BAPCtools' testexpectations/ac_or_wa/metadata: entrypoint ac.py beside a main.py that is wrong.
      fs.writeFileSync(path.join(dir, 'main.py'), 'print("decoy")\n');
      fs.writeFileSync(
        path.join(dir, 'solve.py'),
        'import sys\nimport lib\nWHO = "solve"\nif __name__ == "__main__":\n    print(lib.total(sys.stdin.read()))\n',
      );
      fs.writeFileSync(
        path.join(dir, 'lib.py'),
        'def total(s):\n    import solve\n    return solve.WHO + " " + str(sum(map(int, s.split())))\n',
      );
      const tests = [{ stdin: '1 2 3\n', expected: 'solve 6\n' }];
      const py = packageSubmission(dir, undefined, 'solve.py', packageLanguages(judge, read));
      expect((await judge.judge({ ...py, testcases: tests })).verdict).toBe('AC');
      // Without an entry named, main.py runs, as the format's tools would run it.
      expect(
        (await judge.judge({ ...packageSubmission(dir, undefined, undefined, packageLanguages(judge, read)), testcases: tests })).verdict,
      ).toBe('WA');
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
      // problemtools' different/submissions/accepted/prolog: the solution consults its kattio.pl beside it.
      fs.writeFileSync(path.join(dir, 'sol.pl'), 'main :- read_term(user_input, X, []), double(X, Y), write(Y), nl.\n');
      fs.writeFileSync(path.join(dir, 'lib.pl'), 'double(X, Y) :- Y is 2 * X.\n');
      const pl = packageSubmission(dir, undefined, undefined, packageLanguages(judge, read));
      expect(pl).toMatchObject({ language: 'prolog' });
      expect(pl.entry).toBeUndefined();
      expect((await judge.judge({ ...pl, testcases: [{ stdin: '21.\n', expected: '42\n' }] })).verdict).toBe('AC');
      // Outside a package a .pl file is Perl, as the image's extensions say; in one, Perl without a ":-" line stays Perl
      // (DOMjudge's hello/accepted/test-hello.pl).
      expect(judge.languageOfFile('sol.pl')).toBe('perl');
      const perl = path.join(dir, 'hello.pl');
      fs.writeFileSync(perl, '# @EXPECTED_RESULTS@: CORRECT :-)\n\nprint "Hello world!\\n";\n\nexit;\n');
      const pm = packageSubmission(perl, undefined, undefined, packageLanguages(judge, read));
      expect(pm.language).toBe('perl');
      expect((await judge.judge({ ...pm, testcases: [{ stdin: '', expected: 'Hello world!\n' }] })).verdict).toBe('AC');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
