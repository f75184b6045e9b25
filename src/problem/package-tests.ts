/**
 * What judge-package.ts needs around a package's tests: a file as the wire carries it, a
 * result's output cut to its share of the report, a static validation test's hook, and the
 * largest test, which a job's directories are sized by.
 */
import { InvalidRequestError } from '../errors';
import type { JudgeHooks, TestBounds } from '../judge/judge';
import type { packageLimits } from './package-limits';
import type { PackageProgram } from './package-validator';
import type { ProblemPackage } from './problem-package';

/** `data` as a wire field: UTF-8 text when it is, else base64. */
export function field(data: Buffer): { text: string; encoding: 'utf8' | 'base64' } {
  const text = data.toString('utf8');
  return Buffer.from(text, 'utf8').equals(data) ? { text, encoding: 'utf8' } : { text: data.toString('base64'), encoding: 'base64' };
}

/** A result's output (text or base64) cut to `bytes`. */
export function cut(text: string, encoding: 'utf8' | 'base64', truncated: boolean, bytes: number): { text: string; truncated: boolean } {
  const max = encoding === 'base64' ? Math.floor((bytes * 4) / 3 / 4) * 4 : bytes;
  return text.length > max ? { text: text.slice(0, max), truncated: true } : { text, truncated };
}

/** JudgeHooks.staticValidation for a static validation test case with `args`. */
export function staticHook(
  v: PackageProgram | null,
  code: string,
  args: string[],
  limits: ReturnType<typeof packageLimits>['helperLimits'],
  compileLimits: ReturnType<typeof packageLimits>['helperCompileLimits'],
): NonNullable<JudgeHooks['staticValidation']> {
  // test-data.ts refuses a static validation test case without a static validator.
  if (!v || !limits) throw new InvalidRequestError('the package has no static validator', 'static_validator');
  return {
    languageCode: code,
    validator: { type: 'validator', ...v, flags: args, limits, compileLimits },
  };
}

/**
 * The largest test of the package, as the wire carries it (base64, the longer form): what the
 * job's directories are sized by. A multi-pass test's later inputs are at most `nextPassBytes`.
 */
export function testBounds(pkg: ProblemPackage, nextPassBytes: number): TestBounds {
  const wire = (bytes: number) => Math.ceil(bytes / 3) * 4;
  let testBytes = 0;
  let filesBytes = 0;
  const walk = (g: ProblemPackage['data']): void => {
    for (const c of g.children) {
      if (c.kind === 'group') {
        walk(c.group);
        continue;
      }
      const t = c.test;
      if (t.staticValidation) continue;
      const input = Math.max(pkg.files.size(t.inPath), nextPassBytes);
      testBytes = Math.max(testBytes, wire(input) + wire(pkg.files.size(t.ansPath)));
      // The input is one more file of the test's box when the problem reads it from a file.
      const inputFile = pkg.config.fileIo?.input !== undefined ? input + 4096 : 0;
      if (t.files?.length || inputFile)
        filesBytes = Math.max(
          filesBytes,
          (t.files ?? []).reduce((n, f) => n + pkg.files.size(f.rel) + 4096, inputFile),
        );
    }
  };
  walk(pkg.data);
  return { testBytes, filesBytes };
}
