/**
 * File input and output on the wire (`fileIo`, docs/judging.md "File input and output"): the
 * names and what they cannot go with. The answer is read back by file-io.ts.
 */
import { z } from 'zod';
import { isName } from './source-path';

const ioFileName = z.string().refine(isName, { message: 'must be a plain file name (no "/", not "." or "..", at most 255 bytes)' });

/**
 * `fileIo`: the input's and the answer's file names in /box, at least one; `stdin: false` gives a
 * program reading its input from the file an empty standard input (as CMS runs it), where by
 * default the input is on standard input too.
 */
export const FileIoSchema = z.strictObject({ input: ioFileName.optional(), output: ioFileName.optional(), stdin: z.boolean().optional() });
export type FileIo = z.output<typeof FileIoSchema>;

/**
 * What file input and output cannot go with (fileIo). With `allowFileWriting: false`, an output
 * file is the one file the program may write (CMS's rule: test-step.ts, BoxSpec.onlyWritable).
 */
export function checkFileIo(
  s: {
    fileIo?: FileIo | undefined;
    problem?: unknown;
    interactor?: unknown;
    stderrToStdout?: boolean | undefined;
    allowFileWriting?: boolean | undefined;
    testcases: ReadonlyArray<{ files?: ReadonlyArray<{ path: string }> | undefined }>;
  },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: Array<string | number>, message: string): void => ctx.addIssue({ code: 'custom', path, message });
  const { input, output } = s.fileIo ?? {};
  if (input === undefined && output === undefined) issue(['fileIo'], 'name an input file, an output file or both');
  if (input === undefined && s.fileIo?.stdin !== undefined) issue(['fileIo', 'stdin'], 'is for an input file (fileIo.input)');
  if (input !== undefined && input === output) issue(['fileIo', 'output'], 'must not be the input file');
  if (s.problem !== undefined) issue(['fileIo'], "a problem package brings its own (Polygon's input-file and output-file)");
  if (s.interactor !== undefined) issue(['fileIo'], 'an interactive problem talks through standard input and output');
  if (output !== undefined && s.stderrToStdout) issue(['stderrToStdout'], 'the answer is read from the output file, not stdout');
  if (input !== undefined)
    s.testcases.forEach((t, i) =>
      t.files?.forEach((f, k) => {
        if (f.path === input || f.path.startsWith(`${input}/`))
          issue(['testcases', i, 'files', k, 'path'], `is the input file's place (fileIo.input ${JSON.stringify(input)})`);
      }),
    );
}
