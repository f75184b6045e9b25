/**
 * DMOJ's `args_format_string` (src/judge/dmoj-args.ts) and its `peg` contrib module
 * (src/judge/dmoj-peg.ts), checked against Python itself: shlex.split, str.format and float()
 * on the same strings, in one python3 process (the host's, as the judge's own Python is); and
 * init.yml's `flags`, `args_format_string` and `type: peg` read into the wire.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { formatDmojArg, splitShellWords } from '../../src/judge/dmoj-args';
import { pegShare, pegVerdict, pythonFloat } from '../../src/judge/dmoj-peg';
import { asDmojBuilds } from '../../src/problem/dmoj-build';
import { dmojLanguages } from '../../src/problem/dmoj-init-checker';
import { withSignatureGrader } from '../../src/problem/dmoj-signature';
import { loadPackage } from '../../src/problem/problem-package';
import { repoLanguageRegistry } from './helpers/language-table';
import { refused, scratchPackage } from './helpers/scratch-package';

const pkg = scratchPackage('caged-dmoj-args-');
const load = () => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 });

/** Python's answers, one per input: `script` reads a JSON list on stdin and prints a JSON list. */
function python(script: string, inputs: readonly string[]): unknown[] {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(inputs), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

const SHLEX = `
import json, shlex, sys
out = []
for s in json.load(sys.stdin):
    try: out.append(shlex.split(s))
    except ValueError: out.append(None)
print(json.dumps(out))`;

const FLOAT = `
import json, math, sys
out = []
for s in json.load(sys.stdin):
    try:
        f = float(s)
        out.append('nan' if math.isnan(f) else repr(f))
    except ValueError: out.append(None)
print(json.dumps(out))`;

function ours<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

/** Random strings over an alphabet that exercises every rule. */
function randomStrings(alphabet: string, count: number, maxLength: number, seed: string): string[] {
  const bytes = crypto.createHash('sha256');
  let pool = Buffer.alloc(0);
  let k = 0;
  const next = (): number => {
    if (pool.length === 0) pool = bytes.copy().update(`${seed}${k++}`).digest();
    const b = pool[0]!;
    pool = pool.subarray(1);
    return b;
  };
  return Array.from({ length: count }, () => {
    const n = next() % (maxLength + 1);
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[next() % alphabet.length];
    return s;
  });
}

describe("DMOJ's args_format_string", () => {
  it('splits words as shlex.split does', () => {
    const fixed = [
      '"The arguments"',
      '{input_file} {output_file} {answer_file}',
      `a 'b c' "d \\" e" f\\ g`,
      "it's",
      '"unclosed',
      'trailing\\',
      "''",
      'a""b',
      '"a\\nb" \'c\\d\'',
      '  \t spaced \n\r out ',
      '',
    ];
    const inputs = [...fixed, ...randomStrings(` ab'"\\\t{}`, 3000, 12, 'shlex')];
    const expected = python(SHLEX, inputs);
    inputs.forEach((s, i) => expect([s, ours(() => splitShellWords(s))]).toEqual([s, expected[i]]));
  });

  it("fills DMOJ's three fields and the doubled braces, and refuses any other field", () => {
    const paths = { input_file: '/checker/input', output_file: '/checker/output', answer_file: '/checker/answer' };
    expect(formatDmojArg('--in={input_file}', paths)).toBe('--in=/checker/input');
    expect(formatDmojArg('{answer_file}{output_file}', paths)).toBe('/checker/answer/checker/output');
    expect(formatDmojArg('{{x}}', paths)).toBe('{x}');
    for (const bad of ['{}', '{0}', '{case_number}', '{input_file:>9}', '{', '}', 'a{b']) expect(() => formatDmojArg(bad, paths)).toThrow();
  });
});

describe("DMOJ's peg checkers", () => {
  it("read a number as Python's float() does", () => {
    const fixed = [
      '1',
      ' 2.5 ',
      '-3e2',
      '.5',
      '5.',
      '1_000',
      '1__0',
      '_1',
      '1_',
      'inf',
      '-Infinity',
      'nan',
      'NaN',
      '0x10',
      '',
      ' ',
      '1/2',
      '1e',
      'e1',
      '+.e1',
      '\t7\r',
    ];
    const inputs = [...fixed, ...randomStrings('0123456789._eE+- infa', 3000, 7, 'float')];
    const expected = python(FLOAT, inputs);
    inputs.forEach((s, i) => {
      const f = pythonFloat(s);
      const got = f === null ? null : Number.isNaN(f) ? 'nan' : f;
      const e = expected[i] as string | null;
      const want = e === null || e === 'nan' ? e : e === 'inf' ? Infinity : e === '-inf' ? -Infinity : Number(e);
      expect([s, got]).toEqual([s, want]);
    });
  });

  it('find the first X/Y > 0 of two consecutive lines', () => {
    expect(pegShare('3\n4\n')).toBe(0.75);
    expect(pegShare('note\n1\n4\n')).toBe(0.25);
    expect(pegShare('0\n4\n2\n4')).toBe(2); // 0/4 is no share; 4/2 is (held to 1 by pegVerdict)
    expect(pegShare('1\n0\n')).toBeNull(); // 1/0: Python's ZeroDivisionError, skipped
    expect(pegShare('-1\n2\n')).toBeNull();
    expect(pegShare('1\n\n2')).toBeNull();
    expect(pegShare('')).toBeNull();
  });

  it('pass on 0, fail on 1, pass partly on a share (hidden feedback: none), and are IE on any other exit', () => {
    const out = (s: string) => Buffer.from(s);
    expect(pegVerdict(0, out(''), true)).toEqual({ verdict: 'AC', fraction: 1, message: '' });
    expect(pegVerdict(1, out('bad'), true)).toEqual({ verdict: 'WA', fraction: 0, message: '' });
    expect(pegVerdict(1, out('1\n2\n'), true)).toEqual({ verdict: 'AC', fraction: 0.5, message: '' });
    expect(pegVerdict(0, out('3\n2\n'), true)).toEqual({ verdict: 'AC', fraction: 1, message: '' });
    expect(pegVerdict(1, out('1\n2\n'), false)).toEqual({ verdict: 'WA', fraction: 0, message: '' });
    expect(pegVerdict(2, out(''), true)).toMatchObject({ verdict: 'IE' });
    expect(pegVerdict(0, Buffer.from([0xff]), true)).toEqual({ verdict: 'WA', fraction: 0, message: 'invalid unicode' });
  });
});

describe('init.yml', () => {
  it("keeps a contrib type DMOJ does not know as the problem's failure, judged IE", () => {
    pkg.write('a', '1\n');
    pkg.write('check.c', 'int main(void) { return 0; }\n');
    pkg.write('init.yml', 'test_cases:\n- {in: a, out: a}\nchecker: {name: bridged, args: {files: check.c, type: not-a-module}}\n');
    const p = load();
    expect(p.config.unsupported).toEqual([]);
    expect(p.dmoj?.failure).toBe('not-a-module is not a valid contrib module');
    expect(p.dataNotes).toContain('init.yml: not-a-module is not a valid contrib module: every submission is judged IE, as DMOJ judges it');
    pkg.write('init.yml', 'test_cases:\n- {in: a, out: a}\ninteractive: {files: check.c, type: 7}\n');
    expect(load().dmoj?.failure).toBe('7 is not a valid contrib module');
  });

  it('refuses a signature grader header whose name cannot be #included as it is', () => {
    pkg.write('a', '1\n');
    pkg.write('e.cpp', 'int main() {}\n');
    pkg.write('h"x.h', 'int f();\n');
    pkg.write('init.yml', "test_cases:\n- {in: a, out: a}\nsignature_grader: {entry: e.cpp, header: 'h\"x.h'}\n");
    refused(load, 'init.yml signature_grader', /without quotes, backslashes or control characters/);
  });

  it('reads signature_grader, and refuses it beside an interactor', () => {
    pkg.write('a', '1\n');
    const unsupported = (yml: string): string[] => {
      pkg.write('init.yml', `test_cases:\n- {in: a, out: a}\n${yml}`);
      return load().config.unsupported;
    };
    pkg.write('e.cpp', 'int main() {}\n');
    pkg.write('h.h', 'int f();\n');
    expect(unsupported('signature_grader: {entry: e.cpp, header: h.h}\n')).toEqual([]);
    expect(load().dmoj?.signature).toMatchObject({ header: { name: 'h.h' }, allowMain: false });
    expect(unsupported('signature_grader: {entry: e.cpp, header: h.h}\ninteractive: {files: e.cpp}\n')).toContain(
      'signature_grader with interactive (DMOJ grades by the signature grader alone then)',
    );
  });

  it("reads a bridged program's flags, args_format_string and peg type into the wire", () => {
    pkg.write('a', '1\n');
    pkg.write('check.c', 'int main(void) { return 0; }\n');
    pkg.write(
      'init.yml',
      [
        'test_cases:',
        '- {in: a, out: a}',
        'checker:',
        '  name: bridged',
        '  args:',
        '    files: check.c',
        '    flags: [-DX, -O2]',
        '    type: peg',
        String.raw`    args_format_string: "\"{answer_file}\" -v {{x}} 'a b'"`,
        '',
      ].join('\n'),
    );
    const loaded = load();
    expect(loaded.config.unsupported).toEqual([]);
    expect(loaded.dmoj?.checker).toMatchObject({
      kind: 'bridged',
      contrib: 'peg',
      compilerOptions: ['-DX', '-O2'],
      args: ['{answer_file}', '-v', '{{x}}', 'a b'],
    });
    pkg.write(
      'init.yml',
      'test_cases:\n- {in: a, out: a}\ninteractive: {files: check.c, flags: [-DFLAG], args_format_string: "{input_file} {output_file}"}\n',
    );
    expect(load().dmoj?.interactor).toMatchObject({
      contrib: 'default',
      compilerOptions: ['-DFLAG'],
      args: ['{input_file}', '{output_file}'],
    });
    const bad = (yml: string, field: string, text: RegExp): void => {
      pkg.write('init.yml', `test_cases:\n- {in: a, out: a}\n${yml}`);
      refused(load, field, text);
    };
    bad(
      'checker: {name: bridged, args: {files: check.c, args_format_string: "{case}"}}\n',
      'init.yml checker args args_format_string',
      /\{case\} is none of/,
    );
    bad(
      'checker: {name: bridged, args: {files: check.c, args_format_string: "\'open"}}\n',
      'init.yml checker args args_format_string',
      /no closing quotation/,
    );
    bad('interactive: {files: check.c, flags: -DX}\n', 'init.yml interactive flags', /must be a list of compiler options/);
  });
});

describe("a DMOJ signature grader's submission", () => {
  const sig = {
    entry: Buffer.from('int main() { return f(); }\n'),
    header: { name: 'f.h', data: Buffer.from('int f();\n') },
    allowMain: false,
  };
  const languages = repoLanguageRegistry();
  const text = (f: { content: string }) => Buffer.from(f.content, 'base64').toString();

  it('is the entry and the header beside the prefixed source, compiled with -DSIGNATURE_GRADER', () => {
    const s = withSignatureGrader(sig, { language: 'cpp17', source: 'int f() { return 0; }\n' }, languages.get('cpp17'));
    expect(s.compilerOptions).toEqual(['-DSIGNATURE_GRADER']);
    expect(s.files?.map((f) => f.name)).toEqual(['grader.cpp', 'f.h', 'submission.cpp']);
    expect(text(s.files![0]!)).toBe('int main() { return f(); }\n');
    expect(text(s.files![2]!)).toMatch(/^#include "f\.h"\n#define main main_[0-9a-f]{32}\nint f\(\) \{ return 0; \}\n$/);
    // The same source, the same name for its main: the compile cache's key holds.
    const again = withSignatureGrader(sig, { language: 'cpp17', source: 'int f() { return 0; }\n' }, languages.get('cpp17'));
    expect(text(again.files![2]!)).toBe(text(s.files![2]!));
    const c = withSignatureGrader({ ...sig, allowMain: true }, { language: 'c', source: 'x' }, languages.get('c'));
    expect(c.files?.map((f) => [f.name, text(f)])).toEqual([
      ['grader.c', 'int main() { return f(); }\n'],
      ['f.h', 'int f();\n'],
      ['submission.c', '#include "f.h"\nx'],
    ]);
  });

  it('is refused for another language or several files, and left alone without a grader', () => {
    expect(() => withSignatureGrader(sig, { language: 'python3', source: 'x' }, languages.get('python3'))).toThrow(
      /takes a C or C\+\+ submission, not python3/,
    );
    const files = { language: 'c', files: [{ name: 'a.c', content: 'x', encoding: 'utf8' as const }] };
    expect(() => withSignatureGrader(sig, files, languages.get('c'))).toThrow(/takes one source file/);
    expect(withSignatureGrader(null, files, languages.get('c'))).toBe(files);
  });

  it("is unbuffered with init.yml's unbuffered (a C, C++ or Python one), its compiler option kept; another language as it is", () => {
    const cpp = asDmojBuilds(
      { signature: sig, unbuffered: true, noBigMath: false },
      { language: 'cpp17', source: 'int f() { return 0; }\n' },
      languages.get('cpp17'),
    );
    expect(cpp.compilerOptions).toEqual(['-DSIGNATURE_GRADER']);
    expect(cpp.files?.map((f) => f.name)).toEqual(['grader.cpp', 'f.h', 'submission.cpp', '_caged_unbuffered.cpp']);
    expect(text(cpp.files![3]!)).toMatch(/setvbuf\(stdout, NULL, _IONBF, 0\)/);
    const c = asDmojBuilds(
      { signature: null, unbuffered: true, noBigMath: false },
      { language: 'c', source: 'int main(void) { return 0; }\n' },
      languages.get('c'),
    );
    expect(c).toMatchObject({ language: 'c' });
    expect(c.source).toBeUndefined();
    expect(c.files?.map((f) => f.name)).toEqual(['main.c', '_caged_unbuffered.c']);
    // Python: a loader, the entry, unbuffers stdout as `python -u` and runs the submission's entry.
    const py = asDmojBuilds(
      { signature: null, unbuffered: true, noBigMath: false },
      { language: 'python3', source: 'print(1)\n' },
      languages.get('python3'),
    );
    expect(py).toMatchObject({ language: 'python3', entry: '_caged_unbuffered.py' });
    expect(py.files?.map((f) => f.name)).toEqual(['main.py', '_caged_unbuffered.py']);
    expect(text(py.files![1]!)).toMatch(
      /write_through=True[\s\S]*sys\.argv\[0\] = "main\.py"\nrunpy\.run_path\(sys\.argv\[0\], run_name='__main__'\)/,
    );
    const named = {
      language: 'python3',
      files: [{ name: 'solve.py', content: 'print(1)\n', encoding: 'utf8' as const }],
      entry: 'solve.py',
    };
    expect(text(asDmojBuilds({ signature: null, unbuffered: true, noBigMath: false }, named, languages.get('python3')).files![1]!)).toMatch(
      /sys\.argv\[0\] = "solve\.py"/,
    );
    // A language it cannot unbuffer runs as it is.
    const js = { language: 'javascript', source: 'console.log(1)\n' };
    expect(asDmojBuilds({ signature: null, unbuffered: true, noBigMath: false }, js, languages.get('javascript'))).toBe(js);
    expect(
      asDmojBuilds({ signature: null, unbuffered: false, noBigMath: false }, { language: 'c', source: 'x' }, languages.get('c')),
    ).toEqual({
      language: 'c',
      source: 'x',
    });
    const taken = { language: 'c', files: [{ name: '_caged_unbuffered.c', content: 'x', encoding: 'utf8' as const }] };
    expect(() => asDmojBuilds({ signature: null, unbuffered: true, noBigMath: false }, taken, languages.get('c'))).toThrow(
      /names a file _caged_unbuffered\.c, which caged adds/,
    );
  });

  it('runs a Java submission of a nobigmath problem through a loader, the entry, naming the main class', () => {
    const java = languages.get('java');
    const source = 'import java.util.*;\nclass Sum {\n  public static void main(String[] a) { System.out.println(1); }\n}\n';
    const loaded = asDmojBuilds({ signature: null, unbuffered: false, noBigMath: true }, { language: 'java', source }, java);
    expect(loaded).toMatchObject({ language: 'java', entry: 'caged/DmojJava.java' });
    expect(loaded.files?.map((f) => f.name)).toEqual(['Main.java', 'caged/DmojJava.java']);
    const loader = text(loaded.files![1]!);
    expect(loader).toMatch(/^package caged;/);
    expect(loader).toMatch(/MAIN = "Sum";/);
    expect(loader).toMatch(/"java\/math\/BigInteger", "java\.math\.BigInteger", "ca\.dmoj\.java\.BigIntegerDisallowedException"/);
    // A packaged main class by its qualified name, the entry the submission named.
    const files = {
      language: 'java',
      files: [
        {
          name: 'app/Solve.java',
          content: 'package app;\npublic class Solve { public static void main(String[] a) {} }\n',
          encoding: 'utf8' as const,
        },
        { name: 'Other.java', content: 'class Other { public static void main(String[] a) {} }\n', encoding: 'utf8' as const },
      ],
      entry: 'app/Solve.java',
    };
    const math = asDmojBuilds({ signature: null, unbuffered: true, noBigMath: true }, files, java);
    expect(text(math.files![2]!)).toMatch(/MAIN = "app\.Solve";/);
    expect(math.entry).toBe('caged/DmojJava.java');
    // Without the hint, unbuffered or not, as it is (Java's System.out flushes at every print).
    expect(asDmojBuilds({ signature: null, unbuffered: true, noBigMath: false }, files, java)).toBe(files);
    // No main class: as it is (the plan's CE says why); the loader's own name refused.
    const none = { language: 'java', source: 'class A {}\n' };
    expect(asDmojBuilds({ signature: null, unbuffered: false, noBigMath: true }, none, java)).toBe(none);
    const taken = { ...files, files: [...files.files, { name: 'caged/DmojJava.java', content: 'x', encoding: 'utf8' as const }] };
    expect(() => asDmojBuilds({ signature: null, unbuffered: false, noBigMath: true }, taken, java)).toThrow(
      /names a file caged\/DmojJava\.java/,
    );
    // nobigmath is checked in Java: another language as it is.
    const kt = { language: 'kotlin', source: 'fun main() { println(1) }\n' };
    expect(asDmojBuilds({ signature: null, unbuffered: false, noBigMath: true }, kt, languages.get('kotlin'))).toBe(kt);
  });
});

describe("DMOJ's executor names", () => {
  // dmoj/executors/*.py of DMOJ's judge-server: each is a language of caged's image, or one caged lacks.
  const executors =
    'ADA ALGL68 AWK BASH BF C C11 C23 CBL CLANG CLPP14 CLPP17 CLPP20 CLPP23 COFFEE CPP03 CPP11 CPP14 CPP17 CPP20 CPP23 D DART F95 FORTH GAS32 GAS64 GASARM GO GROOVY HASK ICK JAVA JAVA8 KOTLIN LEAN4 LLC LUA MONOCS MONOFS MONOVB NASM NASM64 NODEJS OBJC OCAML PAS PERL PHP PIKE PRO PY2 PY3 PYPY PYPY3 RKT RUBY RUST SBCL SCALA SCM SED SWIFT TCL TEXT TUR V8JS ZIG';
  const lacking = 'BF COFFEE DART GAS32 GAS64 GASARM ICK LEAN4 LLC MONOFS MONOVB NASM PIKE SCM SED SWIFT TCL TUR ZIG';
  it('name a language of the image, best first, or none where caged has no such language', () => {
    const registry = repoLanguageRegistry();
    for (const name of executors.split(' ')) {
      const ids = dmojLanguages(name);
      if (lacking.split(' ').includes(name)) expect([name, ids]).toEqual([name, null]);
      else for (const id of ids ?? [`none for ${name}`]) expect(registry.get(id).id).toBe(id);
    }
    expect(dmojLanguages('MONOCS')).toEqual(['csharp']);
    // CLANG is DMOJ's C (C99) by clang: C, not clang's C++ (CLANGX).
    expect(dmojLanguages('CLANG')).toEqual(['c99', 'c']);
    expect(dmojLanguages('CLANGX')).toEqual(['cpp-clang']);
    expect(dmojLanguages('PYPY')).toEqual(['python2']);
    expect(dmojLanguages('java11')).toEqual(['java']);
  });
});
