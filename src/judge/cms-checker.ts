/**
 * A CMS checker (the wire's `checker.protocol: "cms"`; CMS's "comparator", its
 * cms/grading/steps/trusted.py): run as
 *
 *     <run command> input answer output
 *
 * (CMS's order: the input, the correct output, the contestant's), it ends with exit code 0 and
 * the "standard manager output": the first line of its stdout is the outcome, a number from 0 to
 * 1 (the share of the test's points earned), and the first line of its stderr the message shown
 * to the contestant, where `translate:success`, `translate:partial` and `translate:wrong` stand
 * for CMS's stock texts. Outcome 1 is AC; below 1 it is WA with that share. Any other exit code,
 * a first line that is not a number, or a number outside 0..1 is IE: CMS counts such a checker
 * as failed (it would multiply an outcome of 2 into twice the points; caged refuses it).
 *
 * Under CMS's GroupThreshold score type (`threshold`: its subtask's) the outcome is a measure,
 * any number: the test case is correct (AC, all its points) when 0 < outcome ≤ threshold, else
 * not (WA, none), as GroupThreshold reads it.
 */
import type { CheckerVerdict } from './checker-verdict';
import { oneLine } from './result';

/** CMS's stock texts (cms/grading/steps/evaluation.py EVALUATION_MESSAGES). */
const STOCK: Record<string, string> = {
  success: 'Output is correct',
  partial: 'Output is partially correct',
  wrong: "Output isn't correct",
};

function firstLine(b: Buffer): string {
  const text = b.toString('utf8');
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).trim();
}

/** A CMS checker's end → a verdict (its run ended normally: a signal or a limit is IE before this). */
export function cmsVerdict(
  exitCode: number,
  stdout: Buffer,
  stderr: Buffer,
  role: 'checker' | 'manager' = 'checker',
  threshold?: number,
): CheckerVerdict {
  const raw = firstLine(stderr);
  const stock = raw.startsWith('translate:') ? STOCK[raw.slice('translate:'.length).trim()] : undefined;
  const said = oneLine(stock ?? raw);
  if (exitCode !== 0)
    return { verdict: 'IE', fraction: 0, message: oneLine(`the ${role} failed (exit code ${exitCode})${said ? `: ${said}` : ''}`) };
  const first = firstLine(stdout);
  // Python's float(): a decimal or exponent form; CMS reads nothing else (no "inf" or "nan" is a share).
  const outcome = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(first) ? Number(first) : NaN;
  if (threshold !== undefined && Number.isFinite(outcome)) return thresholdVerdict(outcome, threshold, said);
  if (!Number.isFinite(outcome) || outcome < 0 || outcome > 1)
    return {
      verdict: 'IE',
      fraction: 0,
      message: oneLine(
        `the ${role}'s first line of output must be its outcome, a number from 0 to 1 (got ${JSON.stringify(first.slice(0, 40))})${said ? `: ${said}` : ''}`,
      ),
    };
  if (outcome >= 1) return { verdict: 'AC', fraction: 1, message: said || STOCK.success! };
  return { verdict: 'WA', fraction: outcome, message: said || (outcome > 0 ? STOCK.partial! : STOCK.wrong!) };
}

/** GroupThreshold's reading of an outcome: correct when 0 < outcome ≤ threshold (CMS's "Correct" / "Not correct"). */
export function thresholdVerdict(outcome: number, threshold: number, said = ''): CheckerVerdict {
  const correct = outcome > 0 && outcome <= threshold;
  const why = `outcome ${outcome}, ${correct ? 'within' : 'not within'} (0, ${threshold}]`;
  return {
    verdict: correct ? 'AC' : 'WA',
    fraction: correct ? 1 : 0,
    message: oneLine(`${said || (correct ? 'Correct' : 'Not correct')} (${why})`),
  };
}
