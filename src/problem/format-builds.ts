/**
 * A package submission as its format builds it (judge-package.ts), after its code limit is
 * checked: the package's included files (`include/`, Kattis), DMOJ's builds (a signature
 * grader, unbuffering, nobigmath: dmoj-build.ts) and a CMS task's grader (cms-package.ts).
 */
import type { Language } from '../judge/languages';
import { withCmsGrader } from './cms-package';
import { asDmojBuilds } from './dmoj-build';
import type { PackageSubmission } from './package-submission';
import { includedFiles, withIncluded } from './package-sources';
import type { ProblemPackage } from './problem-package';

/** `code`: the format's code of the submission's language (which `include/<code>/` it gets). */
export function asFormatBuilds(pkg: ProblemPackage, s: PackageSubmission, language: Language, code: string): PackageSubmission {
  return withCmsGrader(pkg.cms, asDmojBuilds(pkg.dmoj, withIncluded(s, includedFiles(pkg, code), language), language), language);
}
