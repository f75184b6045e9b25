/**
 * The image manifest: the JSON that `images/build.sh` writes beside the image's layer tarballs
 * (`manifest.json`) and that the judge reads to learn what the image is, which layers it has and
 * which languages it carries. This schema is the contract; the build's writer is
 * `images/lib/image-tool.js`.
 *
 * Schema 2 (layered): a base layer and toolchain layers, each a tarball named by its sha256,
 * listed parents first; a language names the top layer of its chain. Schema 1 (one tarball, the
 * images built before layers) is still read, as a one-layer image whose layer is `base`: every
 * reader gets the schema-2 shape.
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

/** A file name extension with its dot: `.cpp`, `.R` (case matters: `.C` is C++, `.c` is C). */
const extension = z.string().regex(/^\.[A-Za-z0-9+_-]{1,16}$/, 'must be a dot and 1-16 letters, digits, + _ -');

/**
 * The placeholders the judge expands in compile, run and env (src/judge/language-command.ts;
 * docs/languages.md): `{sources}` (a whole argv element: one element per source), `{entry}`,
 * `{entryStem}`, `{mainClass}` (only with an `entry` rule), `{memoryMiB}`, `{heapMiB}`.
 */
export const PLACEHOLDERS = ['sources', 'entry', 'entryStem', 'mainClass', 'memoryMiB', 'heapMiB'] as const;

const ImageLanguageFields = z.object({
  /** Stable identifier used by requests (`c`, `cpp17`, `python3`). */
  id: z.string().regex(/^[a-z0-9][a-z0-9_+-]*$/, 'must be lowercase letters, digits, _ + -'),
  /** Display name with the detected version, e.g. `C (GCC 12.2.0, GNU17)`. */
  name: z.string().min(1),
  /** Toolchain version detected inside the image at build time. */
  version: z.string().min(1),
  /** Extensions of this language's sources: `{sources}` is the submission's files with one of them; detection by file name uses them. */
  extensions: z.array(extension).default([]),
  /** Whether a file name's extension selects this language (false for a second compiler of the same extensions: cpp20, cpp-clang, pypy3). */
  detect: z.boolean().default(true),
  /** Name a single submitted source is saved under in /box (and the entry of a multi-file one). */
  sourceFile: plainFileName,
  /**
   * How the entry point is found beyond `sourceFile`: `java-main` (the top-level class with
   * `public static void main`, package-qualified, is `{mainClass}`; a single source is saved
   * as `<its public class>.java`) or `scala-main` (the top-level `object` with `def main` or
   * `extends App`) or `kotlin-main` (the file class of the file with a top-level `fun main`,
   * `Main.kt` → `MainKt`, or an object with `@JvmStatic fun main`). Absent: the entry is the file named `sourceFile`.
   */
  entry: z.enum(['java-main', 'scala-main', 'kotlin-main']).optional(),
  /**
   * A source this regular expression finds (multiline, case-insensitive) is a library, never the
   * entry a directory's sources are chosen from: Pascal's `unit` (problem/judge-package.ts).
   */
  library: z
    .string()
    .min(1)
    .max(200)
    .refine((r) => {
      try {
        new RegExp(r, 'im');
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression')
    .optional(),
  /** Compile argv, run in /box; null for interpreted languages. */
  compile: argv.nullable(),
  /** Run argv, run in /box. */
  run: argv,
  /** Added to the image's env for this language's commands. */
  env: envMap,
  /** `{heapMiB}` is the memory limit minus this (not below a quarter of it): room for the runtime beside its heap. */
  heapReserveMiB: z.int().nonnegative().max(4096).default(0),
  /**
   * Lines a runtime prints on stderr when its own heap is exhausted (`java.lang.OutOfMemoryError`):
   * a run that failed (RE) with one of them on stderr is MLE. Never turns anything into a verdict
   * better than RE.
   */
  memoryErrorMarkers: z.array(z.string().min(4)).default([]),
  /** Floor on the open-file limit of the language's runs (R refuses to start below about 170). */
  openFiles: z.int().positive().max(4096).optional(),
  /** RLIMIT_AS = memory limit + this (native languages; see docs/languages.md). */
  addressSpaceGraceMiB: z.int().nonnegative().max(65536).optional(),
  /**
   * Its runtime reserves far more address space than it uses (the JVM, Go, SBCL): it cannot
   * start under RLIMIT_AS, so a worker limiting memory by rlimits only refuses it
   * (docs/rootless.md#rlimits-only), and `addressSpaceGraceMiB` beside it is refused.
   */
  reservesAddressSpace: z.boolean().optional(),
  /** Multiplies the CPU and wall time limits for this language. */
  timeFactor: factor,
  /** Multiplies the memory limit for this language. */
  memoryFactor: factor,
});

/** The placeholders of compile, run and env are known ones, where they may stand. */
function checkPlaceholders(l: z.infer<typeof ImageLanguageFields>, ctx: z.RefinementCtx): void {
  const check = (args: readonly string[], where: string, sourcesAllowed: boolean) =>
    args.forEach((a, i) => {
      for (const m of a.matchAll(/\{([A-Za-z]*)\}/g)) {
        const name = m[1] ?? '';
        const path = [where, i];
        if (!(PLACEHOLDERS as readonly string[]).includes(name))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `unknown placeholder {${name}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`,
          });
        else if (name === 'sources' && (!sourcesAllowed || a !== '{sources}'))
          ctx.addIssue({ code: 'custom', path, message: '{sources} must be a whole argv element of compile or run' });
        else if (name === 'mainClass' && !l.entry)
          ctx.addIssue({ code: 'custom', path, message: '{mainClass} needs an entry rule (entry: java-main, scala-main or kotlin-main)' });
      }
    });
  if (l.compile) check(l.compile, 'compile', true);
  check(l.run, 'run', true);
  for (const [k, v] of Object.entries(l.env)) {
    for (const m of v.matchAll(/\{([A-Za-z]*)\}/g)) {
      if (m[1] !== 'memoryMiB' && m[1] !== 'heapMiB')
        ctx.addIssue({ code: 'custom', path: ['env', k], message: `only {memoryMiB} and {heapMiB} are expanded in env (got {${m[1]}})` });
    }
  }
  if (l.reservesAddressSpace && l.addressSpaceGraceMiB !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['addressSpaceGraceMiB'],
      message: 'a language whose runtime reserves address space (reservesAddressSpace) cannot run under an address-space limit',
    });
}

export const ImageLanguageSchema = ImageLanguageFields.superRefine(checkPlaceholders);

const layerId = z.string().regex(/^[a-z0-9][a-z0-9_+-]*$/, 'must be a layer id: lowercase letters, digits, _ + -');

/** A path relative to the manifest's directory, inside it: segments of plain file names, no `..`. */
const relativePath = z
  .string()
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.+-]*(\/[A-Za-z0-9_][A-Za-z0-9_.+-]*)*$/,
    "must be a relative path inside the manifest's directory (plain names, no `..`, no leading /)",
  )
  .refine((p) => !p.split('/').includes('..'), 'must not contain ..');

export const ImageLayerSchema = z.object({
  /** `base`, `gcc`, `jdk`, ...: the recipe images/layers/<id>/. */
  id: layerId,
  /** The layer this one was built on; null for the one root (`base`). */
  parent: layerId.nullable(),
  /** The layer's tarball, relative to the manifest's directory (`layers/<sha256>.tar`). */
  tarball: relativePath,
  /** sha256 of the tarball: the layer's identity. */
  sha256: sha256Hex,
  sizeBytes: z.int().nonnegative(),
  /** Hash of the layer's recipe (its parent's recipe hash, its files, its languages' files). */
  recipeSha256: sha256Hex,
  /** The apt packages the layer installed (on top of its parents'). */
  packages: z.array(z.string().min(1)),
  /** How long the layer took to build, in seconds. */
  buildSeconds: z.number().nonnegative().finite(),
});

/** A language of a layered image: the language fields and the top layer of its chain. */
export const ImageLanguageV2Schema = ImageLanguageFields.extend({
  /** The top layer of the language's chain: a job mounts it and its parents, nothing else. */
  layer: layerId,
  /**
   * Other layers whose chains a job of this language mounts too, under its own chain's top
   * (src/rootfs/layers.ts layerStack): a language whose programs call other toolchains (a
   * multi-file program's compile and run scripts). Absent: the language's chain alone.
   */
  withLayers: z.array(layerId).min(1).max(32).optional(),
}).superRefine(checkPlaceholders);

function uniqueLanguageIds(languages: ReadonlyArray<{ id: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  languages.forEach((l, i) => {
    if (seen.has(l.id)) ctx.addIssue({ code: 'custom', path: ['languages', i, 'id'], message: `duplicate language id "${l.id}"` });
    seen.add(l.id);
  });
}

/** Two detecting languages may not share an extension: detection by file name must have one answer. */
function detectCollisions(
  languages: ReadonlyArray<{ id: string; detect: boolean; extensions: readonly string[] }>,
  ctx: z.RefinementCtx,
): void {
  const detecting = new Map<string, string>();
  languages.forEach((l, i) => {
    if (!l.detect) return;
    for (const e of l.extensions) {
      const other = detecting.get(e);
      if (other)
        ctx.addIssue({
          code: 'custom',
          path: ['languages', i, 'extensions'],
          message: `${e} detects both ${other} and ${l.id} (set detect: false on one)`,
        });
      detecting.set(e, l.id);
    }
  });
}

const identity = {
  /** e.g. `caged-debian12`, `caged-ubuntu2404`. */
  name: z.string().min(1),
  flavor: z.enum(['debian', 'ubuntu']),
  /** What the image starts from, e.g. `ubuntu-base 24.04.5`. */
  base: z.string().min(1),
  createdAt: z.iso.datetime(),
  /** Hash of the recipe files that produced the image (images/build.sh decides rebuilds by it). */
  recipeSha256: sha256Hex,
  /** Environment every command in the image starts with. */
  env: envMap,
};

/** Schema 1: one tarball (the images built before layers). Loaded as a one-layer image. */
export const ImageManifestV1Schema = z
  .object({
    schema: z.literal(1),
    ...identity,
    /** The tarball's file name, in the manifest's directory. */
    tarball: plainFileName,
    /** sha256 of the tarball: the image's identity. */
    sha256: sha256Hex,
    sizeBytes: z.int().nonnegative(),
    languages: z.array(ImageLanguageSchema).min(1, 'must list at least one language'),
  })
  .superRefine((m, ctx) => {
    uniqueLanguageIds(m.languages, ctx);
    detectCollisions(m.languages, ctx);
  });

/** Schema 2: a base layer and toolchain layers, each its own tarball; parents listed first. */
export const ImageManifestV2Schema = z
  .object({
    schema: z.literal(2),
    ...identity,
    layers: z.array(ImageLayerSchema).min(1, 'must list at least the base layer'),
    languages: z.array(ImageLanguageV2Schema).min(1, 'must list at least one language'),
  })
  .superRefine((m, ctx) => {
    const layers = new Set<string>();
    m.layers.forEach((l, i) => {
      const at = (field: string): PropertyKey[] => ['layers', i, field];
      if (layers.has(l.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate layer id "${l.id}"` });
      if (l.parent === null && i !== 0)
        ctx.addIssue({ code: 'custom', path: at('parent'), message: 'only the first layer (the root) has parent null' });
      if (l.parent !== null && i === 0)
        ctx.addIssue({ code: 'custom', path: at('parent'), message: 'the first layer is the root: its parent must be null' });
      if (l.parent !== null && !layers.has(l.parent)) {
        ctx.addIssue({
          code: 'custom',
          path: at('parent'),
          message: `"${l.parent}" is not a layer listed before this one (parents come first)`,
        });
      }
      layers.add(l.id);
    });
    uniqueLanguageIds(m.languages, ctx);
    m.languages.forEach((l, i) => {
      if (!layers.has(l.layer))
        ctx.addIssue({ code: 'custom', path: ['languages', i, 'layer'], message: `"${l.layer}" is not a layer of this image` });
      const seen = new Set([l.layer]);
      l.withLayers?.forEach((w, j) => {
        const at = ['languages', i, 'withLayers', j];
        if (!layers.has(w)) ctx.addIssue({ code: 'custom', path: at, message: `"${w}" is not a layer of this image` });
        else if (seen.has(w)) ctx.addIssue({ code: 'custom', path: at, message: `"${w}" is named twice (with layer)` });
        seen.add(w);
      });
    });
    detectCollisions(m.languages, ctx);
  });

export const ImageManifestSchema = z.union([ImageManifestV1Schema, ImageManifestV2Schema]);

export type ImageLanguage = z.infer<typeof ImageLanguageV2Schema>;
export type ImageLayer = z.infer<typeof ImageLayerSchema>;
/** A manifest as the judge uses it: always the schema-2 shape (schema 1 is normalised on load). */
export type ImageManifest = z.infer<typeof ImageManifestV2Schema>;

/**
 * A schema-1 manifest as a one-layer image: its tarball is the `base` layer and every language
 * is on it.
 */
function fromV1(m: z.infer<typeof ImageManifestV1Schema>): ImageManifest & { schema: 2 } {
  const { tarball, sha256, sizeBytes, languages, schema: _schema, ...rest } = m;
  return {
    schema: 2,
    ...rest,
    layers: [{ id: 'base', parent: null, tarball, sha256, sizeBytes, recipeSha256: m.recipeSha256, packages: [], buildSeconds: 0 }],
    languages: languages.map((l) => ({ ...l, layer: 'base' })),
  };
}

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
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ImageError(`${where}: invalid image manifest: (root): must be a JSON object`);
  }
  const version = 'schema' in json ? json.schema : undefined;
  if (version !== 1 && version !== 2) {
    throw new ImageError(`${where}: invalid image manifest: schema: must be 1 or 2 (this caged reads image manifests of schema 1 and 2)`);
  }
  const result = version === 1 ? ImageManifestV1Schema.safeParse(json) : ImageManifestV2Schema.safeParse(json);
  if (result.success) return result.data.schema === 1 ? fromV1(result.data) : result.data;
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
