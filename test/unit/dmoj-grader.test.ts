/**
 * What a DMOJ problem's init.yml says of the judging beyond its data: its custom judge
 * (`custom_judge`, src/problem/dmoj-grader.ts) read into the problem's interactor (an
 * InteractiveGrader run by caged's runner, the rest refused), `unbuffered`, `hints`, what caged
 * does not judge (refused as unsupported) or does not read (noted), and a helper's failure in
 * DMOJ's words. No container, no root (the real runs: test/problem-dmoj-grader.test.ts).
 */
import { dmojHelperError } from '../../src/problem/dmoj-generate-run';
import { loadPackage, type ProblemPackage } from '../../src/problem/problem-package';
import { refused, scratchPackage } from './helpers/scratch-package';

const pkg = scratchPackage('caged-dmoj-grader-');
const load = (): ProblemPackage => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 });
const base = 'test_cases:\n- {in: a, out: a}\n';

describe('a DMOJ custom judge', () => {
  it('is the interactor when its Grader is an InteractiveGrader, and grades alone', () => {
    pkg.write('a', '1\n');
    pkg.write('check.c', 'int main(void) { return 0; }\n');
    // A custom judge (an InteractiveGrader) is the interactor, run by caged's runner; it grades alone.
    pkg.write('guess.py', 'from dmoj.graders.interactive import InteractiveGrader\n\nclass Grader(InteractiveGrader):\n    pass\n');
    pkg.write('init.yml', `${base}custom_judge: guess.py\ninteractive: {files: check.c}\nchecker: identical\n`);
    const judged = load();
    expect(judged.config.unsupported).toEqual([]);
    expect(judged.dmoj?.interactor).toMatchObject({ contrib: 'grader', feedback: true, program: { entry: '_caged_dmoj_interact.py' } });
    expect(judged.dmoj?.interactor?.program.files.map((f) => f.name)).toEqual(
      expect.arrayContaining(['guess.py', '_caged_dmoj_interact.py', 'dmoj/graders/interactive.py', '_caged_dmoj_grader.json']),
    );
    const settings = judged.dmoj?.interactor?.program.files.find((f) => f.name === '_caged_dmoj_grader.json');
    expect(JSON.parse(settings!.data.toString())).toMatchObject({
      file: 'guess.py',
      module: 'guess',
      cases: { 'case 1 (a)': { position: 0, batch: 0 } },
    });
    expect(judged.dataNotes).toEqual([
      'init.yml interactive is not used: custom_judge grades',
      'init.yml checker is not used: custom_judge grades',
      expect.stringMatching(/custom_judge: guess\.py runs in a new process per test/),
    ]);
  });

  it('is refused as unsupported when not an InteractiveGrader, and refused when it is no Python file of the problem', () => {
    pkg.write('a', '1\n');
    const unsupported = (yml: string): string[] => {
      pkg.write('init.yml', base + yml);
      return load().config.unsupported;
    };
    // A custom judge that is not an InteractiveGrader (DMOJ's shortest1: a StandardGrader).
    pkg.write('grader.py', 'from dmoj.graders.standard import StandardGrader\n\nclass Grader(StandardGrader):\n    pass\n');
    expect(unsupported('custom_judge: grader.py\n')).toEqual([
      'custom_judge: grader.py (a grader that is not an InteractiveGrader: caged runs those custom judges alone)',
    ]);
    refused(() => unsupported('custom_judge: nope.py\n'), 'init.yml custom_judge', /names nope\.py, which is not a file/);
    refused(() => unsupported('custom_judge: a\n'), 'init.yml custom_judge', /a custom judge is a Python module/);
  });

  it('reads unbuffered: true as the submission unbuffered, noting that only C, C++ and Python are', () => {
    pkg.write('a', '1\n');
    pkg.write('init.yml', `${base}unbuffered: true\n`);
    const unbuffered = load();
    expect(unbuffered.dmoj?.unbuffered).toBe(true);
    expect(unbuffered.dataNotes).toEqual([
      "init.yml unbuffered: a C, C++ or Python submission runs with its stdout unbuffered (Java's System.out writes at every print); one in another language must flush",
    ]);
    pkg.write('init.yml', `${base}unbuffered: no\n`);
    expect(load().dmoj?.unbuffered).toBe(false);
    pkg.write('init.yml', `${base}unbuffered: sometimes\n`);
    refused(load, 'init.yml unbuffered', /./);
  });
});

describe("a custom judge's file read at load", () => {
  it('is searched in time linear in its size, however it repeats the start of a declaration', () => {
    pkg.write('a', '1\n');
    pkg.write('big.py', 'class Grader('.repeat(200_000));
    pkg.write('init.yml', 'test_cases:\n- {in: a, out: a}\ncustom_judge: big.py\n');
    const started = Date.now();
    expect(load().config.unsupported[0]).toMatch(/big\.py \(a grader that is not an InteractiveGrader/);
    // Quadratic, the search would take minutes on these 2.6 MB.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("a DMOJ helper's failed run in DMOJ's words (parse_helper_file_error)", () => {
  const limits = { cpuTimeMs: 2000, memoryBytes: 64 * 2 ** 20 };
  const run = (over: Partial<Parameters<typeof dmojHelperError>[1]>) =>
    dmojHelperError(
      'generator',
      { verdict: 'RE', message: '', exitCode: null, signal: null, stderr: '', stderrEncoding: 'utf8', ...over },
      limits,
    );
  it('names the limit, the syscall, the exit code with the stderr as feedback, or the signal', () => {
    expect(run({ verdict: 'TLE' })).toBe('generator timed out (> 2 seconds)');
    expect(run({ verdict: 'MLE' })).toBe('generator ran out of memory (> 65536 KB)');
    expect(run({ verdict: 'SE', message: 'forbidden system call ptrace' })).toBe(
      'generator invoked a disallowed syscall (forbidden system call ptrace)',
    );
    expect(run({ exitCode: 3, stderr: 'bad seed\n' })).toBe('generator exited with nonzero code 3 with feedback bad seed');
    expect(run({ exitCode: 1 })).toBe('generator exited with nonzero code 1');
    expect(run({ signal: 'SIGSEGV' })).toBe('generator exited with SIGSEGV');
  });
});

describe("a DMOJ problem's other keys", () => {
  it('refuses what caged cannot judge as unsupported, naming the key', () => {
    pkg.write('a', '1\n');
    const unsupported = (yml: string): string[] => {
      pkg.write('init.yml', base + yml);
      return load().config.unsupported;
    };
    expect(unsupported('points+: 1 + 1\n')[0]).toMatch(/points\+ \(a dynamic key/);
    pkg.write('check.c', 'int main(void) { return 0; }\n');
    expect(unsupported('interactive: {files: check.c, type: peg}\n')).toEqual([
      "init.yml interactive type peg (DMOJ's peg module runs no interactor)",
    ]);
    pkg.write('init.yml', 'test_cases:\n- {in: a, out: a, checker: identical}\n- {in: a, out: a}\n');
    expect(load().config.unsupported[0]).toMatch(/test_cases\[0\] checker \(a checker of its own/);
    expect(unsupported('symlinks: {out_link: /dev/stdout}\n')).toEqual([
      'symlinks out_link: /dev/stdout (caged gives a link to /dev/stdin as a copy of the input, no other)',
    ]);
    pkg.write('init.yml', `${base}symlinks: {in_link: /dev/stdin}\n`);
    const linked = load().data.children[0]!;
    expect(linked.kind === 'test' && linked.test.files).toEqual([{ path: 'in_link', rel: 'a' }]);
    // Keys of DMOJ's display or sandbox are noted, not refused.
    pkg.write('init.yml', `${base}wall_time_factor: 3\n`);
    expect(load().dataNotes).toEqual(['init.yml wall_time_factor is not read by caged']);
  });

  it('reads hints: nobigmath (a Java rule, dmoj-java.ts); unsafe and unicode change nothing; another is noted; not a list is refused', () => {
    pkg.write('a', '1\n');
    pkg.write('init.yml', `${base}hints: [nobigmath, unsafe, whatever]\n`);
    const hinted = load();
    expect(hinted.dmoj?.noBigMath).toBe(true);
    expect(hinted.dataNotes).toEqual([
      'init.yml hints: whatever is no hint caged knows; not read',
      expect.stringMatching(/^init\.yml hints nobigmath: a Java submission that uses java\.math\.BigInteger or BigDecimal fails/),
    ]);
    pkg.write('init.yml', `${base}hints: [unicode]\n`);
    const plain = load();
    expect([plain.dataNotes ?? [], plain.dmoj?.noBigMath]).toEqual([[], false]);
    pkg.write('init.yml', `${base}hints: {nobigmath: true}\n`);
    refused(load, 'init.yml hints', /must be a list of hint names/);
  });
});
