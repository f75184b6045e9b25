/**
 * A DMOJ problem's checker and interactor (dmoj-package.ts) as the wire gives them to the Judge:
 *
 *   - a built-in checker as `checker: {type: "dmoj", name, args}` (src/judge/dmoj-checkers.ts);
 *   - `bridged` as `checker: {type: "custom", protocol: "dmoj-default" | "dmoj-testlib" |
 *     "dmoj-coci" | "dmoj-peg"}`: the program with DMOJ's arguments (or its own:
 *     `args_format_string` as `args`), compiler `flags` (`compilerOptions`), exit codes and feedback;
 *   - a Python module (`check.py`) as a custom checker in Python 3 with caged's runtime of DMOJ's
 *     helpers around it (dmojPythonChecker);
 *   - `interactive` as `interactor` with the same protocols.
 *
 * Each test is given its points as the wire's `points`: what a checker or interactor awards is
 * absolute points of the test (DMOJ's CheckerResult.points), capped there. The programs are read
 * once per judging, not per test.
 */
import type { TestVerdict } from '../judge/schema';
import type { DmojBridged, DmojChecker } from './dmoj-init-checker';
import { dmojPythonChecker, type DmojCase } from './dmoj-python-checker';
import type { ImageLanguages } from './extensions';
import type { packageLimits } from './package-limits';
import { programOf, type PackageProgram } from './package-validator';
import type { ProblemPackage } from './problem-package';
import type { TestCase } from './test-data';
import type { TestlibWire } from './testlib-programs';

type Limits = ReturnType<typeof packageLimits>;

function checkerFields(
  checker: DmojChecker,
  languages: ImageLanguages,
  problemId: string,
  cases: Record<string, DmojCase>,
): { field: unknown; program: PackageProgram | null } {
  if (checker.kind === 'builtin') return { field: { type: 'dmoj', name: checker.name, args: checker.args }, program: null };
  if (checker.kind === 'bridged') {
    const { program: _source, ...rest } = programOf(checker.program, languages);
    return {
      field: {
        type: 'custom',
        protocol: `dmoj-${checker.contrib}`,
        ...rest,
        ...(checker.feedback ? {} : { feedback: false }),
        ...bridgedExtras(checker),
      },
      program: { ...rest, program: 'source' },
    };
  }
  const wire = dmojPythonChecker({ name: checker.rel, content: checker.data, args: checker.args, problemId, cases });
  const files = wire.files.map((f) => ({
    name: f.name,
    content: f.encoding === 'base64' ? f.content : Buffer.from(f.content, 'utf8').toString('base64'),
    encoding: 'base64' as const,
  }));
  return { field: wire, program: { language: wire.language, program: 'source', files } };
}

/** A bridged program's `flags` and `args_format_string` as the wire's fields. */
function bridgedExtras(b: DmojBridged): { compilerOptions?: string[]; args?: string[] } {
  return { ...(b.compilerOptions ? { compilerOptions: b.compilerOptions } : {}), ...(b.args ? { args: b.args } : {}) };
}

/** Null for a package of another format. */
export function dmojWire(
  pkg: Pick<ProblemPackage, 'dmoj' | 'config'>,
  languages: ImageLanguages,
  runLimits: Limits['validatorLimits'],
  compileLimits: Limits['helperCompileLimits'],
  transcriptBytes?: number,
): TestlibWire | null {
  if (!pkg.dmoj) return null;
  const fields: Record<string, unknown> = {};
  const programs: PackageProgram[] = [];
  const it = pkg.dmoj.interactor;
  if (it) {
    // DMOJ grades an interactive problem by its interactor alone: no checker after it.
    const p = programOf(it.program, languages);
    fields.interactor = {
      ...p,
      ...bridgedExtras(it),
      protocol: `dmoj-${it.contrib}`,
      // The wire's default for an interactor is DMOJ's (hidden), unlike a checker's (shown).
      ...(it.feedback ? { feedback: true } : {}),
      ...(runLimits ? { limits: runLimits } : {}),
      compileLimits,
      ...(transcriptBytes ? { transcriptBytes } : {}),
    };
    programs.push(p);
  } else {
    const c = checkerFields(pkg.dmoj.checker, languages, pkg.config.name, pkg.dmoj.cases);
    fields.checker = c.field;
    if (c.program) programs.push(c.program);
  }
  return { fields, programs };
}

/**
 * A DMOJ test's points earned: what the Judge reported (the checker's or interactor's award, the
 * test's points when accepted in full), when the verdict is the Judge's; else all of them when
 * accepted, nothing when not.
 */
export function dmojPoints(
  test: Pick<TestCase, 'maxScore'>,
  verdict: TestVerdict,
  judged: { verdict: TestVerdict; points: number },
): number {
  const max = test.maxScore ?? 0;
  if (verdict === judged.verdict) return Math.min(max, judged.points);
  return verdict === 'AC' ? max : 0;
}
