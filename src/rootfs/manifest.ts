/**
 * The image manifest: the JSON that `images/build.sh` writes next to each image tarball
 * (`manifest.json`) and that the judge reads to learn what the image is and which languages it
 * carries. This schema is the contract; the build's writer is `images/lib/image-tool.js`.
 *
 * Commands are argv arrays (no shell) run with cwd `/box` inside the container, in the image's
 * `env` with the language's `env` on top.
 */
import fs from 'node:fs/promises';
import { z } from 'zod';
import { ImageError } from '../errors';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256: 64 lowercase hex digits');

/** A file name inside one directory: no slash, not `.` or `..`. */
const plainFileName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, 'must be a plain file name (letters, digits, _ . + -; no slash)');

const argv = z.array(z.string().min(1, 'must not be empty')).min(1, 'must have at least the program');

const envMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'),
  z.string().refine((v) => !v.includes('\0'), 'must not contain NUL'),
);

const factor = z.number().positive('must be > 0').finite();

export const ImageLanguageSchema = z.object({
  /** Stable identifier used by requests (`c`, `cpp17`, `python3`). */
  id: z.string().regex(/^[a-z0-9][a-z0-9_+-]*$/, 'must be lowercase letters, digits, _ + -'),
  /** Display name with the detected version, e.g. `C (GCC 12.2.0, GNU17)`. */
  name: z.string().min(1),
  /** Toolchain version detected inside the image at build time. */
  version: z.string().min(1),
  /** Name the submitted source is saved under in /box. */
  sourceFile: plainFileName,
  /** Compile argv, run in /box; null for interpreted languages. */
  compile: argv.nullable(),
  /** Run argv, run in /box. */
  run: argv,
  /** Added to the image's env for this language's commands. */
  env: envMap,
  /** Multiplies the CPU and wall time limits for this language. */
  timeFactor: factor,
  /** Multiplies the memory limit for this language. */
  memoryFactor: factor,
  /**
   * Optional: the run's address space (RLIMIT_AS) is limited to the memory limit (after
   * memoryFactor) plus this many MiB, as DMOJ's `address_grace` does for native languages
   * (src/judge/limits.ts). Absent: no address-space limit, only the cgroup's.
   */
  addressSpaceGraceMiB: z.number().int('must be a whole number of MiB').min(0, 'must be ≥ 0').max(1_048_576).optional(),
});

export const ImageManifestSchema = z
  .object({
    schema: z.literal(1),
    /** e.g. `caged-debian12`, `caged-ubuntu2404`. */
    name: z.string().min(1),
    flavor: z.enum(['debian', 'ubuntu']),
    /** What the image starts from, e.g. `ubuntu-base 24.04.5`. */
    base: z.string().min(1),
    createdAt: z.iso.datetime(),
    /** The tarball's file name, in the manifest's directory. */
    tarball: plainFileName,
    /** sha256 of the tarball: the image's identity. */
    sha256: sha256Hex,
    sizeBytes: z.int().nonnegative(),
    /** Hash of the recipe files that produced the image (images/build.sh decides rebuilds by it). */
    recipeSha256: sha256Hex,
    /** Environment every command in the image starts with. */
    env: envMap,
    languages: z.array(ImageLanguageSchema).min(1, 'must list at least one language'),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.languages.forEach((l, i) => {
      if (seen.has(l.id)) ctx.addIssue({ code: 'custom', path: ['languages', i, 'id'], message: `duplicate language id "${l.id}"` });
      seen.add(l.id);
    });
  });

export type ImageLanguage = z.infer<typeof ImageLanguageSchema>;
export type ImageManifest = z.infer<typeof ImageManifestSchema>;

/** `languages[2].compile[0]`, `env["A B"]` from zod's path. */
function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][\w$]*$/.test(p)) out += `${out ? '.' : ''}${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || '(root)';
}

/** zod's message, or for a bad record key the reason the key is bad. */
function issueMessage(issue: z.core.$ZodIssue): string {
  const first = issue.code === 'invalid_key' ? issue.issues[0] : undefined;
  if (first) return `bad key: ${first.message}`;
  return issue.message;
}

/**
 * Checks a parsed JSON value against the schema. `where` names the source (a file path) in the
 * error, which lists every bad field.
 */
export function parseManifest(json: unknown, where: string): ImageManifest {
  const result = ImageManifestSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${fieldName(i.path)}: ${issueMessage(i)}`);
  throw new ImageError(`${where}: invalid image manifest: ${problems.join('; ')}`);
}

/** Reads and checks a manifest.json; the error says how to build the image when it is missing. */
export async function loadManifest(path: string): Promise<ImageManifest> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ' (build the image: npm run image:build -- debian)' : '';
    throw new ImageError(`cannot read image manifest ${path}: ${code ?? String(err)}${hint}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ImageError(`${path}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseManifest(json, path);
}
