/**
 * Loads a Polygon package (Codeforces Polygon's export, what Codeforces, many olympiads and
 * courses keep their problems in): `problem.xml` at its root, read into the same ProblemPackage
 * the Kattis formats give (problem-package.ts), so that every front judges it alike.
 *
 *   - The judged testset is the one named `tests` (Polygon's; a package with none has its first).
 *     Its `time-limit` (ms) and `memory-limit` (bytes) are the problem's limits. Test i's input
 *     and answer are `input-path-pattern` and `answer-path-pattern` with i (from 1) put for their
 *     `%d`/`%0Nd`: a full package holds them all. A standard package does not hold generated
 *     tests (its doall.sh makes them), so a missing file is refused, saying so.
 *   - Points: when a test or a group has a `points` attribute, the problem is scoring. A test
 *     scores its points when accepted. A group of `points-policy` `each-test` scores the sum of
 *     its accepted tests' points; `complete-group` its points (the group's `points`, else the sum
 *     of its tests') when every test is accepted, else 0 (its tests after a rejection are not
 *     run). A group with `dependencies` runs only when each group it depends on (an earlier one)
 *     passed whole; else its tests are SKIPPED and it scores 0. The problem scores the sum. A
 *     checker's (or interactor's) partial points (testlib's quitp) are points of the test, or a
 *     percentage of them with `judging treat-points-from-checker-as-percent` (testlib-programs.ts).
 *     Without points, the tests run in order and the first rejection ends the judging and gives
 *     the verdict, as Codeforces judges.
 *   - The checker (`assets/checker`) and the interactor (`assets/interactor`) are testlib
 *     programs run with testlib's protocol: the source with the headers beside it (testlib.h,
 *     which the package brings), in the language its `type` names (`cpp.g++17` → cpp17…). A
 *     package without a checker is validated as the default validator does (tokens).
 *   - The solutions (`assets/solutions`) with their tags are what `caged judge` expects of each
 *     (polygon-solutions.ts).
 *
 * A problem reading or writing named files (`judging input-file`/`output-file`) is judged with
 * the wire's `fileIo`: the input in that file (and on standard input), the answer read from the
 * output file; an interactive one with them is refused as unsupported.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { isName } from '../judge/source-path';
import { groupSettings } from '../judge/group-grading';
import { PYTHON2 } from '../judge/languages';
import { FORMAT_CODE_OF_EXTENSION, HEADER_EXTENSIONS } from './extensions';
import type { PackageFiles } from './package-files';
import type { PackageValidator } from './package-validator';
import { readProblemYaml, type ProblemConfig } from './problem-yaml';
import type { TestCase, TestGroup } from './test-data';
import { child, childrenNamed, parseXml, type XmlElement } from './xml-file';

export const PROBLEM_XML = 'problem.xml';

/** A solution of the package, as problem.xml lists it. */
export interface PolygonSolution {
  /** In the package, "/"-separated. */
  path: string;
  /** Polygon's tag: main, accepted, wrong-answer, time-limit-exceeded, … */
  tag: string;
  /** Polygon's source type (`cpp.g++17`); empty when not given. */
  type: string;
}

export interface PolygonParts {
  config: ProblemConfig;
  data: TestGroup;
  timeLimitS: number;
  checker: PackageValidator | null;
  interactor: PackageValidator | null;
  /** `judging treat-points-from-checker-as-percent`: the checker's and interactor's points are percentages. */
  pointsAsPercent: boolean;
  solutions: PolygonSolution[];
  notes: string[];
}

/** A package is read as Polygon's when it has problem.xml and no problem.yaml. */
export function isPolygonPackage(files: PackageFiles): boolean {
  return files.kind(PROBLEM_XML) === 'file' && files.kind('problem.yaml') !== 'file';
}

/**
 * Polygon's source types → caged's languages, best first (the image's first one is taken):
 * `cpp.g++17`, `cpp.gcc13-64-winlibs-g++20`, `cpp.gcc14-64-msys2-g++23`… by the standard they
 * name (C++23 is GCC 12's C++23 draft, else C++20), `python.3`, `python.2` (python2 alone),
 * `java11`, `pas.fpc`…
 */
export function polygonLanguages(type: string): string[] {
  const t = type.toLowerCase();
  const family = t.split('.')[0]!;
  if (family === 'cpp') {
    const std = /\+\+(\d\d)/.exec(t)?.[1];
    const order = ['cpp17', 'cpp20', 'cpp14', 'cpp11'];
    if (std === '11') return ['cpp11', ...order];
    if (std === '14') return ['cpp14', ...order];
    if (std === '20') return ['cpp20', ...order];
    if (std === '23') return ['cpp23', 'cpp20', ...order];
    return order;
  }
  if (family === 'c') return ['c11', 'c'];
  if (family === 'python') {
    // Python 2 (`python.2`, `python.pypy2`) is never run as Python 3: an image without python2 refuses it (programOf).
    if (/^python\.(2|pypy2)/.test(t)) return [PYTHON2];
    return t.includes('pypy3') ? ['pypy3', 'python3'] : t.endsWith('.3') || t.includes('3') ? ['python3'] : [];
  }
  if (t.startsWith('java')) return ['java'];
  if (t.startsWith('kotlin')) return ['kotlin'];
  if (family === 'pas') return ['pascal'];
  if (family === 'csharp') return ['csharp'];
  if (family === 'js') return ['javascript'];
  const same = ['go', 'rust', 'ruby', 'd', 'haskell', 'scala', 'perl', 'php', 'ocaml'];
  return same.includes(family) ? [family] : [];
}

function intAttr(el: XmlElement, key: string, where: string): number | null {
  const v = el.attributes[key];
  if (v === undefined) return null;
  const n = Number(v);
  if (!v.trim() || !Number.isFinite(n) || n < 0) throw new InvalidRequestError(`${key}="${v}" is not a number ≥ 0`, where);
  return n;
}

function number(el: XmlElement | null, what: string): number {
  const text = el?.text.trim() ?? '';
  const n = Number(text);
  if (!el || !text || !Number.isFinite(n) || n <= 0)
    throw new InvalidRequestError(`${what} must be a positive number (got ${JSON.stringify(text)})`, PROBLEM_XML);
  return n;
}

/** A path pattern with test number `i` put in for its one `%d` or `%0Nd` (`%%` is a %). */
export function testPath(pattern: string, i: number, what: string): string {
  let out = '';
  let used = false;
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const m = /^%(?:%|(0?)(\d{0,2})d)/.exec(pattern.slice(k, k + 5));
    if (!m || (m[0] !== '%%' && used))
      throw new InvalidRequestError(`${what} ${JSON.stringify(pattern)} must hold one %d or %0Nd`, PROBLEM_XML);
    if (m[0] === '%%') out += '%';
    else {
      out += String(i).padStart(m[2] ? Number(m[2]) : 0, m[1] ? '0' : ' ');
      used = true;
    }
    k += m[0].length - 1;
  }
  if (!used) throw new InvalidRequestError(`${what} ${JSON.stringify(pattern)} must hold one %d or %0Nd`, PROBLEM_XML);
  return out;
}

/**
 * A program of the package (`el` holds its <source>; `role` its place, for messages:
 * assets/checker…): its source, with the headers beside it (testlib.h) and those problem.xml lists
 * as resources, flat by name.
 */
export function testlibProgram(files: PackageFiles, el: XmlElement | null, role: string, resources: string[]): PackageValidator | null {
  if (!el) return null;
  const source = child(el, 'source');
  const rel = source?.attributes.path;
  const where = `${PROBLEM_XML} ${role}`;
  if (!rel) throw new InvalidRequestError(`has no <source path="…">`, where);
  if (files.kind(rel) !== 'file') throw new InvalidRequestError(`names ${rel}, which is not a file of the package`, where);
  const name = path.posix.basename(rel);
  const code = FORMAT_CODE_OF_EXTENSION[path.extname(name)];
  if (!code) throw new InvalidRequestError(`${rel}: caged cannot tell the language of its file ending`, where);
  const dir = path.posix.dirname(rel);
  const headers = new Map<string, string>();
  const beside = dir === '.' ? files.list('') : files.list(dir);
  for (const e of beside)
    if (e.kind === 'file' && HEADER_EXTENSIONS.has(path.extname(e.name))) headers.set(e.name, dir === '.' ? e.name : `${dir}/${e.name}`);
  for (const r of resources)
    if (HEADER_EXTENSIONS.has(path.extname(r)) && !headers.has(path.posix.basename(r))) headers.set(path.posix.basename(r), r);
  headers.delete(name);
  const data = files.read(rel);
  if (/#\s*include\s*["<]testlib\.h[">]/.test(data.toString('latin1')) && !headers.has('testlib.h'))
    throw new InvalidRequestError(`${rel} includes testlib.h, which the package does not hold beside it or among its resources`, where);
  const type = source.attributes.type ?? '';
  const ids = polygonLanguages(type);
  return {
    dir: rel,
    program: 'source',
    code,
    files: [{ name, data }, ...[...headers].map(([n, r]) => ({ name: n, data: files.read(r) }))],
    entry: name,
    ...(ids.length ? { languageIds: ids } : {}),
  };
}

/** The judged testset of problem.xml (see the top of this file). */
export interface PolygonTestset {
  name: string;
  timeLimitS: number;
  memoryBytes: number;
  /** Its <test> elements, in order (test i is the (i-1)th). */
  tests: XmlElement[];
  /** Test i's input and answer paths in the package. */
  inPath: (i: number) => string;
  ansPath: (i: number) => string;
  el: XmlElement;
}

const EMPTY: XmlElement = { name: '', attributes: {}, children: [], text: '' };

/** Cap on problem.xml's size: Polygon's are kilobytes; a test list of 100 000 tests is under 8 MiB. */
export const MAX_PROBLEM_XML_BYTES = 16 * 2 ** 20;

/** problem.xml's root element, checked. */
export function readProblemXml(files: PackageFiles): XmlElement {
  const size = files.size(PROBLEM_XML);
  if (size > MAX_PROBLEM_XML_BYTES)
    throw new InvalidRequestError(`is ${size} bytes, more than the ${MAX_PROBLEM_XML_BYTES} read`, PROBLEM_XML);
  const root = parseXml(files.read(PROBLEM_XML).toString('utf8'), PROBLEM_XML);
  if (root.name !== 'problem') throw new InvalidRequestError(`its root element is <${root.name}>, not <problem>`, PROBLEM_XML);
  return root;
}

/** The judged testset: the one named `tests`, else the first. */
export function readTestset(root: XmlElement): PolygonTestset {
  const judging = child(root, 'judging');
  if (!judging) throw new InvalidRequestError('has no <judging>', PROBLEM_XML);
  const testsets = childrenNamed(judging, 'testset');
  const testset = testsets.find((t) => t.attributes.name === 'tests') ?? testsets[0];
  if (!testset) throw new InvalidRequestError('has no <judging><testset>', PROBLEM_XML);
  const name = testset.attributes.name ?? 'tests';
  const count = number(child(testset, 'test-count'), `testset ${name} test-count`);
  const tests = childrenNamed(child(testset, 'tests') ?? EMPTY, 'test');
  if (tests.length !== count)
    throw new InvalidRequestError(`testset ${name} lists ${tests.length} tests but its test-count is ${count}`, PROBLEM_XML);
  const inPattern = child(testset, 'input-path-pattern')?.text.trim() ?? '';
  const ansPattern = child(testset, 'answer-path-pattern')?.text.trim() ?? '';
  // Checked once here, so that a bad pattern is refused whatever the number of tests.
  testPath(inPattern, 1, 'input-path-pattern');
  testPath(ansPattern, 1, 'answer-path-pattern');
  return {
    name,
    timeLimitS: number(child(testset, 'time-limit'), `testset ${name} time-limit`) / 1000,
    memoryBytes: number(child(testset, 'memory-limit'), `testset ${name} memory-limit`),
    tests,
    inPath: (i) => testPath(inPattern, i, 'input-path-pattern'),
    ansPath: (i) => testPath(ansPattern, i, 'answer-path-pattern'),
    el: testset,
  };
}

/** The files problem.xml lists as resources (`files/resources/file`) that the package holds. */
export function resourcesOf(files: PackageFiles, root: XmlElement): string[] {
  return childrenNamed(child(child(root, 'files') ?? EMPTY, 'resources') ?? EMPTY, 'file')
    .map((f) => f.attributes.path ?? '')
    .filter((p) => p && files.kind(p) === 'file');
}

/**
 * `judging input-file`/`output-file`: the names of the files the program reads its input from
 * and writes its answer to, in its working directory; empty (or `stdin`/`stdout`) for standard
 * input and output. A name that is not a plain file name is noted in `unsupported`.
 */
export function readFileIo(judging: XmlElement, unsupported: string[]): ProblemConfig['fileIo'] {
  const io: { input?: string; output?: string } = {};
  for (const [key, field, standard] of [
    ['input-file', 'input', 'stdin'],
    ['output-file', 'output', 'stdout'],
  ] as const) {
    const v = (judging.attributes[key] ?? '').trim();
    if (!v || v === standard) continue;
    if (!isName(v)) unsupported.push(`judging ${key}="${v}" (not a plain file name)`);
    else io[field] = v;
  }
  if (io.input !== undefined && io.input === io.output) {
    unsupported.push(`judging input-file and output-file are both "${io.input}"`);
    return undefined;
  }
  return io.input !== undefined || io.output !== undefined ? io : undefined;
}

/** Reads problem.xml and the tests it names. */
export function readPolygonPackage(files: PackageFiles): PolygonParts {
  const root = readProblemXml(files);
  const notes: string[] = [];
  const set = readTestset(root);
  // readTestset refused a problem.xml without one.
  const judging = child(root, 'judging')!;
  const testset = set.el;
  const setName = set.name;
  const unsupported: string[] = [];
  const fileIo = readFileIo(judging, unsupported);
  const { timeLimitS, memoryBytes, tests } = set;

  const groupEls = childrenNamed(child(testset, 'groups') ?? EMPTY, 'group');
  const scoring = tests.some((t) => t.attributes.points !== undefined) || groupEls.some((g) => g.attributes.points !== undefined);
  const groupOf = new Map(groupEls.map((g) => [g.attributes.name ?? '', g]));

  const rootGroup: TestGroup = {
    name: 'data',
    settings: groupSettings(scoring ? { onReject: 'continue', caseScores: true } : {}),
    children: [],
  };
  const made = new Map<string, TestGroup>();
  const missing: string[] = [];
  tests.forEach((t, k) => {
    const where = `${PROBLEM_XML} testset ${setName} test ${k + 1}`;
    const inPath = set.inPath(k + 1);
    const ansPath = set.ansPath(k + 1);
    for (const p of [inPath, ansPath]) {
      if (files.kind(p) !== 'file') missing.push(p);
      // A package made for Windows (standard, or a full Windows one) ends its tests' lines with CR LF.
      files.markUnixText(p);
    }
    const test: TestCase = { name: inPath, inPath, ansPath };
    const points = intAttr(t, 'points', where);
    if (scoring) test.maxScore = points ?? 0;
    const g = t.attributes.group;
    if (!scoring || g === undefined || g === '') {
      rootGroup.children.push({ kind: 'test', test });
      return;
    }
    let group = made.get(g);
    if (!group) {
      const el = groupOf.get(g);
      if (!el) notes.push(`group ${g} is not among testset ${setName}'s <groups>: its tests score each their own points`);
      const complete = el?.attributes['points-policy'] === 'complete-group';
      const deps = el ? childrenNamed(child(el, 'dependencies') ?? el, 'dependency').map((d) => d.attributes.group ?? '') : [];
      for (const d of deps)
        if (!made.has(d))
          throw new InvalidRequestError(
            `group ${g} depends on group ${d}, which ${tests.some((x) => x.attributes.group === d) ? 'comes after it' : 'has no test'}: caged judges the groups in their tests' order`,
            PROBLEM_XML,
          );
      group = {
        name: `group ${g}`,
        settings: groupSettings({
          caseScores: true,
          onReject: complete ? 'break' : 'continue',
          aggregation: complete ? 'pass-fail' : 'sum',
          requirePass: deps.map((d) => `group ${d}`),
        }),
        children: [],
      };
      made.set(g, group);
      rootGroup.children.push({ kind: 'group', group });
    }
    if (group.settings.aggregation === 'pass-fail') test.passFail = true;
    group.children.push({ kind: 'test', test });
  });
  // A complete group's points: its own, else its tests'.
  for (const [g, group] of made) {
    if (group.settings.aggregation !== 'pass-fail') continue;
    const own = intAttr(groupOf.get(g)!, 'points', `${PROBLEM_XML} group ${g}`);
    group.settings.maxScore = own ?? group.children.reduce((n, c) => n + (c.kind === 'test' ? (c.test.maxScore ?? 0) : 0), 0);
  }
  if (missing.length)
    throw new InvalidRequestError(
      `testset ${setName} names ${missing.length} files the package does not hold (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): a standard package holds no generated tests; give the full package, or make them with caged problem generate DIR (or its doall.sh)`,
      PROBLEM_XML,
    );

  const resources = resourcesOf(files, root);
  const assets = child(root, 'assets');
  const checker = assets ? testlibProgram(files, child(assets, 'checker'), 'assets/checker', resources) : null;
  const interactor = assets ? testlibProgram(files, child(assets, 'interactor'), 'assets/interactor', resources) : null;
  const solutions = childrenNamed(child(assets ?? root, 'solutions') ?? root, 'solution').map((s) => {
    const src = child(s, 'source');
    return { path: src?.attributes.path ?? '', tag: s.attributes.tag ?? '', type: src?.attributes.type ?? '' };
  });

  // The format's defaults for the limits a Polygon package does not give (compilation, validation).
  const base = readProblemYaml('{}', path.basename(files.root), false);
  const names = childrenNamed(child(root, 'names') ?? root, 'name');
  const name =
    (names.find((n) => n.attributes.language === 'english') ?? names[0])?.attributes.value ?? root.attributes['short-name'] ?? base.name;
  const interactive = interactor !== null;
  if (interactive && fileIo)
    unsupported.push('judging input-file/output-file in an interactive problem (its interactor talks through standard input and output)');
  const config: ProblemConfig = {
    ...base,
    ...(fileIo ? { fileIo } : {}),
    // The answer is a file the program writes in its working directory.
    ...(fileIo?.output !== undefined ? { allowFileWriting: true } : {}),
    format: 'polygon',
    name,
    scoring,
    unsupported,
    validation: { kind: interactive ? 'interactive' : checker ? 'custom' : 'default', interactive, customScore: false },
    limits: { ...base.limits, timeLimitS, memoryMiB: memoryBytes / 2 ** 20, given: ['time_limit', 'memory'] },
  };
  const pointsAsPercent = judging.attributes['treat-points-from-checker-as-percent'] === 'true';
  return { config, data: rootGroup, timeLimitS, checker, interactor, pointsAsPercent, solutions, notes };
}
