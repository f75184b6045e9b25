/**
 * A test's own input files on the wire (`testcases[].files`, part of the submission contract in
 * schema.ts): a problem package's `NAME.files`, laid over the box for that test only
 * (src/judge/test-files.ts).
 */
import { z } from 'zod';
import { isRelativePath, pathClashes } from './source-path';
import { base64Text, encoding } from './wire-encoding';

/** Most files a test may bring, and how deep below the working directory. */
export const MAX_TEST_FILES = 1000;
export const MAX_TEST_FILE_DEPTH = 16;

/**
 * A test's input file (a problem package's `NAME.files`): a relative path with "/" between its
 * components (each a name of at most 255 bytes, not `.` or `..`, no NUL), at most 16 deep and
 * 1024 bytes long. It is laid over the box for that test only (src/judge/test-files.ts).
 */
const testFilePath = z.string().refine((p) => isRelativePath(p, MAX_TEST_FILE_DEPTH, 1024), {
  message: 'must be a relative path of names (no empty, "." or ".." component, no NUL, at most 16 deep)',
});

export const TestFileSchema = z.strictObject({
  path: testFilePath,
  content: z.string(),
  encoding,
});

/** A test's files: base64 well-formed, each path given once and never both a file and a directory. */
export function checkTestFiles(files: ReadonlyArray<z.output<typeof TestFileSchema>>, at: (string | number)[], ctx: z.RefinementCtx): void {
  files.forEach((f, k) => {
    if (f.encoding === 'base64' && !base64Text.test(f.content))
      ctx.addIssue({ code: 'custom', path: [...at, k, 'content'], message: 'is not base64' });
  });
  for (const c of pathClashes(files.map((f) => f.path))) {
    const message =
      'duplicate' in c
        ? `duplicate path ${JSON.stringify(files[c.index]!.path)}`
        : `${JSON.stringify(c.fileAsDir)} is a file of this test, so it cannot also be a directory`;
    ctx.addIssue({ code: 'custom', path: [...at, c.index, 'path'], message });
  }
}
