/**
 * What a Polygon package's own solution is expected to get, from its tag in problem.xml, as
 * Polygon checks its invocations: `main` and `accepted` every test accepted; `wrong-answer` (and
 * `presentation-error`, which caged judges WA) some test WA and the others accepted or WA;
 * `time-limit-exceeded` some TLE, the others accepted or TLE; `time-limit-exceeded-or-accepted`
 * accepted or TLE on each; `memory-limit-exceeded` some MLE; `time-limit-exceeded-or-memory-
 * limit-exceeded` some TLE or MLE; `rejected` some test not accepted. In the format's four
 * expectation verdicts (submissions-yaml.ts) caged's MLE is RTE, as the Kattis formats read it.
 * `failed` (the checker is to fail) and any other tag expect nothing: said in a note.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { PYTHON2 } from '../judge/languages';
import type { ExpectationVerdict } from './submissions-yaml';
import type { OwnExpectation } from './expected-results';
import type { PolygonSolution } from './polygon-package';
import { polygonLanguages } from './polygon-package';

const TAGS: Readonly<Record<string, { permitted: ExpectationVerdict[]; required: ExpectationVerdict[] }>> = {
  main: { permitted: ['AC'], required: ['AC'] },
  accepted: { permitted: ['AC'], required: ['AC'] },
  'wrong-answer': { permitted: ['AC', 'WA'], required: ['WA'] },
  'presentation-error': { permitted: ['AC', 'WA'], required: ['WA'] },
  'time-limit-exceeded': { permitted: ['AC', 'TLE'], required: ['TLE'] },
  'time-limit-exceeded-or-accepted': { permitted: ['AC', 'TLE'], required: [] },
  'memory-limit-exceeded': { permitted: ['AC', 'RTE'], required: ['RTE'] },
  'time-limit-exceeded-or-memory-limit-exceeded': { permitted: ['AC', 'TLE', 'RTE'], required: ['TLE', 'RTE'] },
  rejected: { permitted: ['AC', 'WA', 'TLE', 'RTE'], required: ['WA', 'TLE', 'RTE'] },
};

/**
 * The solution of `solutions` at `real` (the submission's path, its directories resolved) in the
 * package at `root`, or null: a solution's path is resolved too (a `solutions` folder that is a
 * link inside the package names the same files).
 */
export function polygonSolutionAt(solutions: readonly PolygonSolution[], root: string, real: string): PolygonSolution | null {
  const resolved = (rel: string): string => {
    const p = path.join(root, ...rel.split('/'));
    try {
      return path.join(fs.realpathSync(path.dirname(p)), path.basename(p));
    } catch {
      return p;
    }
  };
  return solutions.find((s) => s.path && resolved(s.path) === real) ?? null;
}

/** What the tag expects; null when it expects nothing caged can check. */
export function polygonExpectation(s: PolygonSolution): OwnExpectation | null {
  const t = TAGS[s.tag];
  if (!t) return null;
  return {
    kind: 'rules',
    from: `problem.xml tag ${s.tag}`,
    rules: {
      expectations: [
        {
          tests: null,
          testPattern: null,
          permitted: new Set(t.permitted),
          required: new Set(t.required),
          lower: false,
          upper: false,
          why: s.tag,
        },
      ],
    },
  };
}

/**
 * The solution's language among the image's (`ids`), by its source type; undefined when that
 * names none of them (the file ending decides). A Python 2 solution (`python.2`, `python.pypy2`)
 * is python2's; an image without python2 refuses it (Python 3 would judge another program).
 */
export function polygonSolutionLanguage(s: PolygonSolution, ids: readonly string[]): string | undefined {
  if (/^python\.(2|pypy2)/i.test(s.type)) {
    if (ids.includes(PYTHON2)) return PYTHON2;
    throw new InvalidRequestError(
      `${s.path} is Python 2 (problem.xml type ${s.type}), and this worker's image has no python2: give --lang to judge it otherwise`,
      'SUBMISSION',
    );
  }
  return polygonLanguages(s.type).find((l) => ids.includes(l));
}

/** The note for a solution whose tag expects nothing caged checks. */
export function uncheckedTagNote(s: PolygonSolution): string {
  return `problem.xml tags ${s.path} "${s.tag || '(none)'}", which caged does not check: its verdict is checked against nothing`;
}
