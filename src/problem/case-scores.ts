/**
 * 2025-09 scoring: the score files of a package's validators (output, interactor, static) that
 * the format lists as judge errors, checked on each test's result by judge-package.ts. Also what
 * a package's test earned in its group (packagePoints).
 */
import type { ScoreFileName } from '../judge/output-validator-feedback';
import { roundScore } from '../judge/result';
import type { TestVerdict } from '../judge/schema';
import { dmojPoints } from './dmoj-programs';
import { polygonPoints } from './testlib-programs';
import type { ProblemPackage } from './problem-package';
import type { TestCase } from './test-data';

/**
 * 2025-09 scoring: what makes an accepted secret test a judge error (the format's list) that
 * caged checks: a score file in a pass-fail group, score.txt above the test case's maximum, or
 * none in an unbounded group. A sample's score files are ignored, as the format says.
 */
export function caseScoreFailure(
  pkg: ProblemPackage,
  test: TestCase,
  score: number | undefined,
  multiplier: number | undefined,
): string | null {
  if (!pkg.config.scoring || test.maxScore === undefined || test.name.startsWith('sample/')) return null;
  if (test.passFail && (score !== undefined || multiplier !== undefined))
    return `the validator wrote ${score !== undefined ? 'score.txt' : 'score_multiplier.txt'} for a test of a pass-fail group`;
  if (multiplier !== undefined && test.maxScore === Infinity)
    return 'the validator wrote score_multiplier.txt for a test of an unbounded group';
  if (score === undefined && multiplier === undefined)
    return test.maxScore === Infinity ? 'the validator accepted a test of an unbounded group without writing score.txt' : null;
  if (score !== undefined && score > test.maxScore * (1 + 1e-9))
    return `the validator's score.txt (${score}) is above the test case's maximum score (${roundScore(test.maxScore)})`;
  return null;
}

/**
 * 2025-09 scoring: a validator (or interactor) that rejected a secret test case but wrote a score
 * file is a judge error, as the format lists it; on a sample, or outside 2025-09 scoring, the file
 * is ignored.
 */
export function rejectedScoreFailure(pkg: ProblemPackage, test: TestCase, written: ScoreFileName): string | null {
  if (!pkg.config.scoring || test.maxScore === undefined || test.name.startsWith('sample/')) return null;
  return `the validator rejected the test case but wrote ${written}`;
}

/**
 * A package's test's points in a group holding it, its final verdict `verdict` and the Judge's
 * `judged`: a DMOJ test's (dmojPoints); a Polygon or CMS test's in a scoring problem, on its
 * checker's scale `scale` (polygonPoints: a checker's partial points, never those of a verdict
 * decided after the Judge); else 1 when AC, 0 when not.
 */
export function packagePoints(
  pkg: Pick<ProblemPackage, 'dmoj'>,
  scale: ((t: TestCase) => number) | null,
  test: TestCase,
  verdict: TestVerdict,
  judged: { verdict: TestVerdict; points: number },
): number {
  if (pkg.dmoj) return dmojPoints(test, verdict, judged);
  if (scale) return polygonPoints(test, verdict, verdict === judged.verdict ? judged.points : 0, scale(test));
  return verdict === 'AC' ? 1 : 0;
}
