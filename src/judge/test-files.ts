/**
 * A test's own input files (the wire's `testcases[].files`, a problem package's `NAME.files`):
 * "copied into the submission's working directory after compiling, but before executing the
 * submission, possibly overwriting the compiled submission file or included files" (the
 * problem package format, 2025-09). They are written into a directory of their own beside the
 * job's box and laid over it as the top layer of that test's overlay /box, so they hide the
 * box's files of the same name; the program's writes go to the run's own upper layer as always,
 * and the directory is removed when the test ends, so no other test sees them. Without
 * overlayfs the test gets a copy of the box with the files written over it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { removeTree } from '../fs/tree-walk';
import type { JobDir } from '../rootfs/job-dirs';
import type { BoxSpec } from '../sandbox/types';
import { decodedLength } from './program-schema';
import { writeNewFile } from './safe-fs';
import type { Testcase } from './schema';

export interface TestBox {
  box: BoxSpec;
  /** The directories the run sees as /box, top first (where a path in /box is looked up on the host). */
  dirs: readonly string[];
  /** With `keepWrites`: the host directory holding what the run wrote to /box (BoxSpec.upper). */
  kept?: string;
}

/** A file given to one test: its path in /box and its bytes. */
interface BoxFile {
  path: string;
  data: Buffer;
}

/** Bytes of a test's files, decoded. */
export function testFilesBytes(tc: Pick<Testcase, 'files'>): number {
  let n = 0;
  for (const f of tc.files ?? []) n += decodedLength(f.content, f.encoding);
  return n;
}

/**
 * The room a test's files take in the job directory (their bytes and a page each), the input
 * too when it is written as a file (fileIo.input); 0 when the test has none.
 */
export function boxFilesBytes(tc: Pick<Testcase, 'files' | 'stdin' | 'stdinEncoding'>, inputFile: boolean): number {
  let n = tc.files?.length ? testFilesBytes(tc) + tc.files.length * 4096 : 0;
  if (inputFile) n += decodedLength(tc.stdin, tc.stdinEncoding) + 4096;
  return n;
}

/**
 * Runs `run` with the /box of test `index`: the job's box over its read-only layers, and the
 * test's files over both when it has any (written into `<job>/test-files-<index>`, removed
 * afterwards whatever happens). `inputFile` is one more such file (the submission's
 * `fileIo.input`), written last. With `keepWrites`, the run's writes to /box go to a directory
 * of their own (a job directory: capped, BoxSpec.upper) that `run` reads through `kept`,
 * removed afterwards too.
 */
export async function withTestBox<T>(
  opts: {
    box: string;
    boxLayers?: readonly string[];
    testcase: Pick<Testcase, 'files'>;
    index: number;
    hasOverlay: boolean;
    /** The program may not write to /box (BoxSpec.readOnly). */
    readOnlyBox?: boolean;
    inputFile?: BoxFile;
    /** Makes the directory the run's writes are kept in (JobDirs.create, with the run's disk quota). */
    keepWrites?: () => JobDir;
    /** With keepWrites: the one file of /box the program may write (BoxSpec.onlyWritable), made empty there. */
    onlyWritable?: string;
  },
  run: (box: TestBox) => Promise<T>,
): Promise<T> {
  const files: BoxFile[] = (opts.testcase.files ?? []).map((f) => ({
    path: f.path,
    data: Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8'),
  }));
  if (opts.inputFile) files.push(opts.inputFile);
  if (!opts.keepWrites) return withFilesBox(opts, files, run);
  const kept = opts.keepWrites();
  try {
    const work = path.join(kept.path, 'work');
    fs.mkdirSync(work, { mode: 0o700 });
    const only = opts.onlyWritable;
    // In the fresh upper layer, the file hides whatever the box holds by its name. Its times are
    // the epoch's: a program that opens it to write (O_TRUNC) or writes moves them, one that never
    // does leaves it as a file not written (readOutputFile), as CMS sees no file then.
    if (only !== undefined) {
      const made = path.join(kept.box, only);
      fs.writeFileSync(made, '', { flag: 'wx', mode: 0o644 });
      fs.utimesSync(made, 0, 0);
    }
    const extra = only !== undefined ? { onlyWritable: only } : {};
    return await withFilesBox({ ...opts, readOnlyBox: false }, files, (b) =>
      run({ ...b, box: { ...b.box, upper: { dir: kept.box, work }, ...extra }, kept: kept.box }),
    );
  } finally {
    await kept.removeAsync();
  }
}

async function withFilesBox<T>(
  opts: { box: string; boxLayers?: readonly string[]; index: number; hasOverlay: boolean; readOnlyBox?: boolean },
  files: readonly BoxFile[],
  run: (box: TestBox) => Promise<T>,
): Promise<T> {
  const layers = opts.boxLayers ?? [];
  const readOnly = opts.readOnlyBox ? { readOnly: true } : {};
  if (files.length === 0) {
    return run({
      box: { hostDir: opts.box, mode: 'overlay', ...(layers.length ? { lowerDirs: layers } : {}), ...readOnly },
      dirs: [opts.box, ...layers],
    });
  }
  const dir = path.join(path.dirname(opts.box), `test-files-${opts.index}`);
  try {
    if (opts.hasOverlay) {
      fs.mkdirSync(dir, { mode: 0o755 });
    } else {
      // The sandbox copies an overlay /box for the run when it has no overlayfs; this copy only
      // merges the files in, and the program never writes to it. (A box has no lower layers then.)
      if (layers.length) throw new TypeError('a /box with lower layers needs overlayfs');
      fs.cpSync(opts.box, dir, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    }
    fs.chmodSync(dir, 0o755);
    writeTestFiles(dir, files);
    if (!opts.hasOverlay) return await run({ box: { hostDir: dir, mode: 'overlay', ...readOnly }, dirs: [dir] });
    return await run({
      box: { hostDir: dir, mode: 'overlay', lowerDirs: [opts.box, ...layers], ...readOnly },
      dirs: [dir, opts.box, ...layers],
    });
  } finally {
    removeTree(dir);
  }
}

/**
 * Where the run finds `rel` (a path in /box) on the host: in the first of the box's directories,
 * top first, that has it (lstat: a link is not followed; elfLoadBytes opens with O_NOFOLLOW).
 */
export function boxPath(rel: string, dirs: readonly string[]): string {
  for (const dir of dirs) {
    const p = path.join(dir, rel);
    if (fs.lstatSync(p, { throwIfNoEntry: false })) return p;
  }
  return path.join(dirs[0]!, rel);
}

/** Writes the files under `dir`, making their directories (0755; files 0644, as the box's sources). */
function writeTestFiles(dir: string, files: readonly BoxFile[]): void {
  const made = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let n = 1; n < parts.length; n++) {
      const sub = parts.slice(0, n).join('/');
      if (made.has(sub)) continue;
      const at = path.join(dir, sub);
      // Without overlayfs the box's copy is under the files: a directory of the box is reused,
      // anything else in the way (a file or a link the compile left) is replaced.
      const st = fs.lstatSync(at, { throwIfNoEntry: false });
      if (st && !st.isDirectory()) removeTree(at);
      if (!st?.isDirectory()) fs.mkdirSync(at, { mode: 0o755 });
      fs.chmodSync(at, 0o755);
      made.add(sub);
    }
    const at = path.join(dir, f.path);
    if (fs.lstatSync(at, { throwIfNoEntry: false })) removeTree(at);
    writeNewFile(path.dirname(at), path.basename(at), f.data);
  }
}
