/**
 * A submission as DMOJ's judge builds it for a problem (judge-package.ts): with the problem's
 * signature grader (dmoj-signature.ts), with its stdout unbuffered when init.yml says
 * `unbuffered: true`, and a Java one without BigInteger under `hints: [nobigmath]` (dmoj-java.ts).
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { takesEntry } from '../judge/language-command';
import type { Language } from '../judge/languages';
import { unbufferedPython, unbufferedSource } from './dmoj-init-checker';
import { withNoBigMath } from './dmoj-java';
import { withSignatureGrader, type DmojSignature } from './dmoj-signature';
import type { PackageSubmission } from './package-submission';
import { withIncluded } from './package-sources';

/**
 * DMOJ's `unbuffered: true`: a C or C++ submission compiled with a source that unbuffers its
 * stdout before main (its executors' setbufsize agent), beside its own sources; a Python one
 * (`python2`, `python3`, `pypy3`… : a `.py` entry) run through a loader that does what
 * DMOJ's `python -u` does. A file of its own by the added name is refused. Another language as
 * it is: Java's System.out already flushes at every print, another must flush (the package notes it).
 */
export function withUnbuffered<S extends PackageSubmission>(on: boolean, s: S, language: Language): S {
  if (!on || !language.compile) return s;
  const python = path.extname(language.sourceFile) === '.py' && takesEntry(language);
  const entry = s.entry ?? language.sourceFile;
  const added = python ? unbufferedPython(entry) : unbufferedSource(path.extname(language.sourceFile).slice(1));
  if (!added) return s;
  if (s.files?.some((f) => f.name === added.name))
    throw new InvalidRequestError(`names a file ${added.name}, which caged adds (init.yml unbuffered)`, 'SUBMISSION');
  // What else it carries (a signature grader's compiler option) stays.
  const { source: _source, sourceEncoding: _encoding, ...rest } = s;
  const built = { ...rest, ...withIncluded(s, [added], language) } as S;
  return python ? { ...built, entry: added.name } : built;
}

/**
 * A submission as DMOJ builds it for the problem: with its signature grader, unbuffered when it
 * says so, a Java one under hints nobigmath (dmoj-java.ts); else as it is.
 */
export function asDmojBuilds(
  dmoj: { signature: DmojSignature | null; unbuffered: boolean; noBigMath: boolean } | undefined,
  s: PackageSubmission,
  language: Language,
): PackageSubmission & { compilerOptions?: string[] } {
  const built = withUnbuffered(dmoj?.unbuffered === true, withSignatureGrader(dmoj?.signature ?? null, s, language), language);
  return withNoBigMath(dmoj?.noBigMath === true, built, language);
}
