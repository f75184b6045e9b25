/**
 * A Polygon package's testlib programs (polygon-package.ts) as the wire gives them to the Judge:
 * its checker as the submission's `checker: {type: "custom"}` (argv input output answer, testlib's
 * exit codes), its interactor as `interactor` with `protocol: "testlib"` (argv input output
 * answer, its output then judged by that checker), each in the image's language for it
 * (programOf). Both are read once per judging, not per test.
 *
 * In a scoring problem a test's partial points from either (testlib's `quitp`, exit 7) count, as
 * Polygon counts them: the test is given its points (or 100 with problem.xml's
 * `treat-points-from-checker-as-percent`) as the wire's `points`, against which the checker's
 * `points N` is capped, and it scores what it earned in its own points (polygonPoints), its
 * verdict WA unless it earned all of them. A `complete-group` still needs every test accepted.
 */
import type { TestVerdict } from '../judge/schema';
import type { ImageLanguages } from './extensions';
import type { TestCase } from './test-data';
import type { ProblemPackage } from './problem-package';
import { programOf, type PackageProgram } from './package-validator';
import type { packageLimits } from './package-limits';

type Limits = ReturnType<typeof packageLimits>;

/** A package's limits for its own programs' runs and compiles, and the transcript asked for. */
interface OwnLimits {
  runLimits: Limits['validatorLimits'];
  compileLimits: Limits['helperCompileLimits'];
  transcriptBytes?: number | undefined;
}

/** A package's interactor (Polygon's, a CMS manager) as the wire's `interactor`. */
function interactorWire(program: PackageProgram, how: Record<string, unknown>, own: OwnLimits): Record<string, unknown> {
  return {
    ...program,
    ...how,
    ...(own.runLimits ? { limits: own.runLimits } : {}),
    compileLimits: own.compileLimits,
    ...(own.transcriptBytes ? { transcriptBytes: own.transcriptBytes } : {}),
  };
}

export interface TestlibWire {
  /** The submission's fields: `checker`, `interactor` (none: the default validation judges). */
  fields: Record<string, unknown>;
  /** The programs, for the wire's size cap. */
  programs: PackageProgram[];
}

/** A CMS task's checker (cmsWire); null for a package of the Kattis formats and DMOJ's. */
export function testlibWire(
  pkg: Pick<ProblemPackage, 'testlib' | 'cms'>,
  languages: ImageLanguages,
  runLimits: Limits['validatorLimits'],
  compileLimits: Limits['helperCompileLimits'],
  transcriptBytes?: number,
): TestlibWire | null {
  const own = { runLimits, compileLimits, transcriptBytes };
  if (!pkg.testlib) return cmsWire(pkg, languages, own);
  const checker = pkg.testlib.checker ? programOf(pkg.testlib.checker, languages) : null;
  const interactor = pkg.testlib.interactor ? programOf(pkg.testlib.interactor, languages) : null;
  const fields: Record<string, unknown> = {};
  if (checker) {
    // The custom checker's wire takes no `program` kind: a testlib checker is always a source program.
    const { program: _source, ...rest } = checker;
    fields.checker = { type: 'custom', ...rest };
  }
  if (interactor) fields.interactor = interactorWire(interactor, { protocol: 'testlib' }, own);
  return { fields, programs: [checker, interactor].filter((p): p is PackageProgram => p !== null) };
}

/**
 * A CMS task's checker as the submission's `checker: {type: "custom", protocol: "cms"}` (argv
 * input answer output, its outcome the share of the test's points), or CMS's white diff
 * (`white-diff`) when it has none; a Communication task's manager as `interactor` with `protocol:
 * "cms"`, under the package's limits for its programs; null for the other formats.
 */
export function cmsWire(pkg: Pick<ProblemPackage, 'cms'>, languages: ImageLanguages, own: OwnLimits): TestlibWire | null {
  if (!pkg.cms) return null;
  if (pkg.cms.manager) {
    const manager = programOf(pkg.cms.manager.program, languages);
    const { submissionIo, processes } = pkg.cms.manager;
    // Several processes: no transcript (one exchange per process; the wire refuses it).
    const how = { protocol: 'cms', submissionIo, ...(processes > 1 ? { processes } : {}) };
    const interactor = interactorWire(manager, how, processes > 1 ? { ...own, transcriptBytes: undefined } : own);
    return { fields: { interactor }, programs: [manager] };
  }
  if (!pkg.cms.checker) return { fields: { checker: { type: 'white-diff' } }, programs: [] };
  const program = programOf(pkg.cms.checker, languages);
  const { program: _source, ...rest } = program;
  return { fields: { checker: { type: 'custom', protocol: 'cms', ...rest } }, programs: [program] };
}

/**
 * What a scoring problem's checker's (or interactor's) partial points are of, per test: a
 * Polygon test's points (or 100 with treat-points-from-checker-as-percent), a DMOJ test's; 1
 * for a CMS test case, whose checker gives a share; null for the Kattis formats and pass-fail problems.
 */
export function checkerScaleOf(pkg: Pick<ProblemPackage, 'testlib' | 'dmoj' | 'cms' | 'config'>): ((t: TestCase) => number) | null {
  if (!(pkg.testlib || pkg.dmoj || pkg.cms) || !pkg.config.scoring) return null;
  // A CMS test case's outcome is a share (1): what it earned in each subtask that holds it (judge-package.ts runs it once).
  if (pkg.cms) return () => 1;
  return (t) => (pkg.testlib?.pointsAsPercent ? 100 : (t.maxScore ?? 0));
}

/** A Polygon test's points earned: all of its maximum when AC, else the checker's share of them (`earned` of `scale`). */
export function polygonPoints(test: Pick<TestCase, 'maxScore'>, verdict: TestVerdict, earned: number, scale: number): number {
  const max = test.maxScore ?? 0;
  if (verdict === 'AC') return max;
  if (verdict !== 'WA' || scale <= 0) return 0;
  return Math.min(max, (earned / scale) * max);
}

/** gradeTree's TestScore for a Polygon package: what the test earned (polygonPoints), out of its points. */
export function polygonTestScore(test: TestCase, r: { points: number }): { score: number; maxScore: number } {
  return { score: r.points, maxScore: test.maxScore ?? 0 };
}
