/**
 * Languages as data, without containers: every images/languages/<id>/language.json passes the
 * manifest schema as the build would write it; placeholders are checked at load and expanded per
 * step; Java and Scala main classes are found in the sources; a file name selects its language
 * by the manifest's extensions (a runtime's own out-of-memory: runtime-oom.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../../src/errors';
import { blankCommentsAndStrings, entryAmong, entryNameFor, findMainClass, singleSourceName } from '../../src/judge/entry-point';
import { expandArgv, expandEnv, heapMiB, sourcesOf, takesEntry, takesSources } from '../../src/judge/language-command';
import { compileLimitsConfig, testLimitsConfig } from '../../src/judge/limits';
import { planJob, type PlanConfig } from '../../src/judge/plan';
import { packageLanguages } from '../../src/problem/extensions';
import { directorySubmission, fileSubmission } from '../../src/problem/package-submission';
import { makeSubmissionSchema } from '../../src/judge/schema';
import type { Language } from '../../src/judge/languages';
import { parseManifest } from '../../src/rootfs/manifest';
import { LANG_DIR, languageJsons, manifestOf, repoLanguageRegistry } from './helpers/language-table';
import { bestOfEach } from '../helpers/text';
import { missingProgram } from '../../src/judge/compile-step';
import os from 'node:os';

const MiB = 2 ** 20;

const registry = repoLanguageRegistry;

describe('the language directories', () => {
  it('at least 24 languages, each valid for the manifest schema, with a selftest and a stress program', () => {
    const m = parseManifest(manifestOf(languageJsons()), 'languages');
    expect(m.languages.length).toBeGreaterThanOrEqual(24);
    for (const l of m.languages) {
      const files = fs.readdirSync(path.join(LANG_DIR, l.id));
      expect(files.some((f) => f.startsWith('selftest.'))).toBe(true);
      expect(files.some((f) => f.startsWith('stress.'))).toBe(true);
      // Only a language whose commands find their files themselves (multifile's scripts) has no source extension.
      expect(l.extensions.length > 0).toBe(takesSources(l) || takesEntry(l));
    }
  });

  it('the C++ compile commands use exactly the pch flags before the file arguments', () => {
    const withPch = fs
      .readdirSync(LANG_DIR)
      .sort()
      .map(
        (id) =>
          JSON.parse(fs.readFileSync(path.join(LANG_DIR, id, 'language.json'), 'utf8')) as {
            id: string;
            pch?: string[];
            compile: string[];
          },
      )
      .filter((raw) => raw.pch !== undefined);
    expect(withPch.map((raw) => raw.id)).toEqual(['cpp03', 'cpp11', 'cpp14', 'cpp17', 'cpp20', 'cpp23']);
    for (const raw of withPch) expect(raw.compile.slice(1, 1 + raw.pch!.length)).toEqual(raw.pch);
  });

  it('refuses an unknown placeholder, {sources} inside an element, {mainClass} without an entry rule', () => {
    const [c] = languageJsons();
    const bad = (patch: Record<string, unknown>) => () => parseManifest(manifestOf([{ ...c, ...patch }]), 'm.json');
    expect(bad({ run: ['./main', '{input}'] })).toThrow(/languages\[0\]\.run\[1\]: unknown placeholder \{input\}/);
    expect(bad({ compile: ['gcc', '-o', 'main', 'x{sources}'] })).toThrow(/\{sources\} must be a whole argv element/);
    expect(bad({ run: ['java', '{mainClass}'] })).toThrow(/\{mainClass\} needs an entry rule/);
    expect(bad({ env: { X: '{entry}' } })).toThrow(/only \{memoryMiB\} and \{heapMiB\} are expanded in env/);
    expect(bad({ library: '^unit(' })).toThrow(/languages\[0\]\.library: must be a valid regular expression/);
  });

  it('refuses two detecting languages sharing an extension', () => {
    const ls = languageJsons().map((l) => (l.id === 'cpp20' ? { ...l, detect: true } : l));
    expect(() => parseManifest(manifestOf(ls), 'm.json')).toThrow(/\.cpp detects both cpp17 and cpp20/);
  });
});

describe('placeholders', () => {
  const r = registry();
  it('{sources} is every source of the language, sorted; headers are not sources', () => {
    const cpp = r.get('cpp17');
    expect(sourcesOf(cpp, [{ name: 'main.cpp' }, { name: 'add.h' }, { name: 'add.cpp' }])).toEqual(['add.cpp', 'main.cpp']);
    const argv = expandArgv(cpp, cpp.compile!, {
      memoryBytes: 512 * MiB,
      files: [{ name: 'main.cpp' }, { name: 'b.cc' }, { name: 'b.h' }],
    });
    expect(argv).toEqual([
      'g++',
      '-O2',
      '-std=gnu++17',
      '-DONLINE_JUDGE',
      '-fstack-protector-strong',
      '-D_FORTIFY_SOURCE=2',
      '-static',
      '-pipe',
      '-o',
      'main',
      'b.cc',
      'main.cpp',
    ]);
  });

  it('a multi-file submission needs an entry only in the languages whose commands name it', () => {
    const needEntry = languageJsons()
      .map((l) => r.get(String(l.id)))
      .filter((l) => !l.entry && takesEntry(l))
      .map((l) => l.id);
    for (const id of ['python3', 'pascal', 'haskell', 'javascript', 'rust']) expect(needEntry).toContain(id);
    for (const id of ['c', 'cpp17', 'go']) expect(needEntry).not.toContain(id);
    // C++ sources without a main.cpp (DOMjudge's multifile-cpp: main.cc, message.cc, message.hpp) are planned as they are.
    const config: PlanConfig = { schema: makeSubmissionSchema(), languages: r, test: testLimitsConfig(), compile: compileLimitsConfig() };
    const file = (name: string) => ({ name, content: 'x' });
    const planned = planJob({ language: 'cpp17', files: ['main.cc', 'message.cc', 'message.hpp'].map(file), testcases: [{}] }, config);
    expect(planned.files.map((f) => f.name)).toEqual(['main.cc', 'message.cc', 'message.hpp']);
    expect(() => planJob({ language: 'cpp17', files: [file('message.hpp')], testcases: [{}] }, config)).toThrow(
      /holds no source of language cpp17/,
    );
    expect(() => planJob({ language: 'python3', files: [file('util.py')], testcases: [{}] }, config)).toThrow(
      /must include the entry point "main\.py"/,
    );
    // An entry of another of the language's extensions keeps it, and {entry} names it.
    const js = r.get('javascript');
    expect(entryNameFor(js, 'hello.mjs')).toBe('main.mjs');
    expect(entryNameFor(js, 'hello.js')).toBe('main.js');
    expect(entryNameFor(r.get('python3'), 'x.txt')).toBe('main.py');
    expect(entryAmong(js, ['main.mjs', 'module.mjs'])).toBe('main.mjs');
    expect(entryAmong(js, ['main.mjs', 'main.cjs'])).toBeUndefined();
    const esm = planJob({ language: 'javascript', files: ['main.mjs', 'module.mjs'].map(file), testcases: [{}] }, config);
    expect(expandArgv(esm.language, esm.language.run, { memoryBytes: 256 * MiB }).at(-1)).toBe('main.mjs');
  });

  it('a named entry: {entry} is that file, its name kept; refused without files, outside them, or for a language that takes none', () => {
    const config: PlanConfig = { schema: makeSubmissionSchema(), languages: r, test: testLimitsConfig(), compile: compileLimitsConfig() };
    const file = (name: string) => ({ name, content: 'x' });
    // Beside a decoy main.py (BAPCtools' testexpectations/ac_or_wa/metadata): the named one runs.
    const py = planJob({ language: 'python3', files: ['ac.py', 'main.py', 'util.py'].map(file), entry: 'ac.py', testcases: [{}] }, config);
    expect(py.files.map((f) => f.name)).toEqual(['ac.py', 'main.py', 'util.py']);
    expect(expandArgv(py.language, py.language.run, { memoryBytes: 256 * MiB })).toEqual(['python3', 'ac.py']);
    const hs = planJob({ language: 'haskell', files: ['Solve.hs', 'Lib.hs'].map(file), entry: 'Solve.hs', testcases: [{}] }, config);
    expect(expandArgv(hs.language, hs.language.compile!, { memoryBytes: 256 * MiB })).toContain('Solve.hs');
    expect(() => planJob({ language: 'python3', files: [file('a.py')], entry: 'b.py', testcases: [{}] }, config)).toThrow(
      /entry: names no file of "files": "b\.py"/,
    );
    expect(() => planJob({ language: 'python3', source: 'print(1)', entry: 'main.py', testcases: [{}] }, config)).toThrow(
      /entry: goes with "files", not "source"/,
    );
    expect(() => planJob({ language: 'c', files: ['a.c', 'b.c'].map(file), entry: 'a.c', testcases: [{}] }, config)).toThrow(
      /language c compiles every source together and takes no entry/,
    );
    // Under an entry rule the named file's main class is {mainClass}, where two files have one.
    const twoMains = [
      { name: 'A.java', content: 'class A { public static void main(String[] a) {} }' },
      { name: 'B.java', content: 'class B { public static void main(String[] a) {} }' },
    ];
    expect(planJob({ language: 'java', files: twoMains, entry: 'B.java', testcases: [{}] }, config).language.mainClass).toBe('B');
    // No main class where one is looked for is the submission's compile error (CE, the compiler not run), not a bad request.
    const noMain = planJob(
      { language: 'java', files: [...twoMains, { name: 'C.java', content: 'class C {}' }], entry: 'C.java', testcases: [{}] },
      config,
    );
    expect(noMain.compileError).toMatch(/no top-level class with public static void main in the entry C\.java/);
    expect(noMain.language.mainClass).toBeUndefined();
    expect(planJob({ language: 'java', files: twoMains, testcases: [{}] }, config).compileError).toMatch(
      /more than one top-level class with public static void main: A \(A\.java\), B \(B\.java\); name the entry file Main\.java/,
    );
    expect(planJob({ language: 'java', files: twoMains, entry: 'A.java', testcases: [{}] }, config).compileError).toBeUndefined();
  });

  it("one file of an interpreted language keeps its own name (a program may read it), other languages' take sourceFile", () => {
    const config: PlanConfig = { schema: makeSubmissionSchema(), languages: r, test: testLimitsConfig(), compile: compileLimitsConfig() };
    // GCPC 2023 mischievousmath's accepted Python: its code is the hex of its own name (86 bytes).
    const hex = `${Buffer.from("print(['12 11 1','99 54 5']['4'>input()])").toString('hex')}.py3`;
    for (const lang of ['python3', 'pypy3']) {
      const sub = fileSubmission(r.get(lang), `submissions/accepted/${hex}`, 'print(1)');
      expect(sub).toEqual({
        language: lang,
        files: [{ name: hex, content: Buffer.from('print(1)').toString('base64'), encoding: 'base64' }],
        entry: hex,
      });
      const plan = planJob({ ...sub, testcases: [{}] }, config);
      expect(expandArgv(plan.language, plan.language.run, { memoryBytes: 256 * MiB }).at(-1)).toBe(hex);
      expect(expandArgv(plan.language, plan.language.compile!, { memoryBytes: 256 * MiB }).at(-1)).toBe(hex);
    }
    expect(fileSubmission(r.get('ruby'), 'a/solve.rb', 'p 1')).toMatchObject({ files: [{ name: 'solve.rb' }], entry: 'solve.rb' });
    // Named like sourceFile already, or compiled to ./main, or with a name the wire refuses: as before.
    expect(fileSubmission(r.get('python3'), 'a/main.py', 'print(1)')).toEqual({ language: 'python3', source: 'print(1)' });
    expect(fileSubmission(r.get('c'), 'a/solve.c', 'int main(){}')).toEqual({ language: 'c', source: 'int main(){}' });
    expect(fileSubmission(r.get('haskell'), 'a/Solve.hs', 'main = pure ()')).toEqual({ language: 'haskell', source: 'main = pure ()' });
    expect(fileSubmission(r.get('python3'), 'a/-v.py', 'print(1)')).toEqual({ language: 'python3', source: 'print(1)' });
    expect(fileSubmission(r.get('python3'), `a/${'x'.repeat(253)}.py`, 'print(1)')).toEqual({ language: 'python3', source: 'print(1)' });
    // --lang python3 on a file of another extension: not one of its sources, so named main.py.
    expect(fileSubmission(r.get('python3'), 'a/solve.txt', 'print(1)')).toEqual({ language: 'python3', source: 'print(1)' });
    // A language that declares no extensions (an operator's image): its sourceFile's is its one.
    const { extensions: _none, ...bare } = r.get('ruby');
    expect(fileSubmission(bare, 'a/solve.rb', 'p 1')).toMatchObject({ files: [{ name: 'solve.rb' }], entry: 'solve.rb' });
  });

  it('the JVM heap and Node heap come from the step memory limit, less the reserve', () => {
    const java = { ...r.get('java'), mainClass: 'pkg.Solution' };
    const run = expandArgv(java, java.run, { memoryBytes: 256 * MiB });
    expect(run).toContain('-Xmx192m');
    expect(run[run.length - 1]).toBe('pkg.Solution');
    expect(heapMiB(java, 64 * MiB)).toBe(16);
    const node = r.get('javascript');
    expect(expandArgv(node, node.run, { memoryBytes: 1024 * MiB })).toEqual(['node', '--max-old-space-size=960', 'main.js']);
    expect(expandEnv(r.get('go'), { memoryBytes: 256 * MiB }).GOMEMLIMIT).toBe('240MiB');
  });
});

describe('entry points', () => {
  const r = registry();
  const java = r.get('java');
  const src = (name: string, content: string) => ({ name, content: Buffer.from(content) });

  it('blanks comments and strings so that a main in them does not count', () => {
    const text = 'a /* x { */ b // y {\n"s{" \'}\' c';
    const blank = blankCommentsAndStrings(text);
    expect(blank.length).toBe(text.length);
    expect(blank.indexOf('\n')).toBe(text.indexOf('\n'));
    expect(blank.split(/\s+/).filter(Boolean)).toEqual(['a', 'b', 'c']);
  });

  it('finds the class with public static void main, package-qualified', () => {
    const files = [
      src('Adder.java', 'public class Adder { static long add(long a, long b) { return a + b; } }'),
      src(
        'Solution.java',
        'package contest.a;\n// public static void main(String[] x) in a comment\npublic class Solution {\n  static class Inner {}\n  public static void main(String[] args) {}\n}\n',
      ),
    ];
    expect(findMainClass(java, files, 'files')).toBe('contest.a.Solution');
  });

  it('reads names in any script, as javac does (DMOJ testsuite: helloworld/java8_unicode_class)', () => {
    const nyet = 'package пакет.ü;\npublic class нет$1 {\n  public static void main(String[] args) {}\n}\n';
    expect(findMainClass(java, [src('Main.java', nyet)], 'files')).toBe('пакет.ü.нет$1');
    expect(singleSourceName(java, nyet)).toBe('нет$1.java');
    // A keyword inside a longer name is no declaration.
    expect(
      findMainClass(java, [src('Main.java', 'class Main { public static void main(String[] a) {} }\nclass éclass Other {}\n')], 'f'),
    ).toBe('Main');
  });

  it('saves a single Java source under its public class', () => {
    expect(singleSourceName(java, 'import java.util.*;\npublic final class Solution { public static void main(String[] a) {} }')).toBe(
      'Solution.java',
    );
    expect(singleSourceName(java, 'class Main { public static void main(String[] a) {} }')).toBe('Main.java');
    // A public class whose name is no file name (more than 255 bytes): Main.java, which javac refuses (a CE, not the worker's error).
    const long = 'A'.repeat(300);
    expect(singleSourceName(java, `public class ${long} { public static void main(String[] a) {} }`)).toBe('Main.java');
  });

  it('refuses no main, and several mains none of which is in Main.java', () => {
    expect(() => findMainClass(java, [src('A.java', 'class A {}')], 'source')).toThrow(InvalidRequestError);
    const two = [
      src('A.java', 'class A { public static void main(String[] a) {} }'),
      src('B.java', 'class B { static public void main(String[] a) {} }'),
    ];
    expect(() => findMainClass(java, two, 'files')).toThrow(
      /more than one top-level class with public static void main: A \(A.java\), B \(B.java\)/,
    );
  });

  it('Scala: the object with def main, or extending App', () => {
    const scala = r.get('scala');
    expect(
      findMainClass(
        scala,
        [src('x.scala', 'package p\nobject Util { def f = 1 }\nobject Go { def main(args: Array[String]): Unit = () }')],
        'f',
      ),
    ).toBe('p.Go');
    expect(findMainClass(scala, [src('Main.scala', 'object Hello extends App { println(1) }')], 'f')).toBe('Hello');
  });

  it("a declaration without a body does not take the next one's (Scala case class, Kotlin data class)", () => {
    const scala = r.get('scala');
    const go = 'case class P(x: Int)\nobject Go { def main(args: Array[String]): Unit = () }';
    expect(findMainClass(scala, [src('Main.scala', go)], 'f')).toBe('Go');
  });

  // The plan finds the main class on the worker's event loop, in a source of the wire's size
  // (256 KiB by default). The scans used to take time quadratic in some shapes (a run of blank
  // lines before the package line: 256 KiB took about 45 s for Java, 90 s for Kotlin; many
  // body-less declarations; many declarations on one line). Sixteen times the source must cost
  // about sixteen times as much, not 256 (the bound, 48x of the best of 7, leaves room for load).
  it.each([
    ['java', 'Main.java', (n: number) => `${'\n'.repeat(n)}class Main { public static void main(String[] a) {} }`],
    ['java', 'Main.java', (n: number) => `${'class A{}'.repeat(n / 9)}class Main { public static void main(String[] a) {} }`],
    ['java', 'Main.java', (n: number) => `${'x;'.repeat(n / 2)}class Main { public static void main(String[] a) {} }`],
    ['kotlin', 'Main.kt', (n: number) => `${'\n'.repeat(n)}fun main() {}`],
    ['kotlin', 'Main.kt', (n: number) => `${'class A(val x: Int)\n'.repeat(n / 20)}fun main() {}`],
    ['kotlin', 'Main.kt', (n: number) => `${'class A('.repeat(n / 8)}\nfun main() {}`],
    [
      'scala',
      'Main.scala',
      (n: number) => `${'case class P(x: Int)\n'.repeat(n / 21)}object Main { def main(a: Array[String]): Unit = () }`,
    ],
  ])('%s %s: finding main takes time linear in a hostile source (%#)', (id, name, make) => {
    const language = r.get(id);
    const find = (n: number) => {
      const files = [src(name, make(n))];
      return () => {
        try {
          findMainClass(language, files, 'files');
        } catch {
          // several or none: the time is what counts
        }
      };
    };
    const small = find(16 * 1024);
    const large = find(256 * 1024);
    small();
    const [tSmall, tLarge] = bestOfEach(7, small, large);
    expect(tLarge).toBeLessThan(48 * tSmall + 25);
  });

  describe('Kotlin: the file class of the top-level fun main, or an object with @JvmStatic main', () => {
    const kotlin = r.get('kotlin');
    it.each([
      ['Main.kt', 'fun main() { println(1) }', 'MainKt'],
      ['hello.kt', 'import java.util.*\n\nfun main(args: Array<String>) {\n  println("fun main(")\n}\n', 'HelloKt'],
      ['a-b.c.kt', 'suspend fun main() {}', 'A_b_cKt'],
      ['élan.kt', 'fun main() {}', 'ÉlanKt'],
      ['2sat.kt', 'fun main() {}', '_2satKt'],
      ['٣x ßa.kt', 'fun main() {}', '_x_ßaKt'],
      ['ßa.kt', 'fun main() {}', 'SSaKt'],
      ['sol.kt', 'package contest.b\n\nfun main() = println(readLine())', 'contest.b.SolKt'],
      ['x.kt', '@file:JvmName("Solver")\npackage p\nfun main() {}', 'p.Solver'],
      ['x.kt', 'data class P(val x: Int)\nobject Runner {\n  @JvmStatic fun main(args: Array<String>) {}\n}', 'Runner'],
      ['x.kt', 'class App {\n  companion object {\n    @JvmStatic\n    fun main(args: Array<String>) {}\n  }\n}', 'App'],
      ['x.kt', 'enum class Color { RED }\nclass Q { fun main() {} }\n// fun main()\nfun String.main() {}\nfun main() {}', 'XKt'],
      ['x.kt', 'enum class Runner {\n  A;\n  companion object {\n    @JvmStatic fun main(args: Array<String>) {}\n  }\n}', 'Runner'],
    ])('%s: %j is %s', (name, content, expected) => {
      expect(findMainClass(kotlin, [src(name, content)], 'files')).toBe(expected);
    });

    it('a main in a class body, a comment, a string or an extension is none', () => {
      for (const content of ['class Q { fun main() {} }', '// fun main() {}', 'val s = "fun main()"', 'fun Int.main() {}'])
        expect(() => findMainClass(kotlin, [src('Main.kt', content)], 'files')).toThrow(/no top-level fun main/);
    });

    it('among several files, the one with main; with mains in two, the one in Main.kt or the entry', () => {
      const util = src('util.kt', 'fun add(a: Int, b: Int) = a + b');
      expect(findMainClass(kotlin, [util, src('solve.kt', 'fun main() { println(add(1, 2)) }')], 'files')).toBe('SolveKt');
      const two = [src('Main.kt', 'fun main() {}'), src('b.kt', 'fun main() {}')];
      expect(findMainClass(kotlin, two, 'files')).toBe('MainKt');
      expect(findMainClass(kotlin, two, 'files', 'b.kt')).toBe('BKt');
    });
  });
});

describe("a directory's entry (directorySubmission)", () => {
  const r = registry();
  const pascal = r.get('pascal');
  const files: Record<string, string> = {
    'hello.pp': '{ a unit }\nUnit hello;\ninterface\nimplementation\nend.\n',
    'run.pas': 'program run;\nuses hello;\nbegin\nend.\n',
    'bare.pas': 'begin\n  writeln(1);\nend.\n',
  };
  const read = (n: string) => Buffer.from(files[n]!);

  it("passes over a language's libraries: a Pascal unit is never the entry", () => {
    expect(directorySubmission(pascal, ['hello.pp', 'run.pas'], read)).toMatchObject({ entry: 'run.pas' });
    // A program without a program line is a program too.
    expect(directorySubmission(pascal, ['bare.pas', 'hello.pp'], read)).toMatchObject({ entry: 'bare.pas' });
    // Named, the entry is taken as given.
    expect(directorySubmission(pascal, ['hello.pp', 'run.pas'], read, 'hello.pp')).toMatchObject({ entry: 'hello.pp' });
    expect(directorySubmission(pascal, ['hello.pp'], read)).toEqual({
      refused: expect.stringMatching(/^every pascal source among hello.pp is a library \(.*unit.*\), none a program$/) as unknown,
    });
  });
});

describe('detection by file name', () => {
  const r = registry();
  it.each([
    ['a.cpp', 'cpp17'],
    ['a.cc', 'cpp17'],
    ['a.cxx', 'cpp17'],
    ['a.c++', 'cpp17'],
    ['a.C', 'cpp17'],
    ['a.c', 'c'],
    ['a.py', 'python3'],
    ['a.mjs', 'javascript'],
    ['a.pl', 'perl'],
    ['a.plg', 'prolog'],
    ['a.p', 'pascal'],
    ['a.f95', 'fortran'],
    ['a.adb', 'ada'],
    ['a.R', 'r'],
    ['a.r', 'r'],
    ['A.java', 'java'],
    ['a.kt', 'kotlin'],
    ['a.CPP', 'cpp17'],
  ])('%s is %s', (file, id) => {
    expect(r.ofFile(file).id).toBe(id);
  });

  it('an unknown extension is refused naming it', () => {
    expect(() => r.ofFile('x.swift', 'FILE')).toThrow(/unknown extension ".swift" of x.swift \(known: .*\.cpp.*\)/);
    expect(() => r.ofFile('Makefile', 'FILE')).toThrow(/unknown extension "\(none\)"/);
  });

  it('an unknown id is refused listing the ids', () => {
    expect(() => r.get('swift')).toThrow(/unknown language "swift" \(known: ada, algol68, awk, bash, c, c11, c23, c99, cgmp, /);
  });
});

describe("a package submission's .pl (packageLanguages)", () => {
  const r = registry();
  const image = {
    languages: () => r.list(),
    languageOfFile: (f: string, field?: string) => r.ofFile(f, field).id,
    language: (id: string) => r.get(id),
  };
  const texts: Record<string, string> = {
    'different.pl': '[kattio].\n\nmain :-\n    read_int(X), write(X), nl.\n', // problemtools' different/accepted/prolog
    'kattio.pl': '% tokens\n:- module(kattio, [read_int/1]).\n',
    'hello.pl': '# @EXPECTED_RESULTS@: CORRECT :-)\nprint "Hello world!\\n";\n', // DOMjudge's hello/accepted/test-hello.pl
  };
  const languages = packageLanguages(image, (f) => (f in texts ? Buffer.from(texts[f]!) : null));
  it('is Prolog with a ":-" line before any "#", else Perl as the image says; other files go by the image', () => {
    expect(languages.languageOfFile('different.pl')).toBe('prolog');
    expect(languages.languageOfFile('kattio.pl')).toBe('prolog');
    expect(languages.languageOfFile('hello.pl')).toBe('perl');
    expect(languages.languageOfFile('unreadable.pl')).toBe('perl');
    expect(languages.languageOfFile('a.py')).toBe('python3');
    expect(() => languages.languageOfFile('a.swift', 'SUBMISSION')).toThrow(InvalidRequestError);
  });
  it("is the newest C++ the image has for a C++ file (problemtools' gnu++23), the image's own with newestCpp false", () => {
    expect(languages.languageOfFile('a.cpp')).toBe('cpp23');
    const without23 = { ...image, languages: () => r.list().filter((l) => l.id !== 'cpp23') };
    expect(packageLanguages(without23, () => null).languageOfFile('a.cc')).toBe('cpp20');
    expect(packageLanguages(image, () => null, { newestCpp: false }).languageOfFile('a.cpp')).toBe('cpp17');
  });
});

describe('the program a compile must leave (missingProgram)', () => {
  const r = registry();
  const box = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-program-'));
  afterAll(() => fs.rmSync(box, { recursive: true, force: true }));
  it("is the run command's ./NAME: a file without an execute bit is named; none, a program, a link or an interpreted language is not", () => {
    const go = r.get('go');
    expect(missingProgram(go, box)).toBeNull(); // none at all: the run's RE (Judge0 14), as for -fsyntax-only
    fs.writeFileSync(path.join(box, 'main'), '!<arch>\n', { mode: 0o644 }); // go build -o main of `package notmain`
    fs.chmodSync(path.join(box, 'main'), 0o644);
    expect(missingProgram(go, box)).toMatch(/made \.\/main that is not a program/);
    fs.chmodSync(path.join(box, 'main'), 0o755);
    expect(missingProgram(go, box)).toBeNull();
    fs.rmSync(path.join(box, 'main'));
    fs.symlinkSync('elsewhere', path.join(box, 'main'));
    expect(missingProgram(r.get('pascal'), box)).toBeNull();
    expect(missingProgram(r.get('python3'), box)).toBeNull(); // python3 {entry}: nothing to make
    expect(missingProgram(r.get('bash'), box)).toBeNull();
  });
});

export type { Language };
