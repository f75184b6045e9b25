/**
 * The wire's programs, apart from the rest of the submission schema (schema.ts): a file of a
 * program (a path that can be written into a box), a program's files (unique paths, a cap on
 * their number), and the checks a problem's own program gets (a custom checker, an output
 * validator, an interactor): exactly one of source and files, base64 well-formed, its entry one of its files,
 * its bytes within a cap of its own (16 MiB by default, apart from a submission's source cap).
 */
import { z } from 'zod';
import { refusedForEveryLanguage } from './compiler-options';
import { dmojFormatError } from './dmoj-args';
import { base64Text, encoding } from './wire-encoding';
import { isSourcePath, MAX_FILE_NAME_BYTES, MAX_SOURCE_PATH_BYTES, MAX_SOURCE_PATH_DIRS, pathClashes } from './source-path';

export const sourcePath = z.string().refine(isSourcePath, {
  message: `must be a file name, or names joined by "/" (none empty, "." or "..", or starting with "-"; at most ${MAX_SOURCE_PATH_DIRS} directories and ${MAX_SOURCE_PATH_BYTES} bytes; ${MAX_FILE_NAME_BYTES} bytes a name)`,
});

export const SourceFileSchema = z.strictObject({
  name: sourcePath,
  content: z.string(),
  encoding,
  /** Written executable (0755; else 0644): a helper script a program's scripts run as `./name`. */
  executable: z.boolean().optional(),
});

/** A program's files (1 to `max`): paths that can all be written into one box (pathClashes). */
export function filesSchema(max: number) {
  return z
    .array(SourceFileSchema)
    .min(1)
    .max(max)
    .superRefine((files, ctx) => {
      for (const c of pathClashes(files.map((f) => f.name))) {
        const message =
          'duplicate' in c
            ? `duplicate file name ${JSON.stringify(files[c.index]!.name)}`
            : `${JSON.stringify(files[c.index]!.name)} needs ${JSON.stringify(c.fileAsDir)}, a file, as a directory`;
        ctx.addIssue({ code: 'custom', path: [c.index, 'name'], message });
      }
    });
}
/** Default cap on a submission's number of files. */
export const DEFAULT_MAX_SOURCE_FILES = 64;
/**
 * A problem's own program's files (a custom checker, an output validator, an interactor): at most 1024, as a
 * package's validator directory may bring its data (a word list, test tables) beside its source.
 */
export const ProgramFilesSchema = filesSchema(1024);
/** Default cap on a problem's own program (a checker's, a validator's or an interactor's files together, decoded): 16 MiB. */
export const DEFAULT_MAX_PROGRAM_BYTES = 16 * 2 ** 20;

export function decodedLength(content: string, enc: 'utf8' | 'base64'): number {
  if (enc !== 'base64') return Buffer.byteLength(content, 'utf8');
  // What Buffer.from(content, 'base64') would hold, without decoding it: 3 bytes per 4
  // characters, less the padding (the wire's base64Text puts "=" only at the end).
  let pad = 0;
  while (pad < 2 && content.charCodeAt(content.length - 1 - pad) === 0x3d) pad++;
  return Math.floor(((content.length - pad) * 3) / 4);
}

/** Why a problem program's `entry` is wrong (a file of its `files`, not of a build/run program), or null. */
function entryIssue(p: {
  entry?: string | undefined;
  files?: ReadonlyArray<{ name: string }> | undefined;
  program?: string | undefined;
}): string | null {
  if (p.entry === undefined) return null;
  if (!p.files) return 'goes with "files", not "source"';
  if (p.program === 'build-run') return 'is not for a build/run program (its entry is "run")';
  return p.files.some((f) => f.name === p.entry) ? null : `names no file of "files": ${JSON.stringify(p.entry)}`;
}

/**
 * A problem program's (custom checker's, validator's, interactor's) sources: exactly one of source and files,
 * base64 well-formed, within the cap; its entry one of its files.
 */
export function checkProgramSize(
  v: {
    source?: string | undefined;
    files?: ReadonlyArray<z.output<typeof SourceFileSchema>> | undefined;
    entry?: string | undefined;
    program?: string | undefined;
  },
  at: string[],
  what: string,
  maxProgram: number,
  ctx: z.RefinementCtx,
): void {
  if ((v.source === undefined) === (v.files === undefined)) {
    ctx.addIssue({ code: 'custom', path: [...at, 'source'], message: 'give exactly one of "source" and "files"' });
    return;
  }
  const why = entryIssue(v);
  if (why) ctx.addIssue({ code: 'custom', path: [...at, 'entry'], message: why });
  let total = v.source === undefined ? 0 : Buffer.byteLength(v.source, 'utf8');
  v.files?.forEach((f, i) => {
    if (f.encoding === 'base64' && !base64Text.test(f.content))
      ctx.addIssue({ code: 'custom', path: [...at, 'files', i, 'content'], message: 'is not base64' });
    total += decodedLength(f.content, f.encoding);
  });
  if (total > maxProgram)
    ctx.addIssue({ code: 'custom', path: at, message: `the ${what}'s files are ${total} bytes, more than the ${maxProgram} allowed` });
}

/**
 * Options appended to a program's compile command (a submission's, a checker's, an interactor's):
 * at most 16, each 2-64 characters starting with "-"; the allow-list of the language's compiler
 * family is checked when the job is planned (compiler-options.ts).
 */
export const CompilerOptionsSchema = z
  .array(
    z
      .string()
      .min(2)
      .max(64)
      .regex(/^-[^\0]*$/, { message: 'must start with "-"' })
      .superRefine((option, ctx) => {
        const refused = refusedForEveryLanguage(option);
        if (refused) ctx.addIssue({ code: 'custom', message: refused });
      }),
  )
  .max(16);

/** The custom checker protocols of DMOJ's bridged checker (its contrib modules). */
export const DMOJ_BRIDGED: readonly string[] = ['dmoj-default', 'dmoj-testlib', 'dmoj-coci', 'dmoj-peg'];

/** A DMOJ bridged program's own arguments: at most 32 words, each Python format text over {input_file}, {output_file}, {answer_file}. */
export const DmojArgsSchema = z
  .array(
    z
      .string()
      .max(1024)
      .refine((w) => !w.includes('\0'), { message: 'must not hold NUL' })
      .superRefine((word, ctx) => {
        const why = dmojFormatError(word);
        if (why) ctx.addIssue({ code: 'custom', message: why });
      }),
  )
  .max(32);
