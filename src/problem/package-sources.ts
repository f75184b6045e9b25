/**
 * A package submission's sources as the package judges them (judgePackage): the package's
 * constants substituted in its own example submissions, its included files added, and its
 * size against the package's code limit.
 */
import { singleSourceName } from '../judge/entry-point';
import type { Language } from '../judge/languages';
import type { PackageSubmission } from './package-submission';
import type { ProblemPackage } from './problem-package';
import { withConstants } from './problem-yaml';

/** The submission with the problem's constants substituted in its UTF-8 files: the package's own example submissions (2025-09). */
export function withPackageConstants(s: PackageSubmission, constants: ProblemPackage['config']['constants']): PackageSubmission {
  if (!Object.keys(constants).length) return s;
  const sub = (data: Buffer) => withConstants(data, constants);
  if (s.source !== undefined) {
    const bytes = sub(Buffer.from(s.source, s.sourceEncoding === 'base64' ? 'base64' : 'utf8'));
    return { ...s, source: bytes.toString('base64'), sourceEncoding: 'base64' };
  }
  return {
    ...s,
    files: (s.files ?? []).map((f) => ({
      ...f,
      content: sub(Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8')).toString('base64'),
      encoding: 'base64' as const,
    })),
  };
}

/** A file name the package format allows; others are to be treated as absent. */
const PACKAGE_NAME = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,254}$/;

/**
 * The package's included files for a submission whose language has the format's code `code`:
 * `include/<code>/`, else `include/default/` (the format: a language's directory overrides the
 * default), constants substituted; all its files and subdirectories, at their paths in it
 * (`unsigned/UnsignedLong.java`), as problemtools copies the directory.
 */
export function includedFiles(pkg: ProblemPackage, code: string): { name: string; data: Buffer }[] {
  const dir = pkg.files.kind(`include/${code}`) === 'dir' ? `include/${code}` : 'include/default';
  if (pkg.files.kind(dir) !== 'dir') return [];
  // A name the format does not allow (`.gitkeep`, `-x`) is ignored, as if it were not there (the format's rule).
  return pkg.files
    .filesBelow(dir, (name) => PACKAGE_NAME.test(name))
    .map((name) => ({ name, data: withConstants(pkg.files.read(`${dir}/${name}`), pkg.config.constants) }));
}

/**
 * `s` with `included` added to its files, replacing those of the same name (the format's rule); a
 * `source` saved under the name it has alone (singleSourceName: Java's public class's file).
 */
export function withIncluded(s: PackageSubmission, included: { name: string; data: Buffer }[], language: Language): PackageSubmission {
  if (!included.length) return s;
  const own =
    s.source !== undefined
      ? [
          {
            name: singleSourceName(language, Buffer.from(s.source, s.sourceEncoding === 'base64' ? 'base64' : 'utf8').toString('utf8')),
            content: s.source,
            encoding: s.sourceEncoding ?? ('utf8' as const),
          },
        ]
      : (s.files ?? []).map((f) => ({ ...f }));
  const names = new Set(included.map((f) => f.name));
  return {
    language: s.language,
    files: [
      ...own.filter((f) => !names.has(f.name)),
      ...included.map((f) => ({ name: f.name, content: f.data.toString('base64'), encoding: 'base64' as const })),
    ],
    ...(s.entry !== undefined ? { entry: s.entry } : {}),
  };
}

/** Bytes of a submission's sources (its one source, or every file). */
export function sourceBytes(s: {
  source?: string | undefined;
  sourceEncoding?: 'utf8' | 'base64' | undefined;
  files?: ReadonlyArray<{ content: string; encoding?: 'utf8' | 'base64' | undefined }> | undefined;
}): number {
  if (s.source !== undefined) return Buffer.from(s.source, s.sourceEncoding === 'base64' ? 'base64' : 'utf8').length;
  return (s.files ?? []).reduce((n, f) => n + Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8').length, 0);
}

/** Why a submission of `bytes` is over the package's code limit (problem.yaml's `code`, KiB), or null. */
export function overCodeLimit(pkg: ProblemPackage, bytes: number): string | null {
  const codeBytes = pkg.config.limits.codeKiB * 1024;
  return bytes > codeBytes ? `is ${bytes} bytes, more than the package's code limit of ${codeBytes}` : null;
}
