/**
 * Loads a DMOJ problem (the judge's problem directory: `init.yml`, its test data beside it or in
 * the ZIP its `archive` names) into the same ProblemPackage the other formats give
 * (problem-package.ts), so that every front judges it alike. As DMOJ's judge reads it
 * (docs/problem_format in DMOJ's docs, dmoj/problem.py):
 *
 *   - init.yml's keys cascade: a test case's key, absent there, is its batch's, then the file's
 *     (`points` is 1 at the top unless given; `in`, `out`, `checker`, `binary_data` cascade alike).
 *   - `test_cases` is a list of cases (`in`, `out`, `points`) and batches (`batched`: a list of
 *     cases; `points`; `dependencies`: the 1-based numbers of earlier batches). Without a list,
 *     the archive's file names are matched with `input_format` and `output_format` (Python
 *     regular expressions with the named groups `batch` and `case`; DMOJ's defaults otherwise)
 *     and given `case_points` (else `points`) in order. `pretest_test_cases` run first, worth 0.
 *   - Grading (dmoj/judge.py): cases and batches in order. A case scores its points when
 *     accepted, or the checker's partial points. A batch scores its points times the smallest
 *     share any of its cases earned; a rejected case ends the batch (its other cases are
 *     SKIPPED). A batch whose dependencies did not all pass is SKIPPED. A rejected case worth 0
 *     points (a pretest) ends the judging: every case after it is SKIPPED. The problem scores the
 *     sum; its verdict is the worst of its cases'.
 *   - Test data is normalised as DMOJ does (dmoj-files.ts) unless `binary_data`.
 *   - The checker: one of DMOJ's built-in checkers by name with its `args` (the Judge's `dmoj`
 *     checker), `bridged` (a program of the package with DMOJ's `default`, `testlib` or `coci`
 *     conventions), or a Python module of the package (`check.py`, run in the sandbox with a
 *     small runtime of DMOJ's helpers: dmoj-programs.ts). `interactive` is a bridged interactor.
 *   - `generator`: a program that makes the data a case does not name (dmoj-generate.ts).
 *
 * DMOJ keeps a problem's time and memory limits in its site's database, not in the package: the
 * caller gives them (`--time`, `--memory`). What caged does not judge (custom graders, signature
 * graders, Python's dynamic keys, compiler flags, `symlinks` to anything but /dev/stdin) is
 * refused as unsupported, naming the key; a link to /dev/stdin is a copy of the input in the
 * submission's directory. Keys that only shape DMOJ's display or its sandbox (hints, unbuffered,
 * wall_time_factor, output_prefix_length) are noted and not read.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { isRelativePath } from '../judge/source-path';
import { groupSettings } from '../judge/group-grading';
import { DEFAULT_INPUT_FORMAT, DEFAULT_OUTPUT_FORMAT, matchCases, pythonRegex } from './dmoj-case-files';
import { isMap, readChecker, readInteractor, yamlBool, type DmojChecker, type DmojInteractor } from './dmoj-init-checker';
import { readCustomJudge } from './dmoj-grader';
import { generatedPath, NO_DATA, type DmojFiles } from './dmoj-files';
import { generatorArgs, readGenerator, type DmojGenerator, type DmojGeneration } from './dmoj-generate';
import type { DmojCase } from './dmoj-python-checker';
import { readSignatureGrader, type DmojSignature } from './dmoj-signature';
import type { PackageFiles } from './package-files';
import { readProblemYaml, type ProblemConfig } from './problem-yaml';
import type { GroupChild, TestCase, TestGroup } from './test-data';
import { parseYaml } from './yaml-file';

export const INIT_YML = 'init.yml';

export const NO_DMOJ_TIME_LIMIT =
  "a DMOJ problem gives no time limit (DMOJ keeps it in its site's database, not in init.yml): give one with --time S";

/** A package is read as DMOJ's when it has init.yml and neither problem.yaml nor problem.xml. */
export function isDmojPackage(files: PackageFiles): boolean {
  return files.kind(INIT_YML) === 'file' && files.kind('problem.yaml') !== 'file' && files.kind('problem.xml') !== 'file';
}

export interface DmojParts {
  config: ProblemConfig;
  data: TestGroup;
  files: DmojFiles;
  checker: DmojChecker;
  interactor: DmojInteractor | null;
  /** `signature_grader`: the submission is compiled with the problem's entry and header (dmoj-signature.ts). */
  signature: DmojSignature | null;
  /** init.yml `unbuffered`: the submission's stdout unbuffered (a C, C++ or Python one: dmoj-build.ts; Java's flushes at every print). */
  unbuffered: boolean;
  /** init.yml `hints: [nobigmath]`: a Java submission may not use BigInteger or BigDecimal (dmoj-java.ts). */
  noBigMath: boolean;
  /** Why DMOJ would judge every submission IE (a contrib `type` it does not know), or null. */
  failure: string | null;
  /** The cases whose data generators make. */
  generated: DmojGeneration[];
  /** Each test's DMOJ position (0-based), batch (1-based; 0 outside one) and binary_data, by its name. */
  cases: Record<string, DmojCase>;
  notes: string[];
}

/** Keys read only by DMOJ's display or its own sandbox: noted, not read. */
const NOT_READ = ['wall_time_factor', 'output_prefix_length', 'short_circuit', 'meta'];
/** Keys caged cannot judge: the problem is refused as unsupported. */
const UNSUPPORTED: Record<string, string> = {
  file_io: "file input and output (DMOJ's judge-server reads no such key; the wire's fileIo judges named files)",
};
const KNOWN = new Set([
  'archive',
  'test_cases',
  'pretest_test_cases',
  'points',
  'checker',
  'interactive',
  'binary_data',
  'output_limit_length',
  'generator',
  'generator_args',
  'generator_in',
  'symlinks',
  'signature_grader',
  'custom_judge',
  'unbuffered',
  'hints',
  ...NOT_READ,
  ...Object.keys(UNSUPPORTED),
]);

type Raw = Record<string, unknown>;

/** A node of init.yml with its parents: a key absent here is looked up in them (DMOJ's ConfigNode). */
class Node {
  constructor(
    readonly raw: Raw,
    readonly parent: Node | null,
    readonly where: string,
  ) {}

  get(key: string): unknown {
    if (key in this.raw && this.raw[key] !== undefined) return this.raw[key];
    // DMOJ reads `a_b` as `a-b` too where the file spells it so.
    const dashed = key.replace(/_/g, '-');
    if (dashed !== key && dashed in this.raw) return this.raw[dashed];
    return this.parent ? this.parent.get(key) : undefined;
  }
}

function points(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new InvalidRequestError(`points must be a number ≥ 0 (got ${JSON.stringify(v)})`, where);
  return v;
}

function dataPath(v: unknown, key: string, where: string): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || v.includes('\0'))
    throw new InvalidRequestError(`${key} must be a file name (got ${JSON.stringify(v)})`, where);
  return v;
}

interface Built {
  children: GroupChild[];
  batches: number;
  cases: number;
  /** Every case's node, to check what cascades into it. */
  nodes: Node[];
}

/** Reads init.yml and what it names. */
export function readDmojPackage(files: DmojFiles): DmojParts {
  const text = files.read(INIT_YML).toString('utf8');
  // DMOJ reads it with PyYAML: YAML 1.1 (`yes` and `on` are true).
  const doc = parseYaml(text, INIT_YML, { version: '1.1' });
  if (!isMap(doc) || Object.keys(doc).length === 0)
    throw new InvalidRequestError('is empty or not a mapping: a DMOJ problem lists its test_cases there', INIT_YML);
  const notes: string[] = [];
  const unsupported: string[] = [];
  const root = new Node({ points: 1, ...doc }, null, INIT_YML);

  // Dynamic keys (`key+`, `key++`) are Python run by DMOJ's judge.
  const dynamic = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => dynamic(x, `${at}[${i}]`));
    else if (isMap(v))
      for (const [k, x] of Object.entries(v)) {
        if (k.endsWith('+')) unsupported.push(`${at ? `${at}.` : ''}${k} (a dynamic key: Python DMOJ's judge runs)`);
        dynamic(x, at ? `${at}.${k}` : k);
      }
  };
  dynamic(doc, '');
  for (const k of Object.keys(doc)) {
    const key = k.replace(/-/g, '_');
    if (key.endsWith('+')) continue;
    if (UNSUPPORTED[key]) unsupported.push(`${k}: ${UNSUPPORTED[key]}`);
    else if (NOT_READ.includes(key)) notes.push(`init.yml ${k} is not read by caged`);
    else if (!KNOWN.has(key)) notes.push(`init.yml ${k} is no key caged knows; not read`);
  }

  const archive = root.get('archive');
  if (archive !== undefined && archive !== null) {
    if (typeof archive !== 'string' || !archive || archive.includes('\0'))
      throw new InvalidRequestError('must be a file name', `${INIT_YML} archive`);
    files.useArchive(archive);
  }

  const rootTestCases = (key: 'test_cases' | 'pretest_test_cases'): Raw[] | null => {
    const v = root.raw[key] ?? root.raw[key.replace(/_/g, '-')];
    if (Array.isArray(v)) return v as Raw[];
    if (key === 'pretest_test_cases') {
      if (v === undefined || v === null) return null;
      throw new InvalidRequestError('must be a list of test cases', `${INIT_YML} ${key}`);
    }
    if (v !== undefined && v !== null && !isMap(v))
      throw new InvalidRequestError('must be a list of test cases, or a mapping of their formats', `${INIT_YML} ${key}`);
    // The regex form: the archive's file names matched.
    if (archive === undefined || archive === null)
      throw new InvalidRequestError(
        'gives no list of test cases, and only an archive has files to match their formats against',
        `${INIT_YML} ${key}`,
      );
    const node = new Node(isMap(v) ? v : {}, root, `${INIT_YML} ${key}`);
    const fmt = (k: string, dflt: string): RegExp => {
      const given = node.get(k);
      if (given !== undefined && given !== null && typeof given !== 'string')
        throw new InvalidRequestError(`${k} must be a regular expression`, node.where);
      return pythonRegex(typeof given === 'string' && given ? given : dflt, `${node.where} ${k}`);
    };
    const list = node.get('case_points');
    let k = 0;
    const casePoints = (): unknown => {
      if (list === undefined || list === null) return root.get('points');
      if (!Array.isArray(list)) throw new InvalidRequestError('case_points must be a list of points', node.where);
      if (k >= list.length)
        throw new InvalidRequestError(`case_points lists ${list.length} points, fewer than the cases and batches matched`, node.where);
      return list[k++];
    };
    return matchCases(
      files.archiveNames(),
      fmt('input_format', DEFAULT_INPUT_FORMAT),
      fmt('output_format', DEFAULT_OUTPUT_FORMAT),
      casePoints,
      node.where,
    );
  };

  const built: Built = { children: [], batches: 0, cases: 0, nodes: [] };
  const missing: string[] = [];
  const generators = new Map<string, DmojGenerator>();
  const generated: DmojGeneration[] = [];
  // Each case's DMOJ facts (a Python checker's case_position and batch): DMOJ numbers the
  // test_cases first and the pretests after them (Problem.cases), whatever order they run in.
  const order: { name: string; pretest: boolean; batch: number; binary: boolean }[] = [];
  const addCase = (node: Node, zero: boolean, batchPoints: number | null, batch: number): TestCase => {
    const n = ++built.cases;
    built.nodes.push(node);
    const given = { in: dataPath(node.get('in'), 'in', node.where), out: dataPath(node.get('out'), 'out', node.where) };
    const binary = yamlBool(node.get('binary_data'), `${node.where} binary_data`);
    // A generator makes what the case does not name (dmoj-generate.ts).
    const gen = node.get('generator');
    const genIn = gen !== undefined && gen !== null && given.in === null;
    const genOut = gen !== undefined && gen !== null && given.out === null;
    const inPath = genIn ? generatedPath(n, 'in') : (given.in ?? NO_DATA);
    const ansPath = genOut ? generatedPath(n, 'out') : (given.out ?? NO_DATA);
    for (const p of [given.in, given.out]) {
      if (p !== null && files.where(p) === null) missing.push(p);
      if (p !== null) files.markData(p, binary);
    }
    // A generator's input is given to it as it is (DMOJ reads it unnormalised).
    const genStdin = dataPath(node.get('generator_in'), 'generator_in', node.where);
    if (genStdin !== null && files.where(genStdin) === null) missing.push(genStdin);
    // Numbered as DMOJ numbers its cases (over the batches too): unique, whatever files they share.
    const file = given.in ?? given.out;
    const name = file !== null ? `case ${n} (${file})` : `case ${n}`;
    order.push({ name, pretest: zero, batch, binary });
    if (genIn || genOut) {
      const argsGiven = node.get('generator_args') !== undefined || node.get('generator_in') !== undefined;
      if (given.in !== null && argsGiven)
        throw new InvalidRequestError('gives in and also generator_args or generator_in: its input is ambiguous', node.where);
      const key = JSON.stringify(gen);
      let g = generators.get(key);
      if (!g) generators.set(key, (g = readGenerator(files, gen, `${node.where} generator`, notes)));
      generated.push({
        name,
        generator: g,
        args: generatorArgs(node.get('generator_args'), node.where) ?? g.args,
        stdinPath: genStdin,
        inPath: genIn ? inPath : null,
        ansPath: genOut ? ansPath : null,
        binary,
      });
    }
    // Its own points (cascaded): a batched case's are its batch's unless it gives its own. One
    // worth 0 ends the judging when rejected; in a batch it scores the batch's share.
    const own = points(node.get('points'), node.where);
    const worth = zero ? 0 : (batchPoints ?? own);
    const test: TestCase = { name, inPath, ansPath, maxScore: worth };
    stopping.set(test, batchPoints === null ? worth === 0 : own === 0);
    // `symlinks` (name → path) are links DMOJ makes in the submission's directory: one to
    // /dev/stdin, the usual one, is given as a copy of the input; any other is not judged.
    const links = node.get('symlinks');
    if (links !== undefined && links !== null) {
      if (!isMap(links)) throw new InvalidRequestError('symlinks must map names to paths', node.where);
      for (const [link, target] of Object.entries(links)) {
        if (!isRelativePath(link, 16, 4096))
          throw new InvalidRequestError(
            `symlinks ${JSON.stringify(link)} must be a relative path in the submission's directory`,
            node.where,
          );
        if (target === '/dev/stdin') (test.files ??= []).push({ path: link, rel: inPath });
        else unsupported.push(`symlinks ${link}: ${String(target)} (caged gives a link to /dev/stdin as a copy of the input, no other)`);
      }
    }
    return test;
  };
  /** Whether a rejected case ends the judging: DMOJ's `not case.points` (a pretest outside a batch is made worth 0). */
  const stopping = new Map<TestCase, boolean>();
  const addList = (list: Raw[], key: string, zero: boolean): void => {
    let local = 0;
    list.forEach((item, i) => {
      const where = `${INIT_YML} ${key}[${i}]`;
      if (!isMap(item)) throw new InvalidRequestError('must be a mapping (a test case or a batch)', where);
      const node = new Node(item, root, where);
      const batched = item.batched;
      if (batched === undefined || batched === null) {
        const test = addCase(node, zero, null, 0);
        built.children.push({ kind: 'test', test, ...(stopping.get(test) ? { stopsOnReject: true as const } : {}) });
        return;
      }
      if (!Array.isArray(batched) || batched.length === 0) throw new InvalidRequestError('batched must be a list of test cases', where);
      const number = ++built.batches;
      local++;
      const worth = zero ? 0 : points(node.get('points'), where);
      const deps = item.dependencies ?? [];
      if (!Array.isArray(deps) || deps.some((d) => !Number.isInteger(d)))
        throw new InvalidRequestError('dependencies must be a list of batch numbers', where);
      for (const d of deps as number[]) {
        if (d < 1) throw new InvalidRequestError('dependencies must be positive integers', where);
        if (d >= number) throw new InvalidRequestError(`batch ${number} depends on batch ${d}, which is not an earlier one`, where);
      }
      const group: TestGroup = {
        name: `batch ${number}`,
        settings: groupSettings({
          caseScores: true,
          onReject: 'break',
          aggregation: 'min',
          maxScore: worth,
          requirePass: (deps as number[]).map((d) => `batch ${d}`),
        }),
        children: [],
      };
      batched.forEach((c, j) => {
        const cw = `${where}.batched[${j}]`;
        if (!isMap(c)) throw new InvalidRequestError('must be a mapping (a test case)', cw);
        if (c.batched !== undefined) throw new InvalidRequestError('nests a batch in a batch', cw);
        // A batch scores its points (DMOJ's BatchedTestCase): its cases count as shares of them.
        const test = addCase(new Node(c, node, cw), zero, worth, local);
        group.children.push({ kind: 'test', test, ...(stopping.get(test) ? { stopsOnReject: true as const } : {}) });
      });
      // A pretest batch is worth 0, but its cases keep their own points (DMOJ zeroes the batch's
      // alone): a rejection in it ends the batch, not the judging.
      built.children.push({ kind: 'group', group });
    });
  };
  const pretests = rootTestCases('pretest_test_cases');
  if (pretests) addList(pretests, 'pretest_test_cases', true);
  addList(rootTestCases('test_cases')!, 'test_cases', false);
  if (built.cases === 0) throw new InvalidRequestError('lists no test case', `${INIT_YML} test_cases`);
  const mains = order.filter((o) => !o.pretest);
  const mainBatches = Math.max(0, ...mains.map((o) => o.batch));
  const cases: Record<string, DmojCase> = {};
  for (const [k, o] of mains.entries()) cases[o.name] = { position: k, batch: o.batch, binaryData: o.binary };
  for (const [k, o] of order.filter((x) => x.pretest).entries())
    cases[o.name] = { position: mains.length + k, batch: o.batch ? mainBatches + o.batch : 0, binaryData: o.binary };
  if (missing.length)
    throw new InvalidRequestError(
      `names ${missing.length} files the package does not hold${files.archiveNote()} (${[...new Set(missing)].slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`,
      INIT_YML,
    );

  // What cascades into a case but caged reads once for the problem.
  const top = (key: string): unknown => root.get(key);
  for (const key of ['checker', 'output_limit_length']) {
    const want = JSON.stringify(top(key) ?? null);
    const other = built.nodes.find((n) => JSON.stringify(n.get(key) ?? null) !== want);
    if (other) unsupported.push(`${other.where} ${key} (a ${key} of its own: caged reads one for the problem)`);
  }
  for (const n of built.nodes)
    for (const key of Object.keys(UNSUPPORTED))
      if (n.raw[key] !== undefined && !unsupported.some((u) => u.startsWith(`${n.where} ${key}`)))
        unsupported.push(`${n.where} ${key}: ${UNSUPPORTED[key]}`);

  const interactiveRaw = root.get('interactive');
  // DMOJ's custom judge grades alone (its grader_class): interactive, signature_grader and checker unused.
  const customJudge = root.raw.custom_judge ?? null;
  for (const n of built.nodes)
    if (n.raw.custom_judge !== undefined) unsupported.push(`${n.where} custom_judge (a case's own: DMOJ reads one for the problem)`);
  if (customJudge !== null)
    for (const k of ['interactive', 'signature_grader', 'checker'])
      if (root.raw[k] !== undefined) notes.push(`init.yml ${k} is not used: custom_judge grades`);
  const interactor =
    customJudge !== null
      ? readCustomJudge(files, customJudge, { id: path.basename(files.root), cases }, unsupported, notes)
      : interactiveRaw === undefined || interactiveRaw === null
        ? null
        : readInteractor(files, interactiveRaw, unsupported, notes);
  const checker = readChecker(files, top('checker'), unsupported, notes);
  const signatureRaw = customJudge === null ? root.raw.signature_grader : null;
  const signature = signatureRaw === undefined || signatureRaw === null ? null : readSignatureGrader(files, signatureRaw);
  if (signature && interactor) unsupported.push('signature_grader with interactive (DMOJ grades by the signature grader alone then)');
  const failure = (checker.kind === 'bridged' ? checker.invalidType : undefined) ?? interactor?.invalidType ?? null;
  if (failure) notes.push(`init.yml: ${failure}: every submission is judged IE, as DMOJ judges it`);

  const base = readProblemYaml('{}', path.basename(files.root), false);
  const outputLimit = top('output_limit_length');
  const outputMiB =
    outputLimit === undefined || outputLimit === null
      ? 24 // DMOJ's default output_limit_length, 25165824 bytes.
      : points(outputLimit, `${INIT_YML} output_limit_length`) / 2 ** 20;
  const config: ProblemConfig = {
    ...base,
    format: 'dmoj',
    name: path.basename(files.root),
    scoring: true,
    unsupported,
    validation: { kind: interactor ? 'interactive' : 'custom', interactive: interactor !== null, customScore: false },
    limits: { ...base.limits, outputMiB: Math.max(outputMiB, 1 / 2 ** 20), given: [] },
  };
  // Said once, however many cases share the key.
  config.unsupported = [...new Set(unsupported)];
  const data: TestGroup = {
    name: 'data',
    settings: groupSettings({ onReject: 'continue', caseScores: true, verdictRule: 'worst_error' }),
    children: built.children,
  };
  const unbuffered = root.raw.unbuffered === undefined ? false : yamlBool(root.raw.unbuffered, `${INIT_YML} unbuffered`);
  if (unbuffered)
    notes.push(
      "init.yml unbuffered: a C, C++ or Python submission runs with its stdout unbuffered (Java's System.out writes at every print); one in another language must flush",
    );
  const noBigMath = readHints(root.raw.hints, notes);
  return { config, data, files, checker, interactor, signature, unbuffered, noBigMath, failure, generated, cases, notes };
}

/**
 * init.yml `hints`, the flags DMOJ's judge gives its Java agent: `nobigmath` is read (true: a
 * Java submission may not use BigInteger or BigDecimal); `unsafe` (sun.misc.Unsafe allowed) and
 * `unicode` (the agent's UTF-8 stdout) change nothing here: caged never forbids Unsafe (the box's
 * memory limit holds it) and Java writes its default charset. Another hint is noted, not read.
 */
function readHints(raw: unknown, notes: string[]): boolean {
  if (raw === undefined || raw === null) return false;
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.some((h) => typeof h !== 'string'))
    throw new InvalidRequestError('must be a list of hint names', `${INIT_YML} hints`);
  const hints = list as string[];
  for (const h of hints)
    if (!['nobigmath', 'unsafe', 'unicode'].includes(h)) notes.push(`${INIT_YML} hints: ${h} is no hint caged knows; not read`);
  if (!hints.includes('nobigmath')) return false;
  notes.push(
    `${INIT_YML} hints nobigmath: a Java submission that uses java.math.BigInteger or BigDecimal fails before its main runs; Kotlin, Scala and Groovy ones are not checked`,
  );
  return true;
}
