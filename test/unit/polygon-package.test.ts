/**
 * Polygon packages (src/problem/polygon-package.ts, polygon-solutions.ts, xml-file.ts): problem.xml
 * read into a ProblemPackage, its test tree graded with a fake runner, what its solutions'
 * tags expect, and the refusals. No container, no root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Judge } from '../../src/judge/judge';
import { generatePolygonTests } from '../../src/problem/polygon-generate';
import { loadPackage } from '../../src/problem/problem-package';
import { polygonLanguages, testPath } from '../../src/problem/polygon-package';
import { polygonExpectation, polygonSolutionAt, polygonSolutionLanguage } from '../../src/problem/polygon-solutions';
import { parseXml } from '../../src/problem/xml-file';
import { gradeOutcomes, refused, scratchPackage } from './helpers/scratch-package';

const SUM = path.join(__dirname, '..', 'packages', 'polygon-sum');
const pkg = scratchPackage('caged-polygon-');

/** problem.xml with `tests` (each a <test …/>'s attributes, manual unless a method is given) and `groups` (the <groups> body). */
function problemXml(tests: string[], groups = '', extra = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<problem short-name="scratch">
  <judging input-file="" output-file="">
    <testset name="tests">
      <time-limit>2500</time-limit>
      <memory-limit>134217728</memory-limit>
      <test-count>${tests.length}</test-count>
      <input-path-pattern>tests/%02d</input-path-pattern>
      <answer-path-pattern>tests/%02d.a</answer-path-pattern>
      <tests>${tests.map((t) => `<test ${t.includes('method=') ? '' : 'method="manual" '}${t}/>`).join('')}</tests>
      ${groups ? `<groups>${groups}</groups>` : ''}
    </testset>
  </judging>${extra}
</problem>`;
}

function write(tests: string[], groups = '', extra = ''): void {
  pkg.write('problem.xml', problemXml(tests, groups, extra));
  tests.forEach((_, k) => {
    const n = String(k + 1).padStart(2, '0');
    pkg.write(`tests/${n}`, `${k + 1}\n`);
    pkg.write(`tests/${n}.a`, `${k + 1}\n`);
  });
}

describe('a Polygon package', () => {
  it('is read from problem.xml: name, limits, tests in order, the testlib checker with its header, the solutions', () => {
    const p = loadPackage(SUM);
    expect(p.config.format).toBe('polygon');
    expect(p.config.name).toBe('Sum & Polygon');
    expect(p.config.scoring).toBe(false);
    expect(p.timeLimit).toEqual({ seconds: 1, from: 'problem.xml' });
    expect(p.config.limits.memoryMiB).toBe(256);
    expect(p.config.validation).toEqual({ kind: 'custom', interactive: false, customScore: false });
    expect(p.data.children.map((c) => (c.kind === 'test' ? c.test.name : c.group.name))).toEqual([
      'tests/01',
      'tests/02',
      'tests/03',
      'tests/04',
    ]);
    expect(p.data.settings.onReject).toBe('break');
    const checker = p.testlib?.checker;
    expect(checker?.files.map((f) => f.name)).toEqual(['check.cpp', 'testlib.h']);
    expect(checker?.entry).toBe('check.cpp');
    expect(checker?.languageIds?.[0]).toBe('cpp17');
    expect(p.testlib?.interactor).toBeNull();
    expect(p.solutions?.map((s) => `${s.tag} ${s.path}`)).toEqual([
      'main solutions/sum.cpp',
      'accepted solutions/sum.py',
      'wrong-answer solutions/wrong.cpp',
      'time-limit-exceeded solutions/slow.c',
    ]);
  });

  it('without points stops at the first rejected test, which gives the verdict', async () => {
    write(['sample="true"', '', '', '']);
    const { ran, g } = await gradeOutcomes(pkg.dir(), (t) => (t.name === 'tests/02' ? 'TLE' : 'AC'));
    expect(ran).toEqual(['tests/01', 'tests/02']);
    expect(g.verdict).toBe('TLE');
    expect(g.tests.map((t) => t.verdict)).toEqual(['AC', 'TLE', 'SKIPPED', 'SKIPPED']);
  });

  it('scores each-test and complete-group groups, with dependencies', async () => {
    write(
      [
        'group="0" points="0"',
        'group="1" points="10"',
        'group="1" points="15"',
        'group="2" points="20"',
        'group="2" points="20"',
        'group="3" points="5"',
      ],
      `<group name="0" points-policy="each-test"/>
       <group name="1" points-policy="each-test"/>
       <group name="2" points="35" points-policy="complete-group"><dependencies><dependency group="0"/></dependencies></group>
       <group name="3" points-policy="complete-group"><dependencies><dependency group="2"/></dependencies></group>`,
    );
    const all = await gradeOutcomes(pkg.dir(), () => 'AC');
    expect(all.pkg.config.scoring).toBe(true);
    expect(all.g.maxScore).toBe(10 + 15 + 35 + 5);
    expect(all.g.score).toBe(65);
    // Test 3 (group 1, each-test) fails: group 1 keeps test 2's 10 points; the others all pass.
    const oneWrong = await gradeOutcomes(pkg.dir(), (t) => (t.name === 'tests/03' ? 'WA' : 'AC'));
    expect(oneWrong.g.score).toBe(10 + 35 + 5);
    expect(oneWrong.g.verdict).toBe('WA');
    // Test 4 fails: complete group 2 scores nothing, its test 5 is not run, and group 3 (which depends on it) is skipped.
    const groupLost = await gradeOutcomes(pkg.dir(), (t) => (t.name === 'tests/04' ? 'WA' : 'AC'));
    expect(groupLost.g.score).toBe(25);
    expect(groupLost.ran).toEqual(['tests/01', 'tests/02', 'tests/03', 'tests/04']);
    expect(groupLost.by['group 3']).toMatchObject({ score: 0, maxScore: 5 });
    expect(groupLost.g.tests[5]?.message).toMatch(/group 2 did not pass/);
  });

  it('reads judging input-file and output-file as file input and output, and stdin/stdout as the standard streams', () => {
    write(['', ''], '', '');
    const io = (input: string, output: string) => {
      pkg.write(
        'problem.xml',
        problemXml(['', '']).replace('input-file=""', `input-file="${input}"`).replace('output-file=""', `output-file="${output}"`),
      );
      const { config } = loadPackage(pkg.dir());
      return { fileIo: config.fileIo, writes: config.allowFileWriting, unsupported: config.unsupported };
    };
    expect(io('input.txt', 'output.txt')).toEqual({ fileIo: { input: 'input.txt', output: 'output.txt' }, writes: true, unsupported: [] });
    expect(io(' sum.in ', '')).toEqual({ fileIo: { input: 'sum.in' }, writes: false, unsupported: [] });
    expect(io('stdin', 'sum.out')).toEqual({ fileIo: { output: 'sum.out' }, writes: true, unsupported: [] });
    expect(io('stdin', 'stdout')).toEqual({ fileIo: undefined, writes: false, unsupported: [] });
  });

  it('refuses what it cannot judge, naming problem.xml', () => {
    write(['', ''], '', '');
    pkg.write('problem.xml', problemXml(['', '']).replace('input-file=""', 'input-file="a/input.txt"'));
    expect(loadPackage(pkg.dir()).config.unsupported).toEqual([
      expect.stringMatching(/input-file="a\/input.txt" \(not a plain file name\)/),
    ]);
    pkg.write(
      'problem.xml',
      problemXml(['', '']).replace('input-file=""', 'input-file="x.txt"').replace('output-file=""', 'output-file=" x.txt "'),
    );
    expect(loadPackage(pkg.dir()).config.unsupported).toEqual([expect.stringMatching(/input-file and output-file are both "x.txt"/)]);
    pkg.write('problem.xml', problemXml(['', '', '']));
    refused(
      () => loadPackage(pkg.dir()),
      'problem.xml',
      /names 2 files the package does not hold \(tests\/03, tests\/03\.a\).*full package/,
    );
    pkg.write('problem.xml', problemXml(['']).replace('<test-count>1', '<test-count>2'));
    refused(() => loadPackage(pkg.dir()), 'problem.xml', /lists 1 tests but its test-count is 2/);
    pkg.write(
      'problem.xml',
      problemXml(
        ['group="a" points="1"', 'group="b" points="1"'],
        '<group name="a"><dependencies><dependency group="b"/></dependencies></group><group name="b"/>',
      ),
    );
    refused(() => loadPackage(pkg.dir()), 'problem.xml', /group a depends on group b, which comes after it/);
    pkg.write('problem.xml', problemXml(['']).replace('<time-limit>2500', '<time-limit>soon'));
    refused(() => loadPackage(pkg.dir()), 'problem.xml', /time-limit must be a positive number/);
    pkg.write(
      'problem.xml',
      problemXml([''], '', '<assets><checker type="testlib"><source path="files/check.cpp" type="cpp.g++17"/></checker></assets>'),
    );
    refused(() => loadPackage(pkg.dir()), 'problem.xml assets/checker', /names files\/check.cpp, which is not a file/);
    pkg.write('files/check.cpp', '#include "testlib.h"\nint main() {}\n');
    refused(() => loadPackage(pkg.dir()), 'problem.xml assets/checker', /includes testlib.h, which the package does not hold/);
  });

  it('names a dependency on a group without tests as such', () => {
    write(['group="a" points="1"'], '<group name="a"><dependencies><dependency group="b"/></dependencies></group><group name="b"/>');
    refused(() => loadPackage(pkg.dir()), 'problem.xml', /group a depends on group b, which has no test/);
  });

  it('refuses a problem.xml larger than it reads', () => {
    pkg.write('problem.xml', `<problem>${' '.repeat(16 * 2 ** 20)}</problem>`);
    refused(() => loadPackage(pkg.dir()), 'problem.xml', /is 16777235 bytes, more than the 16777216 read/);
  });

  it('is read only without a problem.yaml, which wins', () => {
    write(['']);
    pkg.write('problem.yaml', 'name: Kattis\n');
    pkg.write('data/secret/1.in', '1\n');
    pkg.write('data/secret/1.ans', '1\n');
    expect(loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }).config.format).toBe('legacy');
  });
});

describe('caged problem generate, before anything runs', () => {
  // The checks come before the first program runs: a judge is never asked for anything.
  const noJudge = {} as Judge;
  it('refuses to write through a link in the package, making nothing outside it', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-outside-'));
    try {
      write(
        ['method="generated" cmd="gen 1"'].map((t) => t),
        '',
        '',
      );
      fs.rmSync(path.join(pkg.dir(), 'tests', '01'));
      fs.symlinkSync(outside, path.join(pkg.dir(), 'out'));
      pkg.write(
        'problem.xml',
        problemXml(['cmd="gen 1" method="generated"'])
          .replace('<input-path-pattern>tests/%02d', '<input-path-pattern>out/sub/%02d')
          .replace(
            '</problem>',
            '<files><executables><executable><source path="files/gen.c"/></executable></executables></files></problem>',
          ),
      );
      pkg.write('files/gen.c', 'int main(void) { return 0; }\n');
      await expect(generatePolygonTests(noJudge, pkg.dir())).rejects.toThrow(/reached through a link \(out\): nothing is written there/);
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
  it('refuses a missing manual test and a generator the package does not hold', async () => {
    write(['', 'cmd="gen 2" method="generated"']);
    fs.rmSync(path.join(pkg.dir(), 'tests', '02'));
    await expect(generatePolygonTests(noJudge, pkg.dir())).rejects.toThrow(
      /test 2: its generator gen is none of problem.xml's files\/executables/,
    );
    fs.rmSync(path.join(pkg.dir(), 'tests', '01'));
    await expect(generatePolygonTests(noJudge, pkg.dir())).rejects.toThrow(
      /test 1: its input tests\/01 is missing, and it is not a generated test/,
    );
  });
});

describe("a Polygon solution's tag", () => {
  const rules = (tag: string) => {
    const e = polygonExpectation({ path: 's.cpp', tag, type: '' });
    if (e?.kind !== 'rules') return null;
    const x = e.rules.expectations[0]!;
    return { permitted: [...x.permitted].sort(), required: [...x.required].sort() };
  };
  it('expects what Polygon checks', () => {
    expect(rules('main')).toEqual({ permitted: ['AC'], required: ['AC'] });
    expect(rules('wrong-answer')).toEqual({ permitted: ['AC', 'WA'], required: ['WA'] });
    expect(rules('time-limit-exceeded-or-accepted')).toEqual({ permitted: ['AC', 'TLE'], required: [] });
    expect(rules('memory-limit-exceeded')).toEqual({ permitted: ['AC', 'RTE'], required: ['RTE'] });
    expect(rules('rejected')).toEqual({ permitted: ['AC', 'RTE', 'TLE', 'WA'], required: ['RTE', 'TLE', 'WA'] });
    expect(rules('failed')).toBeNull();
  });
  it('is found by its path in the package, through a link inside it too', () => {
    const sols = [{ path: 'solutions/a.cpp', tag: 'main', type: 'cpp.g++17' }];
    pkg.write('sols/a.cpp', 'int main() {}\n');
    fs.symlinkSync('sols', path.join(pkg.dir(), 'solutions'));
    const real = fs.realpathSync(pkg.dir());
    expect(polygonSolutionAt(sols, real, path.join(real, 'sols', 'a.cpp'))?.tag).toBe('main');
    expect(polygonSolutionAt(sols, real, path.join(real, 'sols', 'b.cpp'))).toBeNull();
  });
  it('judges a Python 2 solution by python2, and refuses it on an image without python2 rather than judge it as Python 3', () => {
    expect(polygonSolutionLanguage({ path: 's/a.py', tag: 'main', type: 'python.2' }, ['python3', 'python2'])).toBe('python2');
    expect(polygonSolutionLanguage({ path: 's/a.py', tag: 'main', type: 'python.pypy2' }, ['python3', 'python2'])).toBe('python2');
    refused(() => polygonSolutionLanguage({ path: 's/a.py', tag: 'main', type: 'python.2' }, ['python3']), 'SUBMISSION', /is Python 2/);
    expect(polygonSolutionLanguage({ path: 's/a.py', tag: 'main', type: 'python.3' }, ['python3', 'pypy3'])).toBe('python3');
  });
  it("names its language by Polygon's source type", () => {
    expect(polygonLanguages('cpp.gcc14-64-msys2-g++23').slice(0, 2)).toEqual(['cpp23', 'cpp20']);
    expect(polygonLanguages('cpp.gcc13-64-winlibs-g++20')[0]).toBe('cpp20');
    expect(polygonLanguages('cpp.g++11')[0]).toBe('cpp11');
    expect(polygonLanguages('python.pypy3-64')[0]).toBe('pypy3');
    // Python 2 helpers (a generator, a checker) are python2's alone, never Python 3's.
    expect(polygonLanguages('python.2')).toEqual(['python2']);
    expect(polygonLanguages('python.pypy2')).toEqual(['python2']);
    expect(polygonLanguages('java21')).toEqual(['java']);
  });
});

describe('test path patterns', () => {
  it('put the test number in', () => {
    expect(testPath('tests/%02d', 7, 'p')).toBe('tests/07');
    expect(testPath('tests/%d.in', 12, 'p')).toBe('tests/12.in');
    expect(testPath('t/%03d.a', 5, 'p')).toBe('t/005.a');
    expect(testPath('100%%/%d', 1, 'p')).toBe('100%/1');
  });
  it('refuse other forms', () => {
    refused(() => testPath('tests/%s', 1, 'input-path-pattern'), 'problem.xml', /must hold one %d/);
    refused(() => testPath('tests/01', 1, 'input-path-pattern'), 'problem.xml', /must hold one %d/);
    refused(() => testPath('%d/%d', 1, 'input-path-pattern'), 'problem.xml', /must hold one %d/);
  });
});

describe('the XML reader', () => {
  it('reads elements, attributes, entities, CDATA and comments', () => {
    const r = parseXml(
      '<?xml version="1.0"?>\n<!-- c --><a x="1 &lt; 2" y=\'&#65;&#x42;\'><b/>t&amp;<![CDATA[<raw>]]><c k="v">in</c></a>',
      'f.xml',
    );
    expect(r.name).toBe('a');
    expect(r.attributes).toEqual({ x: '1 < 2', y: 'AB' });
    expect(r.text).toBe('t&<raw>');
    expect(r.children.map((c) => c.name)).toEqual(['b', 'c']);
    expect(r.children[1]?.text).toBe('in');
  });
  it('refuses what is not well-formed, with its line, and any DOCTYPE', () => {
    refused(() => parseXml('<a>\n<b></a>', 'f.xml'), 'f.xml', /<\/a> closes <b> \(line 2\)/);
    refused(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'f.xml'), 'f.xml', /document type declaration/);
    refused(() => parseXml('<a>&x;</a>', 'f.xml'), 'f.xml', /&x; is not one of XML's own/);
    refused(() => parseXml('<a x="1" x="2"/>', 'f.xml'), 'f.xml', /the attribute x twice/);
    refused(() => parseXml('<a><b>', 'f.xml'), 'f.xml', /<b> is not closed/);
    refused(() => parseXml('<a/><b/>', 'f.xml'), 'f.xml', /a second root element/);
    refused(() => parseXml(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`, 'f.xml'), 'f.xml', /nested deeper than 64/);
    refused(() => parseXml(`<a>${'<b/>'.repeat(200_001)}</a>`, 'f.xml'), 'f.xml', /more than 200000 elements/);
  });
  it('reads a large hostile file in linear time', () => {
    const t0 = process.hrtime.bigint();
    refused(() => parseXml(`<a x="${'&amp;'.repeat(200_000)}${'<'.repeat(1)}"/>`, 'f.xml'), 'f.xml', /holds "<"/);
    refused(() => parseXml(`<a>${'<!-- '.repeat(200_000)}`, 'f.xml'), 'f.xml', /unclosed comment/);
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(2000);
  });
});
