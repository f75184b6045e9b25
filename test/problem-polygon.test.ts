/**
 * Polygon packages judged for real (`caged judge`, real containers, the real Debian image):
 * test/packages/polygon-sum (a testlib checker with its testlib.h beside it) and polygon-guess
 * (a testlib interactor whose output file the checker judges). Each solution gets what its tag
 * in problem.xml expects; a zipped package and a scoring one (groups with points and a
 * dependency) are judged too, and a standard package's missing tests are generated.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { judgeCommand } from '../src/cli/judge';
import { problemCommand } from '../src/cli/problem';
import { generatePolygonTests } from '../src/problem/polygon-generate';
import { Judge } from '../src/judge/judge';
import { JudgeResultSchema, type JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const PACKAGES = path.join(__dirname, 'packages');
const SUM = path.join(PACKAGES, 'polygon-sum');
const GUESS = path.join(PACKAGES, 'polygon-guess');

describe('Polygon packages on the real image', () => {
  let judge: Judge;
  let tmp: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-polygon-'));
    judge = await Judge.create({
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      compileCacheDir: path.join(tmp, 'cache'),
      reportOutputBytes: 16 * 2 ** 20,
    });
  }, 120_000);

  afterAll(async () => {
    await judge?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function judged(args: string[]): Promise<JudgeResult> {
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    expect(await judgeCommand([...args, '--json'], out, { judge })).toBe(0);
    return JudgeResultSchema.parse(JSON.parse(text));
  }

  it.each([
    ['sum.cpp', 'main', 'AC', null],
    ['sum.py', 'accepted', 'AC', null],
    ['wrong.cpp', 'wrong-answer', 'WA', 'tests/03'],
    ['slow.c', 'time-limit-exceeded', 'TLE', 'tests/03'],
  ])(
    'polygon-sum: solutions/%s (%s) gets %s, its checker a testlib program',
    async (file, tag, verdict, failing) => {
      const r = await judged([SUM, path.join(SUM, 'solutions', file)]);
      expect(r.verdict).toBe(verdict);
      expect(r.problem).toMatchObject({ name: 'Sum & Polygon', format: 'polygon', timeLimitFrom: 'problem.xml', timeLimitMs: 1000 });
      expect(r.problem?.expectations).toMatchObject({ from: `problem.xml tag ${tag}`, failed: [] });
      expect(r.tests.map((t) => t.name)).toEqual(['tests/01', 'tests/02', 'tests/03', 'tests/04']);
      // Its notes name its own file.
      expect(r.problem?.notes.join('\n')).not.toMatch(/problem\.yaml/);
      if (failing === null) {
        expect(r.problem?.expectations?.status).toBe('met');
        // The checker's own message, from testlib's quitf.
        expect(r.tests[2]?.checkerMessage).toBe('the sum is 4000000000');
      } else {
        // The first rejection decides; a solution of the package runs every test, as Polygon's
        // invocations run them, so that its tag is checked on all of them.
        expect(r.tests.find((t) => t.verdict !== 'AC')?.name).toBe(failing);
        expect(r.tests[3]?.verdict).not.toBe('SKIPPED');
        expect(r.problem?.expectations?.status).toBe('met');
        // A contestant's copy: Codeforces' order, the first rejection ends the judging.
        const copy = path.join(tmp, file);
        fs.copyFileSync(path.join(SUM, 'solutions', file), copy);
        expect((await judged([SUM, copy])).tests[3]?.verdict).toBe('SKIPPED');
      }
      if (verdict === 'WA') expect(r.tests[2]?.checkerMessage).toBe('expected 4000000000, found -294967296');
    },
    120_000,
  );

  it.each([
    ['bisect.cpp', 'AC', /^[1-7] queries$/],
    ['linear.py', 'WA', /^38 queries, more than 7$/],
    ['fifty.c', 'WA', /^guessed 50, the number is 37$/],
    ['silent.cpp', 'TLE', null],
  ])(
    'polygon-guess: solutions/%s gets %s through the testlib interactor and the checker on its output',
    async (file, verdict, message) => {
      const r = await judged([GUESS, path.join(GUESS, 'solutions', file)]);
      expect(r.verdict).toBe(verdict);
      // Every test of a solution of the package runs (as Polygon's invocations): its tag is checked on all.
      expect(r.problem?.expectations).toMatchObject({ status: 'met', failed: [] });
      expect(r.tests[0]?.verdict).toBe(verdict);
      if (message) expect(r.tests[0]?.checkerMessage).toMatch(message);
      if (verdict === 'AC') expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC']);
    },
    120_000,
  );

  it('judges a zipped Polygon package, its files in one top-level directory', async () => {
    const copy = path.join(tmp, 'polygon-sum');
    fs.cpSync(SUM, copy, { recursive: true });
    const zip = path.join(tmp, 'polygon-sum.zip');
    expect(spawnSync('zip', ['-qr', zip, 'polygon-sum'], { cwd: tmp }).status).toBe(0);
    const r = await judged([zip, path.join(SUM, 'solutions', 'sum.cpp')]);
    expect(r.verdict).toBe('AC');
    expect(r.tests).toHaveLength(4);
  }, 120_000);

  it("makes a standard package's generated tests and answers in the sandbox, as its doall.sh would", async () => {
    const dir = path.join(tmp, 'standard');
    fs.cpSync(SUM, dir, { recursive: true });
    for (const f of ['03', '04', '01.a', '02.a', '03.a', '04.a']) fs.rmSync(path.join(dir, 'tests', f));
    await expect(judged([dir, path.join(SUM, 'solutions', 'sum.cpp')])).rejects.toThrow(/caged problem generate DIR/);
    const written = await generatePolygonTests(judge, dir);
    expect(written.map((f) => `${f.path} by ${f.by}`)).toEqual([
      'tests/01.a by solutions/sum.cpp',
      'tests/02.a by solutions/sum.cpp',
      'tests/03 by gen 2000000000',
      'tests/03.a by solutions/sum.cpp',
      'tests/04 by gen 5',
      'tests/04.a by solutions/sum.cpp',
    ]);
    // What the full package holds, byte for byte.
    for (const f of written) expect(fs.readFileSync(path.join(dir, f.path))).toEqual(fs.readFileSync(path.join(SUM, f.path)));
    expect((await judged([dir, path.join(SUM, 'solutions', 'wrong.cpp')])).verdict).toBe('WA');
    // Nothing is missing any more: nothing is written, nothing overwritten.
    expect(await generatePolygonTests(judge, dir)).toEqual([]);
    // A manual test's input cannot be made; an interactive problem's answers are not made.
    fs.rmSync(path.join(dir, 'tests', '01'));
    await expect(generatePolygonTests(judge, dir)).rejects.toThrow(
      /test 1: its input tests\/01 is missing, and it is not a generated test/,
    );
    const guess = path.join(tmp, 'guess');
    fs.cpSync(GUESS, guess, { recursive: true });
    fs.rmSync(path.join(guess, 'tests', '02.a'));
    await expect(generatePolygonTests(judge, guess)).rejects.toThrow(/the answers of an interactive problem are not made by caged/);
  }, 180_000);

  it('makes the tests of a generator that writes several at once (from-file), each from its own file', async () => {
    const dir = path.join(tmp, 'multigen');
    fs.cpSync(SUM, dir, { recursive: true });
    // As testlib's startTest(i) does: test i of one run goes to the file "i" of the working directory.
    fs.writeFileSync(
      path.join(dir, 'files', 'multigen.cpp'),
      [
        '#include <cstdio>',
        '#include <cstdlib>',
        'int main(int argc, char **argv) {',
        '  if (argc != 2) return 1;',
        '  long base = std::atol(argv[1]);',
        '  for (int i = 1; i <= 3; i++) {',
        '    char name[8]; std::snprintf(name, sizeof name, "%d", i);',
        '    std::FILE *f = std::fopen(name, "w");',
        '    if (!f) return 2;',
        '    std::fprintf(f, "%ld %ld\\n", base + i, base + i);',
        '    std::fclose(f);',
        '  }',
        '  std::printf("not a test\\n");',
        '}',
      ].join('\n'),
    );
    const xml = path.join(dir, 'problem.xml');
    fs.writeFileSync(
      xml,
      fs
        .readFileSync(xml, 'utf8')
        .replace('cmd="gen 2000000000" method="generated"', 'cmd="multigen 7" from-file="2" method="generated"')
        .replace('cmd="gen 5" method="generated"', 'cmd="multigen 7" from-file="3" method="generated"')
        .replace('</executables>', '<executable><source path="files/multigen.cpp" type="cpp.g++17"/></executable></executables>'),
    );
    for (const f of ['03', '04', '03.a', '04.a']) fs.rmSync(path.join(dir, 'tests', f));
    const written = await generatePolygonTests(judge, dir);
    expect(written.map((f) => `${f.path} by ${f.by}`)).toEqual([
      'tests/03 by multigen 7 (its file 2)',
      'tests/03.a by solutions/sum.cpp',
      'tests/04 by multigen 7 (its file 3)',
      'tests/04.a by solutions/sum.cpp',
    ]);
    const read = (f: string) => fs.readFileSync(path.join(dir, 'tests', f), 'utf8');
    expect([read('03'), read('03.a').trim(), read('04'), read('04.a').trim()]).toEqual(['9 9\n', '18', '10 10\n', '20']);
    expect((await judged([dir, path.join(SUM, 'solutions', 'sum.cpp')])).verdict).toBe('AC');
    // A file the generator does not write stops the command, naming the test and the file; a name that is no file name is refused first.
    fs.writeFileSync(xml, fs.readFileSync(xml, 'utf8').replace('from-file="3"', 'from-file="5"'));
    fs.rmSync(path.join(dir, 'tests', '04'));
    await expect(generatePolygonTests(judge, dir)).rejects.toThrow(/test 4's generator \(multigen 7, its file 5\) failed/);
    expect(fs.existsSync(path.join(dir, 'tests', '04'))).toBe(false);
    fs.writeFileSync(xml, fs.readFileSync(xml, 'utf8').replace('from-file="5"', 'from-file="../5"'));
    await expect(generatePolygonTests(judge, dir)).rejects.toThrow(/test 4: its from-file "..\/5" is not a plain file name/);
  }, 180_000);

  it("checks each test it makes files for with the package's validator first, writing nothing for a test it refuses", async () => {
    const dir = path.join(tmp, 'validated');
    fs.cpSync(SUM, dir, { recursive: true });
    const xml = path.join(dir, 'problem.xml');
    // Test 4's generator now writes summands over the validator's bound; test 2's answer is missing.
    fs.writeFileSync(xml, fs.readFileSync(xml, 'utf8').replace('cmd="gen 5"', 'cmd="gen 3000000000"'));
    for (const f of ['02.a', '04', '04.a']) fs.rmSync(path.join(dir, 'tests', f));
    const made: string[] = [];
    await expect(generatePolygonTests(judge, dir, { onFile: (f) => made.push(f.path) })).rejects.toThrow(
      /the validator files\/val\.cpp on test 4 \(tests\/04\) refused the input \(RE\): .*its stderr: FAIL a = 3000000000 is out of \[-2e9, 2e9\]/,
    );
    // Test 2 (manual) was validated and answered; test 4's input was not written.
    expect(made).toEqual(['tests/02.a']);
    expect(fs.existsSync(path.join(dir, 'tests', '04'))).toBe(false);
    // The validator is given the testset's name, as doall.sh gives it: another name is refused by it.
    fs.writeFileSync(
      xml,
      fs.readFileSync(xml, 'utf8').replace('cmd="gen 3000000000"', 'cmd="gen 5"').replace('name="tests"', 'name="pretests"'),
    );
    await expect(generatePolygonTests(judge, dir)).rejects.toThrow(
      /test 4 \(tests\/04\) refused the input .*FAIL run for testset 'pretests', not tests/,
    );
  }, 180_000);

  it('reads a package made for Windows (CR LF) as its Linux package: generation and judging see LF', async () => {
    const dir = path.join(tmp, 'windows');
    fs.cpSync(SUM, dir, { recursive: true });
    // Every test and answer as a Windows package holds them; a validator strict about line ends, as
    // testlib's is in a Linux build (doall.sh runs a Windows build through towin), and a main
    // solution that fails on a CR: each must read LF.
    const crlf = (f: string) => fs.writeFileSync(f, fs.readFileSync(f, 'latin1').replaceAll('\n', '\r\n'), 'latin1');
    for (const f of fs.readdirSync(path.join(dir, 'tests'))) crlf(path.join(dir, 'tests', f));
    const manual = fs.readFileSync(path.join(dir, 'tests', '02'), 'latin1');
    fs.rmSync(path.join(dir, 'tests', '02.a'));
    const noCr = (fail: string) => `#include <cstdio>\nint main(){int c;while((c=getchar())!=-1)if(c==13){${fail}}`;
    fs.writeFileSync(path.join(dir, 'files', 'val.cpp'), `${noCr('fputs("FAIL Expected EOLN\\n",stderr);return 3;')}}\n`);
    const lf = path.join(dir, 'solutions', 'lf.cpp');
    fs.writeFileSync(
      lf,
      '#include <cstdio>\nint main(){char s[256];size_t n=fread(s,1,255,stdin);s[n]=0;for(size_t i=0;i<n;i++)if(s[i]==13)return 1;long long a,b;sscanf(s,"%lld %lld",&a,&b);printf("%lld\\n",a+b);}\n',
    );
    const xml = path.join(dir, 'problem.xml');
    fs.writeFileSync(xml, fs.readFileSync(xml, 'utf8').replace('solutions/sum.cpp', 'solutions/lf.cpp'));
    expect((await generatePolygonTests(judge, dir)).map((f) => f.path)).toEqual(['tests/02.a']);
    expect(fs.readFileSync(path.join(dir, 'tests', '02.a'), 'utf8')).toBe(fs.readFileSync(path.join(SUM, 'tests', '02.a'), 'utf8'));
    // The test itself is left as the package holds it.
    expect(fs.readFileSync(path.join(dir, 'tests', '02'), 'latin1')).toBe(manual);
    const r = await judged([dir, lf]);
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC', 'AC']);
    // A lone CR is no line end: kept, and the validator refuses it.
    fs.writeFileSync(path.join(dir, 'tests', '02'), manual.replace('\r\n', '\r'), 'latin1');
    fs.rmSync(path.join(dir, 'tests', '02.a'));
    await expect(generatePolygonTests(judge, dir)).rejects.toThrow(/validator files\/val\.cpp on test 2 .*FAIL Expected EOLN/);
  }, 180_000);

  it('runs a generator of type python.2 with Python 2, never Python 3', async () => {
    const dir = path.join(tmp, 'py2-generator');
    fs.cpSync(SUM, dir, { recursive: true });
    const xml = path.join(dir, 'problem.xml');
    fs.writeFileSync(
      xml,
      fs
        .readFileSync(xml, 'utf8')
        .replace('<source path="files/gen.cpp" type="cpp.g++17"/>', '<source path="files/gen.py" type="python.2"/>'),
    );
    // Python 2's print statement: a syntax error for Python 3.
    fs.writeFileSync(path.join(dir, 'files', 'gen.py'), 'import sys\nprint sys.argv[1], sys.argv[1]\n');
    for (const f of ['03', '04']) fs.rmSync(path.join(dir, 'tests', f));
    expect((await generatePolygonTests(judge, dir)).map((f) => f.path)).toEqual(['tests/03', 'tests/04']);
    for (const f of ['03', '04'])
      expect(fs.readFileSync(path.join(dir, 'tests', f), 'utf8')).toBe(fs.readFileSync(path.join(SUM, 'tests', f), 'utf8'));
  }, 180_000);

  it("checks each answer it makes with the checker, the answer as the output (doall.sh's gen-answer.sh), writing none it refuses", async () => {
    const dir = path.join(tmp, 'checked-answers');
    fs.cpSync(SUM, dir, { recursive: true });
    fs.rmSync(path.join(dir, 'tests', '02.a'));
    // A checker that refuses any output: the main solution's own answer too.
    fs.writeFileSync(
      path.join(dir, 'files', 'check.cpp'),
      '#include <cstdio>\nint main(){std::fputs("wrong answer always\\n",stderr);return 1;}\n',
    );
    await expect(generatePolygonTests(judge, dir)).rejects.toThrow(
      /the checker on test 2's answer \(as doall\.sh checks it\) refused it \(RE\): .*its stderr: wrong answer always/,
    );
    expect(fs.existsSync(path.join(dir, 'tests', '02.a'))).toBe(false);
  }, 180_000);

  it('caged problem generate refuses a Kattis package and an archive, running nothing', async () => {
    const sink = new Writable({ write: (_c, _e, done) => done() });
    await expect(problemCommand(['generate', path.join(PACKAGES, 'sum')], sink)).rejects.toThrow(
      /is neither a Polygon package .* nor a CMS task/,
    );
    const zip = path.join(tmp, 'guess.zip');
    expect(spawnSync('zip', ['-qr', zip, '.'], { cwd: GUESS }).status).toBe(0);
    await expect(problemCommand(['generate', zip], sink)).rejects.toThrow(/is an archive: extract it/);
  });

  it('judges a problem with input-file and output-file through those files, and generates its answers so', async () => {
    const dir = path.join(tmp, 'files');
    fs.cpSync(SUM, dir, { recursive: true });
    const xml = path.join(dir, 'problem.xml');
    fs.writeFileSync(
      xml,
      fs.readFileSync(xml, 'utf8').replace('input-file="" output-file=""', 'input-file="sum.in" output-file="sum.out"'),
    );
    // The main solution with freopen, as such problems' solutions read and write.
    const main = path.join(dir, 'solutions', 'sum.cpp');
    fs.writeFileSync(
      main,
      fs
        .readFileSync(main, 'utf8')
        .replace('int main() {', 'int main() {\n  std::freopen("sum.in", "r", stdin);\n  std::freopen("sum.out", "w", stdout);'),
    );
    const good = await judged([dir, main]);
    expect(good.verdict).toBe('AC');
    expect(good.tests.map((t) => [t.verdict, t.stdout])).toEqual([
      ['AC', '3\n'],
      ['AC', '93\n'],
      ['AC', '4000000000\n'],
      ['AC', '10\n'],
    ]);
    expect(good.tests[2]?.checkerMessage).toBe('the sum is 4000000000');
    // A solution writing stdout writes no answer: WA on the first test, which ends the judging.
    const stdoutOnly = await judged([dir, path.join(dir, 'solutions', 'sum.py')]);
    expect(stdoutOnly.verdict).toBe('WA');
    expect(stdoutOnly.tests[0]).toMatchObject({ verdict: 'WA', stdout: '', message: 'wrong answer (no sum.out written)' });
    // The answers are made by the main solution through the same files.
    for (const f of ['01.a', '02.a', '03.a', '04.a']) fs.rmSync(path.join(dir, 'tests', f));
    const written = await generatePolygonTests(judge, dir);
    expect(written.map((f) => f.path)).toEqual(['tests/01.a', 'tests/02.a', 'tests/03.a', 'tests/04.a']);
    for (const f of written) expect(fs.readFileSync(path.join(dir, f.path))).toEqual(fs.readFileSync(path.join(SUM, f.path)));
  }, 180_000);

  it("scores groups: each-test points, a complete group, a dependency, and a checker's partial points", async () => {
    const dir = path.join(tmp, 'scoring');
    fs.cpSync(SUM, dir, { recursive: true });
    const xml = fs.readFileSync(path.join(dir, 'problem.xml'), 'utf8').replace(
      /<tests>[\s\S]*<\/tests>/,
      `<tests>
        <test method="manual" sample="true" group="samples" points="0"/>
        <test method="manual" group="small" points="30"/>
        <test method="manual" group="large" points="40"/>
        <test method="manual" group="after" points="30"/>
      </tests>
      <groups>
        <group name="samples" points-policy="each-test"/>
        <group name="small" points-policy="complete-group"/>
        <group name="large" points-policy="each-test"/>
        <group name="after" points-policy="complete-group"><dependencies><dependency group="large"/></dependencies></group>
      </groups>`,
    );
    fs.writeFileSync(path.join(dir, 'problem.xml'), xml);
    // A wrong sum earns 10 points (testlib's quitp), out of the test's.
    const check = path.join(dir, 'files', 'check.cpp');
    fs.writeFileSync(check, fs.readFileSync(check, 'utf8').replace('quitf(_wa, "expected', 'quitp(10.0, "expected'));
    const good = await judged([dir, path.join(SUM, 'solutions', 'sum.cpp')]);
    expect(good).toMatchObject({ verdict: 'AC', score: 100, maxScore: 100 });
    // Wrong on test 3 (group large, each test): 10 of its 40 points; after (which needs all of large) is not run.
    const wrong = await judged([dir, path.join(SUM, 'solutions', 'wrong.cpp')]);
    expect(wrong).toMatchObject({ verdict: 'WA', score: 40, maxScore: 100 });
    expect(wrong.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['AC', 0],
      ['AC', 30],
      ['WA', 10],
      ['SKIPPED', 0],
    ]);
    expect(wrong.groups?.find((g) => g.name === 'group after')).toMatchObject({ score: 0, maxScore: 30 });
    // As a percentage (treat-points-from-checker-as-percent): 10 % of 40.
    fs.writeFileSync(path.join(dir, 'problem.xml'), xml.replace('<judging ', '<judging treat-points-from-checker-as-percent="true" '));
    expect(await judged([dir, path.join(SUM, 'solutions', 'wrong.cpp')])).toMatchObject({ verdict: 'WA', score: 34, maxScore: 100 });
    // Without a checker the default validator judges: a wrong test earns nothing.
    fs.writeFileSync(path.join(dir, 'problem.xml'), xml.replace(/<checker[\s\S]*<\/checker>/, ''));
    const plain = await judged([dir, path.join(SUM, 'solutions', 'wrong.cpp')]);
    expect(plain).toMatchObject({ verdict: 'WA', score: 30, maxScore: 100 });
    expect(plain.tests[2]).toMatchObject({ verdict: 'WA', points: 0 });
  }, 180_000);
});
