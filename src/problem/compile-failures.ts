/**
 * What a jury's program failing in one language and not another looks like from its result:
 * the compiler's first error, and a Python run error of the kind an older Python raises for a
 * program written for a newer one (judgePackage judges such a Python file with CPython where
 * the image's PyPy is older).
 */
import type { JudgeResult } from '../judge/schema';
import { headOf } from '../judge/text-head';

/** The exceptions a program written for a newer Python raises under an older one. */
const NEWER_PYTHON_ERROR = /^(AttributeError|ImportError|ModuleNotFoundError|NameError|TypeError): /;

/** A test's run error whose stderr ends in such an exception ("secret/1: AttributeError: …"), or null. */
export function newerPythonError(r: JudgeResult): string | null {
  for (const t of r.tests) {
    if (t.verdict !== 'RE' || t.stderrEncoding !== 'utf8') continue;
    const last = t.stderr.trimEnd().split('\n').at(-1)?.trim() ?? '';
    if (NEWER_PYTHON_ERROR.test(last))
      return `${t.name ?? `test ${t.index + 1}`} raises ${last.length > 200 ? `${headOf(last, 200)}…` : last}`;
  }
  return null;
}

/** The first line of a compile's output that names an error (else its first line), at most 200 characters. */
export function compilerFirstError(r: JudgeResult): string {
  const lines = (r.compile?.output ?? '').split('\n').map((l) => l.trim());
  const first = lines.find((l) => /error/i.test(l)) ?? lines.find((l) => l !== '') ?? 'no compiler output';
  return first.length > 200 ? `${headOf(first, 200)}…` : first;
}
