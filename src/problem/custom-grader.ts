/**
 * A legacy package's custom grader (`graders/`, `grading: custom` in a group's testdata.yaml), as
 * the legacy format defines it: given its group's sub-results on stdin, one line per judged test
 * case or subgroup in order, `VERDICT score` (AC, WA, RTE, TLE; JE for a judge error), it writes
 * the group's `VERDICT score` on stdout and exits 0; the group's `grader_flags` are its
 * arguments. Anything else (no such line, another exit, a limit) makes the group IE, its score 0.
 * A score given with a verdict other than AC is ignored (0), as the format says.
 *
 * It runs as a program of its own through the Judge (one test whose stdin is the sub-results,
 * no expected output), so it is built once by the compile cache, compiles under the helpers'
 * compile limits and runs in the sandbox under the package's validation limits, like the
 * package's other programs.
 */
import type { Judge, JudgeHooks } from '../judge/judge';
import type { CustomGrade } from '../judge/group-grading';
import { oneLine } from '../judge/result';
import type { TestVerdict } from '../judge/schema';
import type { PackageProgram } from './package-validator';
import { expectationVerdict } from './submissions-yaml';
import type { TestCase } from './test-data';

/** A grader's verdict code → caged's (problemtools' default grader's codes: IF, PE and the limits too). */
const FROM_GRADER: Readonly<Record<string, TestVerdict>> = {
  AC: 'AC',
  WA: 'WA',
  PE: 'WA',
  TLE: 'TLE',
  RTE: 'RE',
  MLE: 'MLE',
  OLE: 'OLE',
  IF: 'SE',
  JE: 'IE',
};

export interface GraderLimits {
  limits: { cpuTimeMs: number; memoryBytes: number };
  compileLimits: { cpuTimeMs: number; memoryBytes: number };
}

/**
 * The package's grader as gradeTree's CustomGrade. Each failure is also pushed onto `failures`
 * ("the grader of secret/g1 …"), for the judging's message.
 */
export function customGrader(
  judge: Judge,
  grader: PackageProgram,
  limits: GraderLimits,
  hooks: JudgeHooks | undefined,
  failures: string[],
): CustomGrade<TestCase> {
  return async (group, results, best) => {
    const fail = (why: string) => {
      if (!best) failures.push(oneLine(`the grader of ${group.name} ${why}`));
      return { verdict: 'IE' as const, score: 0 };
    };
    const flags = group.settings.customGrader?.flags ?? [];
    const r = await judge.judge(
      {
        language: grader.language,
        files: grader.files,
        ...(grader.entry !== undefined ? { entry: grader.entry } : {}),
        testcases: [
          {
            name: `grader of ${group.name}`,
            // The format's codes (RTE for RE, MLE, OLE, SE), JE for a judge error.
            stdin: results.map((x) => `${expectationVerdict(x.verdict) ?? 'JE'} ${x.score}\n`).join(''),
            ...(flags.length ? { args: flags } : {}),
          },
        ],
        limits: limits.limits,
        compileLimits: limits.compileLimits,
      },
      { problemProgram: true, ...(hooks?.signal ? { signal: hooks.signal } : {}) },
    );
    const t = r.tests[0];
    if (r.verdict === 'CE') return fail(`did not compile: ${r.message}`);
    if (!t || t.verdict !== 'AC') return fail(`failed (${t?.verdict ?? r.verdict}): ${t?.message ?? r.message} ${t?.stderr ?? ''}`);
    const out = Buffer.from(t.stdout, t.stdoutEncoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
    const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(out);
    const verdict = m ? FROM_GRADER[m[1] as string] : undefined;
    const score = m ? Number(m[2]) : NaN;
    if (!verdict || !Number.isFinite(score)) return fail(`wrote ${JSON.stringify(out.slice(0, 80))}, not one line "VERDICT score"`);
    return { verdict, score: verdict === 'AC' ? score : 0 };
  };
}
