/**
 * A submission as DMOJ's judge builds it for a problem (judge-package.ts): with the problem's
 * signature grader (dmoj-signature.ts), and with its stdout unbuffered when init.yml says
 * `unbuffered: true`.
 */
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { Language } from '../judge/languages';
import { unbufferedSource } from './dmoj-init-checker';
import { withSignatureGrader, type DmojSignature } from './dmoj-signature';
import type { PackageSubmission } from './package-submission';
import { withIncluded } from './package-sources';

/**
 * DMOJ's `unbuffered: true` (its executors' setbufsize agent): a C or C++ submission compiled
 * with a source that unbuffers its stdout before main, beside its own sources (a file of its own
 * by that name is refused); another language as it is (the package notes that it must flush).
 */
export function withUnbuffered<S extends PackageSubmission>(on: boolean, s: S, language: Language): S {
  const added = on ? unbufferedSource(path.extname(language.sourceFile).slice(1)) : null;
  if (!added || !language.compile) return s;
  if (s.files?.some((f) => f.name === added.name))
    throw new InvalidRequestError(`names a file ${added.name}, which caged adds (init.yml unbuffered)`, 'SUBMISSION');
  // What else it carries (a signature grader's compiler option) stays.
  const { source: _source, sourceEncoding: _encoding, ...rest } = s;
  return { ...rest, ...withIncluded(s, [added], language) } as S;
}

/** A submission as DMOJ builds it for the problem: with its signature grader, unbuffered when it says so; else as it is. */
export function asDmojBuilds(
  dmoj: { signature: DmojSignature | null; unbuffered: boolean } | undefined,
  s: PackageSubmission,
  language: Language,
): PackageSubmission & { compilerOptions?: string[] } {
  return withUnbuffered(dmoj?.unbuffered === true, withSignatureGrader(dmoj?.signature ?? null, s, language), language);
}
