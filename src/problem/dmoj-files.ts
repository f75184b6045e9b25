/**
 * A DMOJ package's files as its judge reads them (dmoj-package.ts): a file is looked up in the
 * problem's directory, then in its `archive` (a ZIP beside init.yml), and the test data it names
 * is given normalised unless the test has `binary_data` (DMOJ's TestCase: `\r\n` and `\r` become
 * `\n`, and a non-empty file gets a final newline). A test without `in` (or `out`) reads as empty.
 *
 * Everything else (listing, the programs' files) is the directory's, as PackageFiles reads it:
 * no link out of the package, the size cap. The archive's entries are read where they lie
 * (fs/zip-archive.ts ZipFiles), within the same cap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { PackageFiles } from './package-files';
import { ZipFiles } from '../fs/zip-archive';

/** A test's data path that names no file: empty data. NUL is in no file's name. */
export const NO_DATA = '\0none';

/** The virtual path of what a generator makes for case `n` (its input, `in`, or its answer, `out`). */
export function generatedPath(n: number, what: 'in' | 'out'): string {
  return `\0generated/${n}.${what}`;
}
/** Entries an archive may hold. */
const MAX_ENTRIES = 200_000;

export class DmojFiles extends PackageFiles {
  private archive: ZipFiles | null = null;
  private archiveName = '';
  /**
   * What generators made (dmoj-generate-run.ts), by virtual path: files of a temporary directory
   * (not the worker's memory), within the package size cap together, until dropGenerated.
   */
  private readonly generated = new Map<string, string>();
  private generatedDir: string | null = null;
  private generatedBytes = 0;
  /** Data paths read as they are (`binary_data`); the others are normalised. */
  private readonly binary = new Set<string>();
  private readonly normal = new Set<string>();

  /** `root`: a package's realpath (a PackageFiles' root). */
  static openDmoj(root: string, maxBytes: number): DmojFiles {
    return new DmojFiles(root, maxBytes);
  }

  /** Opens init.yml's `archive` (a file of the directory). */
  useArchive(rel: string): void {
    if (super.kind(rel) !== 'file') throw new InvalidRequestError(`names ${rel}, which is not a file of the package`, 'init.yml archive');
    try {
      this.archive = ZipFiles.open(path.join(this.root, rel), { maxBytes: this.maxBytes, maxEntries: MAX_ENTRIES });
    } catch (err) {
      if (err instanceof InvalidRequestError) throw new InvalidRequestError(`${rel} ${err.message}`, 'init.yml archive');
      throw err;
    }
    this.archiveName = rel;
  }

  /** The archive's file names (the regex form of `test_cases` matches them); empty without one. */
  archiveNames(): string[] {
    return this.archive?.names() ?? [];
  }

  /** Marks `rel` as a test's data, read normalised or (`binary`) as it is; the same file both ways is refused. */
  markData(rel: string, binary: boolean): void {
    if (rel === NO_DATA) return;
    (binary ? this.binary : this.normal).add(rel);
    if (this.binary.has(rel) && this.normal.has(rel))
      throw new InvalidRequestError(`${rel} is the data of a test with binary_data and of one without`, 'init.yml');
  }

  /** Where `rel` is: the directory, the archive, or nowhere. */
  where(rel: string): 'dir' | 'archive' | null {
    if (super.kind(rel) === 'file') return 'dir';
    return (this.archive?.size(rel) ?? null) !== null ? 'archive' : null;
  }

  /** Names the archive for a message: "in a.zip" or "". */
  archiveNote(): string {
    return this.archive ? ` (nor in ${this.archiveName})` : '';
  }

  /** Holds `data`, a generator's, at the virtual path `rel` (generatedPath). */
  provide(rel: string, data: Buffer): void {
    this.generatedBytes += data.length;
    if (this.generatedBytes > this.maxBytes)
      throw new InvalidRequestError(`the generators made more than ${this.maxBytes} bytes (the package size cap)`, 'generator');
    this.generatedDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'caged-dmoj-generated-'));
    const file = path.join(this.generatedDir, String(this.generated.size));
    fs.writeFileSync(file, data, { flag: 'wx', mode: 0o600 });
    this.generated.set(rel, file);
  }

  provided(rel: string): boolean {
    return this.generated.has(rel);
  }

  /** Removes what generators made (the judging is over); they run again for the next. Idempotent. */
  dropGenerated(): void {
    if (this.generatedDir) fs.rmSync(this.generatedDir, { recursive: true, force: true });
    this.generatedDir = null;
    this.generated.clear();
    this.generatedBytes = 0;
  }

  private made(rel: string): string {
    const file = this.generated.get(rel);
    if (!file) throw new InvalidRequestError('is made by a generator, which has not run', rel.slice(1));
    return file;
  }

  override kind(rel: string): ReturnType<PackageFiles['kind']> {
    if (rel.startsWith('\0')) return 'file';
    const own = super.kind(rel);
    if (own !== null) return own;
    return (this.archive?.size(rel) ?? null) !== null ? 'file' : null;
  }

  override size(rel: string): number {
    if (rel === NO_DATA) return 0;
    if (rel.startsWith('\0')) return fs.statSync(this.made(rel)).size;
    const raw = super.kind(rel) === 'file' ? super.size(rel) : this.archive?.size(rel);
    if (raw === undefined || raw === null) throw new InvalidRequestError('no such file in the package' + this.archiveNote(), rel);
    // Normalising adds at most the final newline.
    return this.normal.has(rel) ? raw + 1 : raw;
  }

  override read(rel: string): Buffer {
    const data = this.readRaw(rel);
    return this.normal.has(rel) ? normalizeData(data) : data;
  }

  /** The bytes of `rel` as they are, never normalised (a generator's `generator_in`). */
  readRaw(rel: string): Buffer {
    if (rel === NO_DATA) return Buffer.alloc(0);
    if (rel.startsWith('\0')) return fs.readFileSync(this.made(rel));
    let data: Buffer;
    const packed = this.archive?.size(rel) ?? null;
    if (super.kind(rel) === 'file') data = super.read(rel);
    else if (this.archive && packed !== null) {
      if (packed > this.maxBytes) this.tooLarge(rel);
      try {
        data = this.archive.read(rel);
      } catch (err) {
        if (err instanceof InvalidRequestError) throw new InvalidRequestError(`${this.archiveName} ${err.message}`, rel);
        throw err;
      }
    } else throw new InvalidRequestError('no such file in the package' + this.archiveNote(), rel);
    return data;
  }
}

/** DMOJ's normalisation of test data: `\r\n` and a lone `\r` become `\n`; a non-empty text ends with `\n`. */
export function normalizeData(data: Buffer): Buffer {
  if (data.length === 0) return data;
  if (data.indexOf(0x0d) < 0) return data[data.length - 1] === 0x0a ? data : Buffer.concat([data, Buffer.from('\n')]);
  const out = Buffer.allocUnsafe(data.length + 1);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0x0d) {
      out[n++] = 0x0a;
      if (data[i + 1] === 0x0a) i++;
    } else out[n++] = c;
  }
  if (out[n - 1] !== 0x0a) out[n++] = 0x0a;
  return out.subarray(0, n);
}
