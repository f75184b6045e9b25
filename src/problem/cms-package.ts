/**
 * Loads a CMS task in the Italian YAML format (CMS's `cmscontrib/loaders/italy_yaml.py`, what
 * IOI-style olympiads keep their tasks in): `task.yaml` at its root, read into the same
 * ProblemPackage the other formats give (problem-package.ts), judged as CMS's Batch task type.
 *
 *   - task.yaml: `name` (or `nome_breve`), `time_limit` (or `timeout`, seconds), `memory_limit`
 *     (or `memlimit`, MiB), `infile` and `outfile` (the files the program reads and writes in
 *     its working directory, `input.txt` and `output.txt` when absent, standard input and output
 *     when empty), and the test cases' count and score type (cms-scoring.ts). Its other keys of
 *     CMS (title, statements, tokens, submission limits, feedback, public_testcases) do not
 *     change a judgement and are not read; a key CMS does not know is noted.
 *   - The checker: `check/checker`, else `cor/correttore` (CMS's places), run as
 *     `checker input answer output`, its outcome on stdout (the wire's checker protocol `cms`,
 *     src/judge/cms-checker.ts). CMS runs the compiled program there; caged builds it from its
 *     source beside it when there is one (`check/checker.cpp`, with the headers there, testlib.h
 *     say), else runs the compiled program as it is (prebuilt-program.ts) or a script there by
 *     its `#!` line (Python, sh, bash). Without a checker the output is compared by CMS's white
 *     diff (the built-in checker `white-diff`).
 *   - Graders (`sol/grader.<ext>`, CMS's "grader" compilation): the submission is compiled with
 *     the grader of its language and the headers of `sol/` (`*.h`, `*lib.pas`), the submission
 *     named `<task name>.<ext>` as CMS names it, the grader the entry point.
 *
 * An output-only task (`output_only: true`, CMS's OutputOnly): the submission is the answers, a
 * plain-text file `output_<codename>.txt` per test case (language `plaintext`); each test's output
 * is its file (`cat`), checked as a Batch output is; a missing one scores nothing. Its time limit,
 * when task.yaml gives none, is OUTPUT_ONLY_TIME_S, and its code limit OUTPUT_ONLY_CODE_KIB.
 *
 * A Communication task (`check/manager`, else `cor/manager`, CMS's Communication): the manager,
 * built or run as a checker is, talks to the submission (interactor protocol `cms`:
 * src/judge/cms-communication.ts) and decides each test alone; `sol/stub.<ext>` are compiled
 * with the submission as graders are (the stub the entry point), and the submission then opens
 * its channels as files (`user_io: fifo_io`, the default with stubs) or they are its stdio
 * (`std_io`, the default without). task.yaml's `infile`, `outfile` and checker are not read for
 * it, as CMS reads them not. `num_processes` above 1 runs that many processes of the submission
 * at once, each told its index as its last argument, the manager given each one's channels in
 * turn (at most MAX_CMS_PROCESSES: src/judge/schema.ts, the sandbox's group bound).
 *
 * A Batch task some of whose test cases take answers submitted as files (`output_only_testcases`,
 * `output_optional_testcases`: CMS's BatchAndOutput) is judged by cms-batch-output.ts's rules.
 * A submission writes no file in its working directory (it is
 * read-only) but the task's `outfile`, as CMS allows writing only that file.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { sourceExtensions, takesEntry } from '../judge/language-command';
import type { Language } from '../judge/languages';
import { isName, isPlainFileName } from '../judge/source-path';
import { FORMAT_CODE_OF_EXTENSION, HEADER_EXTENSIONS } from './extensions';
import type { PackageFiles } from './package-files';
import type { PackageSubmission } from './package-submission';
import type { PackageValidator } from './package-validator';
import { prebuiltProgram } from './prebuilt-program';
import { readProblemYaml, type ProblemConfig } from './problem-yaml';
import { checkTestFiles, cmsTestTree, GEN, readGen, type CmsScoring } from './cms-scoring';
import type { TestGroup } from './test-data';
import type { SubmissionIo } from '../judge/cms-communication';
import { MAX_CMS_PROCESSES } from '../judge/schema';
import { readAnswerList, type CmsAnswers } from './cms-batch-output';
import { parseYaml } from './yaml-file';

export const TASK_YAML = 'task.yaml';

/** A task's graders (`sol/grader.<ext>`, a Communication task's stubs `sol/stub.<ext>`) and the headers compiled with them. */
export interface CmsGrader {
  sources: { name: string; data: Buffer }[];
  headers: { name: string; data: Buffer }[];
}

/** What judges a CMS task's submissions, beside its config and tests. */
export interface CmsTask {
  /** Its checker; null: CMS's white diff (or a Communication task's manager). */
  checker: PackageValidator | null;
  grader: CmsGrader | null;
  /** What the submission's file is named with a grader: `<task name>.<ext>`. */
  taskName: string;
  /** `output_only`: the submission is the answers (withCmsGrader). */
  outputOnly: boolean;
  /** A Communication task's manager and how the submission reaches it; null for the other task types. */
  manager: { program: PackageValidator; submissionIo: SubmissionIo; processes: number } | null;
  /** A BatchAndOutput task's test cases that take answers as files; null for the other task types. */
  answers: CmsAnswers | null;
}

export interface CmsParts extends CmsTask {
  config: ProblemConfig;
  data: TestGroup;
  /** task.yaml's time limit; null when it gives none. */
  timeLimitS: number | null;
  /** The number of test cases. */
  count: number;
  notes: string[];
}

/** An output-only task's time limit when task.yaml gives none: each test's run is a `cat` of its answer. */
export const OUTPUT_ONLY_TIME_S = 5;
/** An output-only task's code limit (KiB): the answers, not a program (CMS's limit is its contest's setting). */
export const OUTPUT_ONLY_CODE_KIB = 16 * 1024;

/** A package is read as a CMS task when it has task.yaml and none of the other formats' files. */
export function isCmsPackage(files: PackageFiles): boolean {
  return files.kind(TASK_YAML) === 'file' && ['problem.yaml', 'problem.xml', 'init.yml'].every((f) => files.kind(f) !== 'file');
}

/** Keys of task.yaml that CMS's loader reads (and its Italian names). */
const KNOWN = new Set(
  (
    'name nome_breve title nome primary_language feedback_level score_mode score_precision version ' +
    'token_mode token_max_number token_min_interval token_gen_initial token_gen_number token_gen_interval token_gen_max ' +
    'token_initial token_total token_gen_time token_max max_submission_number max_user_test_number ' +
    'min_submission_interval min_user_test_interval time_limit timeout memory_limit memlimit infile outfile ' +
    'score_type score_type_parameters n_input total_value output_only num_processes user_io ' +
    'output_only_testcases output_optional_testcases public_testcases risultati'
  ).split(' '),
);

function number(conf: Record<string, unknown>, keys: string[], positive: boolean): number | null {
  const key = keys.find((k) => conf[k] !== undefined && conf[k] !== null);
  if (key === undefined) return null;
  const v = conf[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN;
  if (!Number.isFinite(n) || (positive ? n <= 0 : n < 0))
    throw new InvalidRequestError(`${key} must be a ${positive ? 'positive ' : ''}number (got ${JSON.stringify(v)})`, TASK_YAML);
  return n;
}

/** `infile`/`outfile`: a plain file name, or empty for standard input/output; CMS's default when absent. */
function ioFile(conf: Record<string, unknown>, key: 'infile' | 'outfile', unsupported: string[]): string | undefined {
  const v = conf[key] ?? (key === 'infile' ? 'input.txt' : 'output.txt');
  if (v === null || v === '') return undefined;
  if (typeof v !== 'string' || !isName(v)) {
    unsupported.push(`${key} ${JSON.stringify(v)} (not a plain file name)`);
    return undefined;
  }
  return v;
}

/**
 * The program whose source is `place.<ext>` (a file ending of the format's languages table), with
 * the headers beside it (testlib.h…) unless `withHeaders` is false; null when there is none;
 * refused when there are several.
 */
export function sourceProgramAt(files: PackageFiles, place: string, withHeaders = true): PackageValidator | null {
  const dir = path.posix.dirname(place);
  const base = path.posix.basename(place);
  if (files.kind(dir) !== 'dir') return null;
  const entries = files.list(dir).filter((e) => e.kind === 'file');
  const sources = entries.filter((e) => path.parse(e.name).name === base && Object.hasOwn(FORMAT_CODE_OF_EXTENSION, path.extname(e.name)));
  if (sources.length > 1)
    throw new InvalidRequestError(`holds several sources of ${base} (${sources.map((e) => e.name).join(', ')}): keep one`, dir);
  const source = sources[0];
  if (!source) return null;
  const headers = withHeaders ? entries.filter((e) => HEADER_EXTENSIONS.has(path.extname(e.name))) : [];
  return {
    dir: `${dir}/${source.name}`,
    program: 'source',
    code: FORMAT_CODE_OF_EXTENSION[path.extname(source.name)]!,
    files: [source, ...headers].map((e) => ({ name: e.name, data: files.read(`${dir}/${e.name}`) })),
    entry: source.name,
  };
}

/**
 * A checker's (or manager's: `role`) source and the headers beside it, or a script by its `#!`
 * line, or null when `place` holds none.
 */
function checkerAt(files: PackageFiles, place: string, role = 'checker'): PackageValidator | null {
  const base = path.posix.basename(place);
  const source = sourceProgramAt(files, place);
  if (source) return source;
  if (files.kind(place) !== 'file') return null;
  const data = files.read(place);
  const prebuilt = prebuiltProgram(data, place, role);
  if (prebuilt) return prebuilt;
  const shebang = data.subarray(0, 128).toString('latin1').split('\n')[0]!;
  const words = shebang.startsWith('#!') ? shebang.slice(2).trim().split(/\s+/) : [];
  const interpreter = path.posix.basename(words[0] === '/usr/bin/env' ? (words[1] ?? '') : (words[0] ?? ''));
  const as = /^python3?(\.\d+)?$/.test(interpreter)
    ? ['python3', `${base}.py`]
    : /^(ba)?sh$/.test(interpreter)
      ? ['bash', `${base}.sh`]
      : null;
  if (as) return { dir: place, program: 'source', code: as[0]!, files: [{ name: as[1]!, data }], entry: as[1]! };
  throw new InvalidRequestError(
    shebang.startsWith('#!')
      ? `is a script for ${JSON.stringify(interpreter)}: caged runs ${role} scripts of Python, sh or bash`
      : `is neither a program (ELF), a script (#!) nor beside its source (${place}.cpp, .c, .py…)`,
    place,
  );
}

function readGrader(files: PackageFiles, base: 'grader' | 'stub'): CmsGrader | null {
  if (files.kind('sol') !== 'dir') return null;
  const entries = files.list('sol').filter((e) => e.kind === 'file');
  const sources = entries.filter((e) => path.parse(e.name).name === base && Object.hasOwn(FORMAT_CODE_OF_EXTENSION, path.extname(e.name)));
  if (!sources.length) return null;
  const headers = entries.filter((e) => e.name.endsWith('.h') || e.name.endsWith('lib.pas'));
  const read = (e: { name: string }) => ({ name: e.name, data: files.read(`sol/${e.name}`) });
  return { sources: sources.map(read), headers: headers.map(read) };
}

/** The test cases' count and score type, in CMS's order (cms-scoring.ts). */
function scoringOf(files: PackageFiles, conf: Record<string, unknown>, notes: string[]): CmsScoring {
  const nInput = number(conf, ['n_input'], false);
  if (nInput !== null && !Number.isInteger(nInput)) throw new InvalidRequestError(`n_input must be an integer (got ${nInput})`, TASK_YAML);
  const given = ['score_type', 'score_type_parameters'].filter((k) => conf[k] !== undefined);
  if (given.length === 2 && nInput !== null) {
    if (typeof conf.score_type !== 'string') throw new InvalidRequestError('score_type must be a name (Sum, GroupMin, …)', TASK_YAML);
    return { count: nInput, scoreType: conf.score_type, parameters: conf.score_type_parameters, from: TASK_YAML };
  }
  if (given.length)
    notes.push(
      `${TASK_YAML}'s ${given.join(' and ')} not read: CMS reads them only with score_type, score_type_parameters and n_input all given`,
    );
  const total = number(conf, ['total_value'], false) ?? 100;
  if (files.kind(GEN) === 'file') {
    const gen = readGen(files.read(GEN).toString('utf8'));
    if (nInput !== null && nInput !== gen.count)
      throw new InvalidRequestError(`n_input is ${nInput}, and ${GEN} gives ${gen.count} test cases`, TASK_YAML);
    if (gen.subtasks) return { count: gen.count, scoreType: 'GroupMin', parameters: gen.subtasks, from: GEN };
    return { count: gen.count, scoreType: 'Sum', parameters: gen.count ? total / gen.count : 0, from: GEN };
  }
  if (nInput === null)
    throw new InvalidRequestError(`gives no n_input, and the task has no ${GEN}: the number of test cases is not known`, TASK_YAML);
  return { count: nInput, scoreType: 'Sum', parameters: nInput ? total / nInput : 0, from: TASK_YAML };
}

/**
 * Reads task.yaml and what it names. `generating`: the test cases' files need not be there yet
 * (`caged problem generate` makes them: cms-generate.ts).
 */
export function readCmsPackage(files: PackageFiles, generating = false): CmsParts {
  const raw = parseYaml(files.read(TASK_YAML).toString('utf8'), TASK_YAML, { version: '1.1' });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidRequestError('must be a mapping of keys', TASK_YAML);
  const conf = raw as Record<string, unknown>;
  const notes: string[] = [];
  const unsupported: string[] = [];
  const unknown = Object.keys(conf).filter((k) => !KNOWN.has(k));
  if (unknown.length) notes.push(`${TASK_YAML}: ${unknown.join(', ')} not read (not a key of CMS's loader)`);
  const named = conf.name ?? conf.nome_breve;
  const taskName = typeof named === 'string' && named ? named : path.basename(files.root);
  const outputOnly = conf.output_only === true;
  const manager = outputOnly ? null : managerOf(files, conf, unsupported, notes);

  const scoring = scoringOf(files, conf, notes);
  const answers = outputOnly || manager ? null : answersOf(conf, scoring.count);
  for (const k of ['output_only_testcases', 'output_optional_testcases'])
    if ((outputOnly || manager) && conf[k] !== undefined && conf[k] !== null && conf[k] !== '')
      notes.push(`${TASK_YAML}'s ${k} not read: CMS reads it for a Batch task`);
  const data = cmsTestTree(scoring, notes, unsupported, outputOnly);
  if (!unsupported.length && !generating) checkTestFiles(files, scoring.count, scoring.from);
  // A Communication task's manager decides: CMS loads a checker beside it and never runs it.
  const checker = manager ? null : (checkerAt(files, 'check/checker') ?? checkerAt(files, 'cor/correttore'));
  const grader = outputOnly ? null : readGrader(files, manager ? 'stub' : 'grader');
  const timeLimitS = number(conf, ['time_limit', 'timeout'], true) ?? (outputOnly ? OUTPUT_ONLY_TIME_S : null);
  const memoryMiB = number(conf, ['memory_limit', 'memlimit'], true);
  // A Communication task's submission talks to its manager: CMS gives it no files.
  const input = manager ? undefined : ioFile(conf, 'infile', unsupported);
  const output = manager ? undefined : ioFile(conf, 'outfile', unsupported);
  // A program reading its input file gets an empty standard input, as in CMS.
  const fileIo =
    !outputOnly && (input !== undefined || output !== undefined)
      ? { ...(input ? { input, stdin: false } : {}), ...(output ? { output } : {}) }
      : undefined;
  if (input !== undefined && input === output) unsupported.push(`infile and outfile are both ${JSON.stringify(input)}`);

  // The format's defaults for the limits CMS does not give (compilation, validation, output).
  const base = readProblemYaml('{}', taskName, false);
  const given = [...(timeLimitS !== null ? ['time_limit'] : []), ...(memoryMiB !== null ? ['memory'] : [])];
  const config: ProblemConfig = {
    ...base,
    ...(fileIo ? { fileIo } : {}),
    // CMS lets a program write its outfile alone: the working directory is read-only but that file.
    allowFileWriting: false,
    format: 'cms',
    name: taskName,
    scoring: true,
    unsupported,
    validation: { kind: checker || manager ? 'custom' : 'default', interactive: manager !== null, customScore: false },
    limits: {
      ...base.limits,
      timeLimitS,
      memoryMiB: memoryMiB ?? base.limits.memoryMiB,
      ...(outputOnly ? { codeKiB: OUTPUT_ONLY_CODE_KIB } : {}),
      given,
    },
  };
  const task = {
    checker,
    grader,
    taskName,
    outputOnly,
    manager: manager && { ...manager, submissionIo: submissionIo(conf, grader, notes) },
    answers,
  };
  return { config, data, timeLimitS, ...task, count: scoring.count, notes };
}

/** A Communication task's manager (`check/manager`, else `cor/manager`), or null: a task of another type. */
function managerOf(
  files: PackageFiles,
  conf: Record<string, unknown>,
  unsupported: string[],
  notes: string[],
): { program: PackageValidator; processes: number } | null {
  const manager = checkerAt(files, 'check/manager', 'manager') ?? checkerAt(files, 'cor/manager', 'manager');
  if (!manager) return null;
  const processes = number(conf, ['num_processes'], true) ?? 1;
  if (!Number.isInteger(processes) || processes < 1 || processes > MAX_CMS_PROCESSES)
    unsupported.push(`num_processes ${processes} (caged runs 1 to ${MAX_CMS_PROCESSES} processes of the submission)`);
  for (const k of ['infile', 'outfile'])
    if (conf[k] !== undefined && conf[k] !== null && conf[k] !== '')
      notes.push(`${TASK_YAML}'s ${k} not read: a Communication task has no files`);
  const checkers = ['check', 'cor'].flatMap((d) =>
    files.kind(d) === 'dir'
      ? files
          .list(d)
          .filter((e) => /^(checker|correttore)(\.|$)/.test(e.name))
          .map((e) => `${d}/${e.name}`)
      : [],
  );
  if (checkers.length) notes.push(`${checkers.join(', ')} not run: a Communication task's manager decides alone`);
  return { program: manager, processes };
}

/** A BatchAndOutput task's lists (null: a plain Batch task). */
function answersOf(conf: Record<string, unknown>, count: number): CmsAnswers | null {
  const only = readAnswerList(conf.output_only_testcases, 'output_only_testcases', count, TASK_YAML);
  const optional = readAnswerList(conf.output_optional_testcases, 'output_optional_testcases', count, TASK_YAML);
  return only || optional ? { only: only ?? [], optional: optional ?? [] } : null;
}

/** `user_io`: CMS's `fifo_io` (files to open) or `std_io`; without it, files with stubs, stdio without. */
function submissionIo(conf: Record<string, unknown>, stub: CmsGrader | null, notes: string[]): SubmissionIo {
  const io = conf.user_io;
  if (io === 'fifo_io') return 'fifos';
  if (io === 'std_io') return 'stdio';
  if (io !== undefined && io !== null) notes.push(`${TASK_YAML}'s user_io ${JSON.stringify(io)} not read: CMS takes std_io or fifo_io`);
  return stub ? 'fifos' : 'stdio';
}

/**
 * The submission as CMS compiles it for a task with graders: its one source named
 * `<task name>.<ext>`, with the grader of its language and the headers of sol/, the grader the
 * entry point; a task without graders takes it as it is. A submission of several files, or in a
 * language the task has no grader for, is refused (CMS fails its compilation).
 */
export function withCmsGrader<S extends PackageSubmission>(
  cms: (Pick<CmsTask, 'grader' | 'taskName'> & { outputOnly?: boolean }) | undefined,
  s: S,
  language: Language,
): S {
  if (cms?.outputOnly) return withAnswers(s, language);
  if (!cms?.grader) return s;
  const exts = sourceExtensions(language);
  const grader = cms.grader.sources.find((g) => exts.includes(path.extname(g.name)));
  // "grader" (Batch) or "stub" (Communication), as the files are named.
  const kind = path.parse(cms.grader.sources[0]!.name).name;
  if (!grader)
    throw new InvalidRequestError(
      `the task's ${kind}s are ${cms.grader.sources.map((g) => `sol/${g.name}`).join(', ')}: none is a ${language.id} source (${exts.join(' ')})`,
      'SUBMISSION',
    );
  const own =
    s.source !== undefined
      ? Buffer.from(s.source, s.sourceEncoding === 'base64' ? 'base64' : 'utf8')
      : s.files?.length === 1
        ? Buffer.from(s.files[0]!.content, s.files[0]!.encoding === 'base64' ? 'base64' : 'utf8')
        : null;
  if (!own) throw new InvalidRequestError(`a CMS task with a ${kind} takes one source file, compiled with the ${kind}`, 'SUBMISSION');
  const ext = path.extname(grader.name);
  const name = `${cms.taskName}${ext}`;
  if (!isPlainFileName(name) || name === grader.name || cms.grader.headers.some((h) => h.name === name))
    throw new InvalidRequestError(
      `the task's name ${JSON.stringify(cms.taskName)} does not make a source file name beside its grader`,
      TASK_YAML,
    );
  const { source: _source, sourceEncoding: _encoding, files: _files, entry: _entry, ...rest } = s;
  const file = (n: string, data: Buffer) => ({ name: n, content: data.toString('base64'), encoding: 'base64' as const });
  return {
    ...rest,
    files: [file(name, own), file(grader.name, grader.data), ...cms.grader.headers.map((h) => file(h.name, h.data))],
    ...(takesEntry(language) || language.entry ? { entry: grader.name } : {}),
  } as S;
}

/**
 * An output-only task's submission: its answer files (`output_<codename>.txt`), with an empty
 * `main.txt` as the plaintext language's entry, so that a test's run, `cat -- main.txt
 * output_<codename>.txt` (its args), prints its answer; a missing one fails the run.
 */
function withAnswers<S extends PackageSubmission>(s: S, language: Language): S {
  const answers = 'an output-only task takes the answers as plain-text files named output_000.txt, output_001.txt, … (--lang plaintext)';
  if (language.id !== 'plaintext' || !s.files?.length) throw new InvalidRequestError(answers, 'SUBMISSION');
  const other = s.files.find((f) => !/^output_\d{3,}\.txt$/.test(f.name));
  if (other) throw new InvalidRequestError(`${JSON.stringify(other.name)} is not an answer: ${answers}`, 'SUBMISSION');
  const { entry: _entry, ...rest } = s;
  return { ...rest, files: [{ name: 'main.txt', content: '', encoding: 'utf8' as const }, ...s.files], entry: 'main.txt' } as S;
}
