/**
 * CMS Communication tasks without a container: the manager, stubs and user_io read from a task
 * (src/problem/cms-package.ts), the task as the wire's `interactor` with protocol `cms`
 * (testlib-programs.ts, the submission schema), the argv that moves each side's channels to
 * files it opens (src/judge/cms-communication.ts, run here by the host's /bin/sh), the outcome
 * read back, the manager's exit read by interactive-verdict.ts, and `caged problem generate`
 * writing a Communication task's answers empty. The real runs: test/problem-cms.test.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CMS_OUTCOME_FILE,
  cmsGroupJudged,
  cmsGroupManagerArgv,
  cmsGroupUserArgv,
  cmsManagerArgv,
  cmsOutcome,
  cmsSubmissionArgv,
} from '../../src/judge/cms-communication';
import type { GroupResult } from '../../src/sandbox/run-group';
import { interactorDecision, interactiveVerdict } from '../../src/judge/interactive-verdict';
import type { Judge } from '../../src/judge/judge';
import { makeSubmissionSchema } from '../../src/judge/schema';
import { generateCmsTests } from '../../src/problem/cms-generate';
import { withCmsGrader } from '../../src/problem/cms-package';
import type { PackageSubmission } from '../../src/problem/package-submission';
import { loadPackage } from '../../src/problem/problem-package';
import { testlibWire } from '../../src/problem/testlib-programs';
import { pairResult, runResult } from '../helpers/run-result';
import { repoImageLanguages, repoLanguageRegistry } from './helpers/language-table';
import { refused, scratchPackage } from './helpers/scratch-package';

const PACKAGES = path.join(__dirname, '..', 'packages');
const pkg = scratchPackage('caged-cms-comm-');
const load = (dir = pkg.dir()) => loadPackage(dir, { fallbackTimeLimitS: 1 });

/** A Communication task: this task.yaml, one test case, a manager script and the other files given. */
function task(yaml: string, extra: Record<string, string> = {}): void {
  for (const f of fs.readdirSync(pkg.dir())) fs.rmSync(path.join(pkg.dir(), f), { recursive: true });
  pkg.write('task.yaml', yaml);
  pkg.write('input/input0.txt', '1\n');
  pkg.write('output/output0.txt', '');
  pkg.write('check/manager', '#!/usr/bin/env python3\nprint(1)\n');
  for (const [rel, text] of Object.entries(extra)) pkg.write(rel, text);
}

describe('CMS Communication tasks: what is read', () => {
  it('reads a task with stubs: the manager from its source, the stubs and headers, files by default, no checker or file I/O', () => {
    const p = load(path.join(PACKAGES, 'cms-comm'));
    expect(p.config.validation).toEqual({ kind: 'custom', interactive: true, customScore: false });
    expect(p.config.unsupported).toEqual([]);
    expect(p.config.fileIo).toBeUndefined();
    expect(p.cms?.checker).toBeNull();
    expect(p.cms?.manager?.program).toMatchObject({ code: 'cpp', entry: 'manager.cpp' });
    expect(p.cms?.manager?.submissionIo).toBe('fifos');
    expect(p.cms?.grader?.sources.map((s) => s.name).sort()).toEqual(['stub.cpp', 'stub.py']);
    expect(p.cms?.grader?.headers.map((s) => s.name)).toEqual(['twice.h']);
  });

  it('reads a task without stubs: a manager script by its #! line, stdio by default', () => {
    const p = load(path.join(PACKAGES, 'cms-comm-stdio'));
    expect(p.cms?.manager?.program).toMatchObject({ code: 'python3', entry: 'manager.py' });
    expect(p.cms?.manager?.submissionIo).toBe('stdio');
    expect(p.cms?.grader).toBeNull();
  });

  it('takes user_io and num_processes as given, notes what CMS would ignore, refuses too many processes and a compiled manager alone', () => {
    task('n_input: 1\nuser_io: fifo_io\n');
    expect(load().cms?.manager?.submissionIo).toBe('fifos');
    task('n_input: 1\nuser_io: std_io\n', { 'sol/stub.c': 'int main(){}\n' });
    expect(load().cms?.manager?.submissionIo).toBe('stdio');
    task('n_input: 1\nuser_io: pipes\ninfile: in.txt\n', { 'check/checker.py': 'print(1)\n' });
    const p = load();
    expect(p.cms?.manager?.submissionIo).toBe('stdio');
    // The checker beside a manager is not run (CMS loads it and the task type never uses it).
    expect(p.cms?.checker).toBeNull();
    expect(p.dataNotes?.join('\n')).toMatch(/user_io "pipes" not read/);
    expect(p.dataNotes?.join('\n')).toMatch(/infile not read: a Communication task has no files/);
    expect(p.dataNotes?.join('\n')).toMatch(/check\/checker.py not run: a Communication task's manager decides alone/);
    expect(p.cms?.manager?.processes).toBe(1);
    task('n_input: 1\nnum_processes: 2\n');
    expect(load().config.unsupported).toEqual([]);
    expect(load().cms?.manager?.processes).toBe(2);
    task('n_input: 1\nnum_processes: 0\n');
    refused(() => load(), 'task.yaml', /num_processes must be a positive number/);
    for (const n of ['9', '1.5']) {
      task(`n_input: 1\nnum_processes: ${n}\n`);
      expect(load().config.unsupported.join()).toMatch(new RegExp(`num_processes ${n} \\(caged runs 1 to 8 processes`));
    }
    task('n_input: 1\n', { 'check/manager': '\x7fELF\x02' });
    refused(() => load(), 'check/manager', /truncated ELF file \(5 bytes\), no manager program/);
    // cor/manager when check/ has none, as CMS's loader looks.
    task('n_input: 1\n');
    fs.rmSync(path.join(pkg.dir(), 'check'), { recursive: true });
    pkg.write('cor/manager.cpp', 'int main(){}\n');
    expect(load().cms?.manager?.program.entry).toBe('manager.cpp');
  });

  it('compiles the submission with the stub of its language, the stub the entry', () => {
    const cms = load(path.join(PACKAGES, 'cms-comm')).cms;
    const languages = repoLanguageRegistry();
    const own: PackageSubmission = { language: 'cpp17', source: 'long long twice(long long x) { return x + x; }' };
    const built = withCmsGrader(cms, own, languages.get('cpp17'));
    expect(built.files?.map((f) => f.name)).toEqual(['twice.cpp', 'stub.cpp', 'twice.h']);
    expect(() => withCmsGrader(cms, { language: 'java', source: 'class twice {}' }, languages.get('java'))).toThrow(
      /stubs are sol\/stub\..*none is a java source/,
    );
  });
});

describe('CMS Communication tasks on the wire', () => {
  const wire = (dir: string) =>
    testlibWire(load(dir), repoImageLanguages(), { cpuTimeMs: 5000, memoryBytes: 2 ** 30 }, { cpuTimeMs: 30000, memoryBytes: 2 ** 30 });

  it('gives the manager as an interactor of protocol cms, with how the submission reaches it and the package limits', () => {
    const w = wire(path.join(PACKAGES, 'cms-comm'));
    expect(w?.fields.checker).toBeUndefined();
    expect(w?.fields.interactor).toMatchObject({
      language: 'cpp17',
      protocol: 'cms',
      submissionIo: 'fifos',
      limits: { cpuTimeMs: 5000 },
      compileLimits: { cpuTimeMs: 30000 },
    });
    expect(w?.programs).toHaveLength(1);
  });

  const submission = (interactor: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    makeSubmissionSchema().safeParse({
      language: 'c',
      source: 'int main(){}',
      testcases: [{ stdin: '1\n' }],
      interactor: { language: 'python3', source: 'print(1)', protocol: 'cms', ...interactor },
      ...extra,
    });

  it('takes protocol cms with submissionIo, and refuses what does not go with it', () => {
    expect(submission({ submissionIo: 'fifos' }).success).toBe(true);
    expect(submission({}).success).toBe(true);
    const issues = (r: ReturnType<typeof submission>) => (r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    expect(issues(submission({ protocol: 'kattis', submissionIo: 'fifos' }))).toContain(
      'interactor.submissionIo: is for a CMS manager (protocol cms)',
    );
    expect(issues(submission({ flags: ['x'] })).join()).toMatch(/a CMS manager takes no flags/);
    expect(issues(submission({ submissionIo: 'pipes' })).join()).toMatch(/interactor.submissionIo/);
    expect(submission({ processes: 3, submissionIo: 'fifos' }).success).toBe(true);
    expect(issues(submission({ protocol: 'kattis', processes: 2 }))).toContain('interactor.processes: is for a CMS manager (protocol cms)');
    expect(issues(submission({ processes: 9 })).join()).toMatch(/interactor.processes/);
    expect(issues(submission({ processes: 2, transcriptBytes: 100 })).join()).toMatch(/several processes keeps no transcript/);
    expect(issues(submission({}, { checker: { type: 'custom', language: 'python3', source: 'print(1)' } })).join()).toMatch(
      /a CMS manager decides alone/,
    );
  });
});

describe("each side's channels as files it opens (the host's /bin/sh)", () => {
  // The pair's pipes are a side's stdin and stdout; the argv moves them to fds 3 and 4 and names
  // them. Pipes, as the pair's are (Node's own stdio would be sockets, which /proc/self/fd does not reopen).
  const run = (argv: string[], input: string) =>
    spawnSync('/bin/sh', ['-c', 'printf %s "$0" | "$@" | cat', input, ...argv], { encoding: 'utf8' });
  let tmp = '';
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-cms-channels-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('gives a fifo_io submission its channels as its last two arguments, its own stdin empty and stdout discarded', () => {
    const program = ['/bin/sh', '-c', 'read -r x < "$1"; echo debug; cat; echo "got $x" > "$2"', 'user'];
    const r = run(cmsSubmissionArgv(program, 'fifos'), 'hello\n');
    expect(r.status).toBe(0);
    // "debug" went to /dev/null, the cat read nothing: only what it wrote to its channel came out.
    expect(r.stdout).toBe('got hello\n');
  });

  it('leaves a std_io submission as it is', () => {
    expect(cmsSubmissionArgv(['./a.out', 'x'], 'stdio')).toEqual(['./a.out', 'x']);
  });

  it('puts only plain absolute paths into the shell script', () => {
    expect(() => cmsManagerArgv(['./manager'], "/interactor/x'; rm -rf /", '/feedback')).toThrow(/not a plain absolute path/);
    expect(() => cmsManagerArgv(['./manager'], 'input', '/feedback')).toThrow(/not a plain absolute path/);
  });

  it("gives the manager its channels, the test's input on stdin and its stdout to the outcome file", () => {
    fs.writeFileSync(path.join(tmp, 'input'), '21\n');
    const manager = ['/bin/sh', '-c', 'read -r n; read -r a < "$1"; echo "ask $n" > "$2"; echo 1; echo ok >&2', 'manager'];
    const r = run(cmsManagerArgv(manager, path.join(tmp, 'input'), tmp), 'answer\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ask 21\n');
    expect(r.stderr).toBe('ok\n');
    expect(fs.readFileSync(path.join(tmp, CMS_OUTCOME_FILE), 'utf8')).toBe('1\n');
  });

  it("reads the outcome and the message as CMS's standard manager output; none, or a link, is IE", () => {
    fs.writeFileSync(path.join(tmp, CMS_OUTCOME_FILE), '0.25\nmore\n');
    expect(cmsOutcome(tmp, Buffer.from('translate:partial\n'))).toEqual({
      verdict: 'WA',
      fraction: 0.25,
      message: 'Output is partially correct',
    });
    // Under GroupThreshold the outcome is a measure against the test case's threshold.
    expect(cmsOutcome(tmp, Buffer.alloc(0), 0.5)).toMatchObject({ verdict: 'AC', fraction: 1 });
    expect(cmsOutcome(tmp, Buffer.alloc(0), 0.2)).toMatchObject({ verdict: 'WA', fraction: 0 });
    fs.writeFileSync(path.join(tmp, CMS_OUTCOME_FILE), '1\n');
    expect(cmsOutcome(tmp, Buffer.alloc(0))).toMatchObject({ verdict: 'AC', fraction: 1 });
    fs.rmSync(path.join(tmp, CMS_OUTCOME_FILE));
    const none = cmsOutcome(tmp, Buffer.alloc(0));
    expect(none.verdict).toBe('IE');
    expect(none.message).toMatch(/outcome/);
    fs.symlinkSync('/etc/passwd', path.join(tmp, CMS_OUTCOME_FILE));
    const link = cmsOutcome(tmp, Buffer.alloc(0));
    expect(link.verdict).toBe('IE');
    expect(link.message).toMatch(/refused/);
  });
});

describe("a CMS manager's end", () => {
  it('accepts on exit 0 (its outcome then decides) and fails otherwise', () => {
    expect(interactorDecision(runResult({ exitCode: 0 }), 'cms')).toEqual({ kind: 'accepted', points: null });
    expect(interactorDecision(runResult({ exitCode: 1 }), 'cms')).toEqual({ kind: 'failed', why: 'exit code 1, not 0' });
  });

  it("scores a failed submission its own verdict whenever it failed, as CMS scores a user process's failure 0", () => {
    const v = (sub: Parameters<typeof pairResult>[1], extra: Parameters<typeof pairResult>[2] = {}) =>
      interactiveVerdict(pairResult({ exitCode: 0 }, sub, extra), 'cms', { cpuTimeMs: 1000 }).verdict;
    expect(v({})).toBe('AC');
    expect(v({ exitCode: 1 })).toBe('RE');
    expect(v({ exitCode: null, signal: 'SIGKILL' }, { submissionKilledAfterGrace: true })).toBe('TLE');
    expect(interactiveVerdict(pairResult({ exitCode: 2 }, {}), 'cms', { cpuTimeMs: 1000 }).verdict).toBe('IE');
  });
});

describe('several processes of the submission (num_processes)', () => {
  it('gives the wire the number of processes, without a transcript', () => {
    task('n_input: 1\nnum_processes: 3\nuser_io: fifo_io\n');
    const limits = { cpuTimeMs: 5000, memoryBytes: 2 ** 30 };
    const w = testlibWire(load(), repoImageLanguages(), limits, limits, 4096);
    expect(w?.fields.interactor).toMatchObject({ protocol: 'cms', submissionIo: 'fifos', processes: 3 });
    expect(w?.fields.interactor).not.toHaveProperty('transcriptBytes');
    task('n_input: 1\n');
    expect(testlibWire(load(), repoImageLanguages(), limits, limits, 4096)?.fields.interactor).not.toHaveProperty('processes');
  });

  it("gives the manager each process's channels in turn, and each process its own and its index", () => {
    expect(cmsGroupManagerArgv(['./manager'], 2)).toEqual([
      './manager',
      '/proc/self/fd/5',
      '/proc/self/fd/6',
      '/proc/self/fd/7',
      '/proc/self/fd/8',
    ]);
    expect(cmsGroupUserArgv(['./a.out'], 'fifos', 1)).toEqual(['./a.out', '/proc/self/fd/5', '/proc/self/fd/6', '1']);
    expect(cmsGroupUserArgv(['python3', 'stub.py'], 'stdio', 0)).toEqual(['python3', 'stub.py', '0']);
  });

  const group = (users: Array<Parameters<typeof runResult>[0]>, over: Partial<GroupResult> = {}, manager = {}): GroupResult => ({
    manager: runResult({ exitCode: 0, ...manager }),
    users: users.map((u) => runResult(u)),
    userEndedFirst: users.map(() => false),
    killedAfterGrace: users.map(() => false),
    ...over,
  });
  const judge = (g: GroupResult, cpuLimitMs = 1000) =>
    cmsGroupJudged(g, (p) => interactiveVerdict(p, 'cms', { cpuTimeMs: cpuLimitMs }), cpuLimitMs);

  it('adds the CPU times and memory of the processes and takes the longest wall time, as CMS merges them', () => {
    const { pair, judged } = judge(
      group([
        { cpuTimeMs: 300, memoryBytes: 10, wallTimeMs: 50 },
        { cpuTimeMs: 400, memoryBytes: 20, wallTimeMs: 80 },
      ]),
    );
    expect(judged.verdict).toBe('AC');
    expect(pair.submission).toMatchObject({ cpuTimeMs: 700, memoryBytes: 30, wallTimeMs: 80 });
  });

  it('is TLE when the processes together reach the time limit, though each stayed below it', () => {
    const { judged } = judge(group([{ cpuTimeMs: 600 }, { cpuTimeMs: 400 }]));
    expect(judged).toMatchObject({ verdict: 'TLE', limitHit: 'cpu' });
    expect(judged.message).toMatch(/its 2 processes used 1000 ms of CPU time together, the limit 1000 ms/);
  });

  it("takes the verdict of the first process that failed, its run the test's; a manager's failure otherwise (IE)", () => {
    const failed = judge(group([{ exitCode: 0 }, { exitCode: 3, stderr: Buffer.from('boom') }], { userEndedFirst: [false, true] }));
    expect(failed.judged.verdict).toBe('RE');
    expect(failed.pair.submission.exitCode).toBe(3);
    expect(failed.pair.firstEnded).toBe('submission');
    expect(judge(group([{}, {}], {}, { exitCode: 1 })).judged.verdict).toBe('IE');
    // A process still running a grace after the manager ended was killed: TLE, whatever the manager said.
    const killed = group([{}, { exitCode: null, signal: 'SIGKILL' }], { killedAfterGrace: [false, true] });
    expect(judge(killed).judged.verdict).toBe('TLE');
    // A process that crashed first beats the manager's failure that followed (it read that EOF).
    const both = group([{ exitCode: null, signal: 'SIGSEGV' }, {}], { userEndedFirst: [true, false] }, { exitCode: 1 });
    expect(judge(both).judged.verdict).toBe('RE');
  });
});

describe('caged problem generate on a Communication task', () => {
  it('writes the missing answers empty, as cmsMake does, running nothing', async () => {
    task('n_input: 2\n');
    pkg.write('input/input1.txt', '2\n');
    fs.rmSync(path.join(pkg.dir(), 'output'), { recursive: true });
    // A judge that can run nothing: generation must not compile or run a program.
    const cannotRun = { stepMaxima: { test: { outputBytes: 1 } } } as unknown as Judge;
    const { written } = await generateCmsTests(cannotRun, pkg.dir());
    expect(written.map((f) => [f.path, f.bytes])).toEqual([
      ['output/output0.txt', 0],
      ['output/output1.txt', 0],
    ]);
    expect(fs.readFileSync(path.join(pkg.dir(), 'output/output1.txt'), 'utf8')).toBe('');
  });
});
