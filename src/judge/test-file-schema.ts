/**
 * A test's own input files on the wire (`testcases[].files`, part of the submission contract in
 * schema.ts): a problem package's `NAME.files`, laid over the box for that test only
 * (src/judge/test-files.ts).
 */
import { z } from 'zod';
import { base64Text, encoding } from './wire-encoding';

/** Most files a test may bring, and how deep below the working directory. */
export const MAX_TEST_FILES = 1000;
export const MAX_TEST_FILE_DEPTH = 16;

/**
 * A test's input file (a problem package's `NAME.files`): a relative path with "/" between its
 * components (each a name of at most 255 bytes, not `.` or `..`, no NUL), at most 16 deep and
 * 1024 bytes long. It is laid over the box for that test only (src/judge/test-files.ts).
 */
const testFilePath = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (p) =>
      !p.includes('\0') &&
      p.split('/').length <= MAX_TEST_FILE_DEPTH &&
      p.split('/').every((c) => !['', '.', '..'].includes(c) && Buffer.byteLength(c) <= 255),
    {
      message: 'must be a relative path of names (no empty, "." or ".." component, no NUL, at most 16 deep)',
    },
  );

export const TestFileSchema = z.strictObject({
  path: testFilePath,
  content: z.string(),
  encoding,
});

/** A test's files: base64 well-formed, each path given once and never both a file and a directory. */
export function checkTestFiles(files: ReadonlyArray<z.output<typeof TestFileSchema>>, at: (string | number)[], ctx: z.RefinementCtx): void {
  const paths = new Set(files.map((f) => f.path));
  const seen = new Set<string>();
  files.forEach((f, k) => {
    const issue = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [...at, k, key], message });
    if (f.encoding === 'base64' && !base64Text.test(f.content)) issue('content', 'is not base64');
    if (seen.has(f.path)) issue('path', `duplicate path ${JSON.stringify(f.path)}`);
    seen.add(f.path);
    const parts = f.path.split('/');
    const dirs = parts.slice(1).map((_, n) => parts.slice(0, n + 1).join('/'));
    const file = dirs.find((d) => paths.has(d));
    if (file !== undefined) issue('path', `${JSON.stringify(file)} is a file of this test, so it cannot also be a directory`);
  });
}
