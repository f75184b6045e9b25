/**
 * `caged problem generate DIR`: what a standard Polygon package's doall.sh does, in caged's
 * sandbox: a standard package holds its manual tests but not its generated ones, nor the
 * answers, which the full package holds. For each test of the judged testset whose file is
 * missing:
 *
 *   - the input of a `method="generated"` test is its `cmd`'s output: the generator it names (an
 *     executable of problem.xml's `files/executables`, by its source's name without the file
 *     ending, with the headers beside it, testlib.h among them), run with the command's words
 *     as its arguments and no input. A test of a generator that writes several tests at once
 *     (`from-file="N"`: testlib's `startTest(N)` writes test N to the file `N` in its working
 *     directory) is that file after the generator ran with its command; the generator runs once
 *     per such test, in a fresh box, so it must make the same files for the same command, as
 *     Polygon requires of every generator. A manual test's missing input, a command with quotes,
 *     redirections or variables, a `from-file` that is not a plain file name, and a generator the
 *     package does not hold are refused, naming the test;
 *   - the input of each test it makes a file for (its input, its answer or both) is first
 *     checked by every validator of `assets/validators` (a testlib validator, as doall.sh's
 *     gen-answer.sh runs it: the input on stdin, `--testset NAME --group GROUP` as arguments);
 *     the validator and the main solution read a manual test's Windows line ends (CR LF, as a
 *     standard package holds them) as LF, as the judging reads the test (polygon-package.ts)
 *     and as doall.sh's validator, a Windows build given the input through `towin`, checks it;
 *     one that does not end with exit code 0 refuses the test, naming it and quoting the
 *     validator's stderr, before its files are written;
 *   - the answer is the output of the main solution (`assets/solutions`, tag `main`) on the
 *     input, through the files `judging input-file`/`output-file` name when they do, checked as
 *     gen-answer.sh checks it: the checker (`assets/checker`), given the input and the answer as
 *     both the output and the answer, must exit 0 (or 7, points), else the test is refused,
 *     quoting its stderr, and its answer is not written. An
 *     interactive problem's answers (what its interactor writes with the main solution) are not
 *     made: refused.
 *
 * Each program is compiled once (the compile cache) and run in a fresh container per test, with
 * the judge's largest test limits (its maxima) and its output kept whole up to the output
 * maximum; one that does not end normally, or writes more, is refused, naming the test. Files
 * are written into the package's directory, new only (never over an existing file, never through
 * a link), at the paths the testset's patterns give, which must lie inside the package.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { Judge } from '../judge/judge';
import { PackageFiles, unixLineEnds } from './package-files';
import { programOf } from './package-validator';
import { PROBLEM_XML, readFileIo, readProblemXml, readTestset, resourcesOf, testlibProgram } from './polygon-package';
import { isName } from '../judge/source-path';
import { child, childrenNamed, type XmlElement } from './xml-file';
import {
  generationRunner,
  runnableOf,
  writablePath,
  writeNew,
  type GeneratedFile,
  type GenerateOptions,
  type Runnable,
} from './generate-run';

export type { GeneratedFile, GenerateOptions } from './generate-run';

const UNSAFE_COMMAND = /["'`<>|$;&\\]/;

/** Makes the missing tests and answers of the Polygon package at `dir`; returns the files written. */
export async function generatePolygonTests(judge: Judge, dir: string, opts: GenerateOptions = {}): Promise<GeneratedFile[]> {
  const files = PackageFiles.open(dir);
  const root = readProblemXml(files);
  const set = readTestset(root);
  const resources = resourcesOf(files, root);
  const assets = child(root, 'assets');
  const interactive = assets !== null && child(assets, 'interactor') !== null;
  const executables = new Map<string, XmlElement>();
  for (const e of childrenNamed(child(child(root, 'files') ?? root, 'executables') ?? root, 'executable')) {
    const src = child(e, 'source')?.attributes.path;
    if (src) executables.set(path.posix.basename(src).replace(/\.[^.]*$/, ''), e);
  }
  const checkerEl = child(assets ?? root, 'checker');
  const mainEl = childrenNamed(child(assets ?? root, 'solutions') ?? root, 'solution').find((s) => s.attributes.tag === 'main') ?? null;
  const validators = childrenNamed(child(assets ?? root, 'validators') ?? root, 'validator');

  // What is missing, checked whole before anything runs.
  const plan = set.tests.map((t, k) => {
    const i = k + 1;
    const where = `${PROBLEM_XML} testset ${set.name} test ${i}`;
    const inPath = set.inPath(i);
    const ansPath = set.ansPath(i);
    const needInput = files.kind(inPath) === null;
    const needAnswer = files.kind(ansPath) === null;
    let command: string[] | null = null;
    let fromFile: string | null = null;
    if (needInput) {
      const cmd = (t.attributes.cmd ?? '').trim();
      if (t.attributes.method !== 'generated' || !cmd)
        throw new InvalidRequestError(`its input ${inPath} is missing, and it is not a generated test`, where);
      fromFile = t.attributes['from-file']?.trim() ?? null;
      if (fromFile !== null && !isName(fromFile))
        throw new InvalidRequestError(`its from-file ${JSON.stringify(fromFile)} is not a plain file name`, where);
      if (UNSAFE_COMMAND.test(cmd))
        throw new InvalidRequestError(`its command ${JSON.stringify(cmd)} holds quotes, redirections or variables`, where);
      command = cmd.split(/\s+/);
      if (!executables.has(command[0]!))
        throw new InvalidRequestError(`its generator ${command[0]} is none of problem.xml's files/executables`, where);
    }
    if (needAnswer && interactive)
      throw new InvalidRequestError(`its answer ${ansPath} is missing: the answers of an interactive problem are not made by caged`, where);
    if (needAnswer && !mainEl) throw new InvalidRequestError(`its answer ${ansPath} is missing and no solution is tagged main`, where);
    // Where they go is checked now, before anything runs (and again as they are written).
    for (const [need, rel] of [
      [needInput, inPath],
      [needAnswer, ansPath],
    ] as const)
      if (need) writablePath(files.root, rel, PROBLEM_XML, false);
    return { i, inPath, ansPath, command, fromFile, needAnswer, needInput, group: t.attributes.group ?? '' };
  });

  const programs = new Map<string, Runnable>();
  const programFor = (key: string, el: XmlElement, role: string): Runnable => {
    let r = programs.get(key);
    if (!r) {
      const found = testlibProgram(files, el, role, resources);
      if (!found) throw new InvalidRequestError('has no source', `${PROBLEM_XML} ${role}`);
      r = runnableOf(programOf(found, judge));
      programs.set(key, r);
    }
    return r;
  };
  // The main solution reads and writes the problem's files when it names some (generators write stdout).
  const refused: string[] = [];
  const fileIo = readFileIo(child(root, 'judging') ?? root, refused);
  if (refused.length) throw new InvalidRequestError(refused[0]!, PROBLEM_XML);
  const run = generationRunner(judge, opts.signal);
  const written: GeneratedFile[] = [];
  const write = (rel: string, data: Buffer, by: string): void => writeNew(files.root, rel, data, by, PROBLEM_XML, written, opts);
  for (const t of plan) {
    if (!t.needInput && !t.needAnswer) continue;
    let input: Buffer;
    if (t.command) {
      const [name, ...args] = t.command;
      const gen = programFor(`gen:${name!}`, executables.get(name!)!, `files/executables ${name!}`);
      const what = `test ${t.i}'s generator (${t.command.join(' ')}${t.fromFile === null ? '' : `, its file ${t.fromFile}`})`;
      input = await run(gen, args, Buffer.alloc(0), what, t.fromFile === null ? {} : { io: { output: t.fromFile } });
    } else input = files.read(t.inPath);
    // What the validator and the main solution read: Windows line ends as LF, as the judging reads the test.
    const seen = unixLineEnds(input);
    for (const [k, v] of validators.entries()) {
      const validator = programFor(`validator:${k}`, v, `assets/validators validator ${k + 1}`);
      const name = child(v, 'source')?.attributes.path ?? `validator ${k + 1}`;
      await run(validator, ['--testset', set.name, '--group', t.group], seen, `the validator ${name} on test ${t.i} (${t.inPath})`, {
        failed: 'refused the input',
      });
    }
    if (t.command) write(t.inPath, input, t.command.join(' ') + (t.fromFile === null ? '' : ` (its file ${t.fromFile})`));
    if (t.needAnswer) {
      const main = programFor('main', mainEl!, 'assets/solutions main');
      const answer = await run(main, [], seen, `the main solution on test ${t.i}`, { io: fileIo });
      // As gen-answer.sh: the checker given the answer as the output must accept it (exit 0, or 7 with points).
      if (checkerEl) {
        const files = [
          { path: 'input.txt', data: seen },
          { path: 'answer.txt', data: answer },
        ];
        await run(
          programFor('checker', checkerEl, 'assets/checker'),
          ['input.txt', 'answer.txt', 'answer.txt'],
          Buffer.alloc(0),
          `the checker on test ${t.i}'s answer (as doall.sh checks it)`,
          {
            files,
            failed: 'refused it',
            acceptExit: [7],
          },
        );
      }
      write(t.ansPath, answer, child(mainEl!, 'source')?.attributes.path ?? 'main');
    }
  }
  return written;
}
