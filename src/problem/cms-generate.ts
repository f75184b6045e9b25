/**
 * `caged problem generate DIR` for a CMS task: what CMS's `cmsMake` does to make the test cases
 * of an Italian YAML task whose `input/` and `output/` are not there (task repositories keep the
 * generator, not the data), in caged's sandbox. For each test case of `gen/GEN` (cms-scoring.ts
 * readGen) whose file is missing:
 *
 *   - its input is the output of the generator (`gen/generatore.<ext>`, or `gen/generator.<ext>`,
 *     with the headers beside it) run with the line's words as its arguments and no input, or,
 *     for a `# COPY: path` line, the package's file at that path;
 *   - each input made is checked by the validator (`gen/valida.<ext>` or `gen/validator.<ext>`)
 *     as cmsMake runs it: the input as the file `input.txt` in its working directory, its
 *     arguments `input.txt` and, after the first `# ST:`, the subtask's number (1, 2, …); one
 *     that does not end with exit code 0 refuses the test case, naming it and quoting its
 *     stderr, before its files are written. A task without a validator is not checked (cmsMake
 *     refuses one: the result says so);
 *   - its answer is the output of the official solution (`sol/soluzione.<ext>`, or
 *     `sol/solution.<ext>`), compiled as a submission is (with the task's grader when it has
 *     graders) and run on the input through the task's files (`infile`, `outfile`); a
 *     Communication task's answer is empty, as cmsMake writes it (its manager judges alone).
 *
 * A task without gen/GEN (its `n_input` test cases) gets only the answers of the inputs it holds.
 *
 * Each program is compiled once and run in a fresh container per test case, with the judge's
 * largest test limits (generate-run.ts); files are written new into DIR (never over a file, never
 * through a link). Generator commands with quotes, redirections or variables are refused before
 * anything runs: cmsMake splits a line into words and runs no shell.
 */
import { InvalidRequestError } from '../errors';
import type { Judge } from '../judge/judge';
import {
  generationRunner,
  runnableOf,
  writablePath,
  writeNew,
  type GeneratedFile,
  type GenerateOptions,
  type Runnable,
} from './generate-run';
import { readCmsPackage, sourceProgramAt, TASK_YAML, withCmsGrader } from './cms-package';
import { GEN, readGen, type GenCase } from './cms-scoring';
import { PackageFiles } from './package-files';
import { programOf } from './package-validator';

const UNSAFE_WORD = /["'`<>|$;&\\]/;

/** The program at the first of `places` that holds one (sourceProgramAt). */
function programAmong(
  files: PackageFiles,
  places: string[],
  withHeaders = true,
): { place: string; found: NonNullable<ReturnType<typeof sourceProgramAt>> } | null {
  for (const place of places) {
    const found = sourceProgramAt(files, place, withHeaders);
    if (found) return { place, found };
  }
  return null;
}

/** Makes the missing test cases of the CMS task at `dir`; returns the files written, and what was not done. */
export async function generateCmsTests(
  judge: Judge,
  dir: string,
  opts: GenerateOptions = {},
): Promise<{ written: GeneratedFile[]; notes: string[] }> {
  const files = PackageFiles.open(dir);
  const task = readCmsPackage(files, true);
  if (task.config.unsupported.length)
    throw new InvalidRequestError(`caged does not judge ${task.config.unsupported.join(', ')}: nothing is generated`, 'task.yaml');
  // Without gen/GEN (n_input test cases), only the answers of the inputs there can be made.
  const cases: GenCase[] =
    files.kind(GEN) === 'file'
      ? readGen(files.read(GEN).toString('utf8')).cases
      : Array.from({ length: task.count }, () => ({ line: 0, args: null, copy: null, subtask: 0 }));
  const notes: string[] = [];

  // What is missing, checked whole before anything runs.
  const plan = cases.map((c, i) => {
    const where = c.line ? `${GEN} line ${c.line}` : `${TASK_YAML} n_input`;
    const inPath = `input/input${i}.txt`;
    const ansPath = `output/output${i}.txt`;
    const needInput = files.kind(inPath) === null;
    const needAnswer = files.kind(ansPath) === null;
    if (needInput && c.args?.some((w) => UNSAFE_WORD.test(w)))
      throw new InvalidRequestError(`its arguments ${JSON.stringify(c.args.join(' '))} hold quotes, redirections or variables`, where);
    if (needInput && !c.args && c.copy === null)
      throw new InvalidRequestError(`test case ${i}'s input ${inPath} is missing, and the task has no ${GEN} to make it`, where);
    if (needInput && c.copy !== null && files.kind(c.copy) !== 'file')
      throw new InvalidRequestError(`copies ${JSON.stringify(c.copy)}, which is not a file of the package`, where);
    for (const [need, rel] of [
      [needInput, inPath],
      [needAnswer, ansPath],
    ] as const)
      if (need) writablePath(files.root, rel, GEN, false);
    return { ...c, i, inPath, ansPath, needInput, needAnswer };
  });
  const generator = plan.some((t) => t.needInput && t.args) ? programAmong(files, ['gen/generatore', 'gen/generator']) : null;
  if (plan.some((t) => t.needInput && t.args) && !generator)
    throw new InvalidRequestError('the task has no generator (gen/generatore.<ext> or gen/generator.<ext>) to make its inputs', GEN);
  const validator = programAmong(files, ['gen/valida', 'gen/validator']);
  if (!validator && plan.some((t) => t.needInput)) notes.push('the task has no validator (gen/valida.<ext>): its inputs were not checked');
  // A Communication task's manager judges without answers: cmsMake writes them empty.
  const solved = !task.manager && plan.some((t) => t.needAnswer);
  const solution = solved ? programAmong(files, ['sol/soluzione', 'sol/solution'], !task.grader) : null;
  if (solved && !solution)
    throw new InvalidRequestError(
      'the task has no official solution (sol/soluzione.<ext> or sol/solution.<ext>) to make its answers',
      'sol',
    );

  const made = new Map<string, Runnable>();
  const runnable = (key: string, p: NonNullable<ReturnType<typeof programAmong>>): Runnable => {
    let r = made.get(key);
    if (!r) {
      const program = programOf(p.found, judge);
      // The official solution is compiled as a submission is: with the task's grader when it has graders.
      const built =
        key === 'solution'
          ? withCmsGrader({ ...task, outputOnly: false }, program, judge.language(program.language, p.found.dir))
          : program;
      r = runnableOf({ ...built, files: built.files ?? [] });
      made.set(key, r);
    }
    return r;
  };
  const run = generationRunner(judge, opts.signal);
  const written: GeneratedFile[] = [];
  for (const t of plan) {
    if (!t.needInput && !t.needAnswer) continue;
    let input: Buffer;
    if (!t.needInput) input = files.read(t.inPath);
    else if (t.copy !== null) input = files.read(t.copy);
    else
      input = await run(runnable('generator', generator!), t.args!, Buffer.alloc(0), `test case ${t.i}'s generator (${t.args!.join(' ')})`);
    if (t.needInput && validator) {
      const args = ['input.txt', ...(t.subtask ? [String(t.subtask)] : [])];
      await run(
        runnable('validator', validator),
        args,
        input,
        `the validator ${validator.found.dir} on test case ${t.i} (${GEN} line ${t.line})`,
        {
          files: [{ path: 'input.txt', data: input }],
          failed: 'refused the input',
        },
      );
    }
    if (t.needInput)
      writeNew(files.root, t.inPath, input, t.copy !== null ? `copy of ${t.copy}` : `generator ${t.args!.join(' ')}`, GEN, written, opts);
    if (t.needAnswer && !solution) writeNew(files.root, t.ansPath, Buffer.alloc(0), 'empty (a Communication task)', GEN, written, opts);
    else if (t.needAnswer) {
      const answer = await run(runnable('solution', solution!), [], input, `the official solution on test case ${t.i}`, {
        ...(task.config.fileIo ? { io: task.config.fileIo } : {}),
      });
      writeNew(files.root, t.ansPath, answer, solution!.found.dir, GEN, written, opts);
    }
  }
  return { written, notes };
}
