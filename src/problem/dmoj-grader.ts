/**
 * A DMOJ problem's custom judge (init.yml `custom_judge: FILE.py`): a Python module of the
 * problem's directory whose `Grader` class DMOJ's judge runs in place of its own grader. caged
 * runs the kind DMOJ's documentation describes for interactive problems, a subclass of
 * `dmoj.graders.interactive.InteractiveGrader` whose `interact(case, interactor)` talks with the
 * submission through the Interactor's `readint`, `readtoken`, `readln`, `writeln`… and returns a
 * bool or a CheckerResult: it becomes the wire's interactor, protocol `dmoj-grader`, its files the
 * grader, caged's runner and the small `dmoj` package they import (dmoj-grader-runtime.ts), in
 * Python 3, in the sandbox beside the submission, never in the worker.
 *
 * As DMOJ judges with it: a WrongAnswer it raises (`expected int, got "A"`) is WA with that
 * feedback; the submission closing its output (an IOError) is WA; True is AC with the test's
 * points, a CheckerResult its own points (and feedback); the submission's own failure (TLE, RE…)
 * is its verdict whatever the grader said; any other exception is the test's IE with the last
 * line of its traceback. The feedback is shown, as DMOJ shows it.
 *
 * Differences from DMOJ, said at load: the grader runs in a new process per test (its globals do
 * not carry over). `self.source` is the submission's source (its entry file; None for C or C++
 * sent as several files), as a Python checker's `submission_source`. A custom judge that
 * is not an InteractiveGrader (a StandardGrader overriding `check_result` or the process's
 * handling, as DMOJ's `shortest1` test does) is refused as unsupported: it reads DMOJ's
 * executors and Result flags, which caged's sandbox does not have.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { isSourcePath } from '../judge/source-path';
import type { DmojFiles } from './dmoj-files';
import { DMOJ_GRADER_FILE, DMOJ_GRADER_RUNNER, DMOJ_GRADER_RUNTIME } from './dmoj-grader-runtime';
import type { DmojInteractor } from './dmoj-init-checker';
import type { DmojCase } from './dmoj-python-checker';

const WHERE = 'init.yml custom_judge';

/** The runtime's own names: a grader file cannot take them. */
const TAKEN = new Set([...DMOJ_GRADER_RUNTIME.map((f) => f.name), DMOJ_GRADER_FILE, 'dmoj', 'dmoj.py']);

/**
 * init.yml's `custom_judge` as the problem's interactor; null when the grader is not an
 * InteractiveGrader (added to `unsupported`, naming the key). `cases`: each test's DMOJ position
 * and batch by its name (what the grader's `case` says).
 */
export function readCustomJudge(
  files: DmojFiles,
  raw: unknown,
  problem: { id: string; cases: Record<string, DmojCase> },
  unsupported: string[],
  notes: string[],
): DmojInteractor | null {
  if (typeof raw !== 'string' || !raw || raw.includes('\0')) throw new InvalidRequestError('must name a Python file of the problem', WHERE);
  if (path.extname(raw) !== '.py') throw new InvalidRequestError(`names ${raw}: a custom judge is a Python module (.py)`, WHERE);
  if (files.where(raw) !== 'dir') throw new InvalidRequestError(`names ${raw}, which is not a file of the problem's directory`, WHERE);
  const file = path.posix.basename(raw);
  if (!isSourcePath(file) || TAKEN.has(file))
    throw new InvalidRequestError(`cannot be a custom judge's file name: ${JSON.stringify(raw)}`, WHERE);
  const data = files.read(raw);
  const text = data.toString('utf8');
  // What DMOJ's documentation gives an interactive grader: `class Grader(InteractiveGrader)`. Each
  // candidate is read to its line's end at most: the file's size cannot make the search quadratic.
  if (!/\bclass[ \t]+Grader[ \t]*\([^)\n]{0,500}?\bInteractiveGrader\b/.test(text)) {
    unsupported.push(`custom_judge: ${raw} (a grader that is not an InteractiveGrader: caged runs those custom judges alone)`);
    return null;
  }
  notes.push(`init.yml custom_judge: ${raw} runs in a new process per test (its globals do not carry over)`);
  // The runner reads each case's position and batch (a case without one takes the test's index, batch 0).
  const settings = { file, module: file.slice(0, -'.py'.length), problem_id: problem.id, cases: problem.cases };
  return {
    program: {
      dir: raw,
      program: 'source',
      code: 'python3',
      files: [
        { name: file, data },
        ...DMOJ_GRADER_RUNTIME.map((f) => ({ name: f.name, data: Buffer.from(f.content, 'utf8') })),
        { name: DMOJ_GRADER_FILE, data: Buffer.from(JSON.stringify(settings), 'utf8') },
      ],
      entry: DMOJ_GRADER_RUNNER,
      languageIds: ['python3'],
    },
    contrib: 'grader',
    feedback: true,
  };
}
