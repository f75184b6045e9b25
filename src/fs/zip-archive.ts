/**
 * Extracts a ZIP archive (APPNOTE: the end of central directory record, the central directory,
 * each entry's local header and data) into a fresh directory, refusing rather than guessing:
 * only entries stored (method 0) or deflated (8), unencrypted, on one disk (ZIP64's records and
 * extra fields read where an archive has them: `zip -fz`, streamed archives, Java's and Python's
 * for large or many entries); names relative, "/"-separated, with no `.` or
 * `..` component, no NUL or backslash, none twice; regular files and directories only (a link
 * is refused: nothing it points at would be the package's). Every entry's size is checked
 * against its declared size (inflated with that as the limit: no zip bomb gets further) and its
 * CRC-32; the declared sizes together must stay within `maxBytes`, the entries within
 * `maxEntries`. A file keeps its executable bits (a package's build/run scripts); others are 0644.
 * Read with positioned reads of the archive (or from its bytes in memory), one entry in memory at
 * a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { InvalidRequestError } from '../errors';

export interface ZipLimits {
  maxBytes: number;
  maxEntries: number;
}

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** The Unix mode in the external attributes (made on Unix), or 0. */
  unixMode: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
/** The extra field holding an entry's 64-bit sizes and offset (APPNOTE 4.5.3). */
const ZIP64_EXTRA = 0x0001;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, ZIP's). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Where an archive's bytes are read from: a file (positioned reads) or bytes in memory (a client's upload). */
interface ZipSource {
  size: number;
  /** `length` bytes at `offset`, or refused as cut short. */
  read(offset: number, length: number, what: string): Buffer;
}

function fileSource(fd: number): ZipSource {
  return {
    size: fs.fstatSync(fd).size,
    read(offset, length, what) {
      const buf = Buffer.alloc(length);
      const got = length === 0 ? 0 : fs.readSync(fd, buf, 0, length, offset);
      if (got !== length) throw new InvalidRequestError(`is cut short (${what})`);
      return buf;
    },
  };
}

function bytesSource(bytes: Buffer): ZipSource {
  return {
    size: bytes.length,
    read(offset, length, what) {
      if (offset < 0 || offset + length > bytes.length) throw new InvalidRequestError(`is cut short (${what})`);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A name an entry may have: relative, "/"-separated, no empty (but a directory's trailing), `.` or `..` component. */
function checkName(name: string): void {
  const bare = name.endsWith('/') ? name.slice(0, -1) : name;
  const parts = bare.split('/');
  if (!bare || name.startsWith('/') || name.includes('\\') || name.includes('\0') || parts.some((p) => !p || p === '.' || p === '..'))
    throw new InvalidRequestError(`holds an entry named ${JSON.stringify(name)}: not a relative path inside the archive`);
}

function centralDirectory(src: ZipSource, limits: ZipLimits): CentralEntry[] {
  const fileSize = src.size;
  // The end record is the last 22 bytes but for a comment of at most 64 KiB.
  const tail = Math.min(fileSize, 22 + 0xffff);
  const end = src.read(fileSize - tail, tail, 'the end of central directory');
  let at = -1;
  for (let i = end.length - 22; i >= 0; i--)
    if (end.readUInt32LE(i) === EOCD_SIGNATURE) {
      at = i;
      break;
    }
  if (at < 0) throw new InvalidRequestError('is not a ZIP archive (no end of central directory record)');
  const disk = end.readUInt16LE(at + 4);
  const cdDisk = end.readUInt16LE(at + 6);
  if (disk !== 0 || cdDisk !== 0) throw new InvalidRequestError('is a ZIP archive on several disks');
  let count = end.readUInt16LE(at + 10);
  let cdSize = end.readUInt32LE(at + 12);
  let cdOffset = end.readUInt32LE(at + 16);
  // Where the central directory must end: the ZIP64 end record when there is one, else the end record.
  let cdLimit = fileSize - tail + at;
  const zip64 = zip64End(src, cdLimit);
  if (zip64) ({ count, cdSize, cdOffset, at: cdLimit } = zip64);
  else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
    throw new InvalidRequestError('has a broken central directory (ZIP64 values without a ZIP64 end record)');
  if (count > limits.maxEntries) throw new InvalidRequestError(`holds ${count} entries, more than ${limits.maxEntries}`);
  // Within the file, and no larger than its entries can be (46 bytes and three fields of 64 KiB each): nothing larger is allocated.
  if (cdOffset + cdSize > cdLimit || cdSize > count * (46 + 3 * 0xffff)) throw new InvalidRequestError('has a broken central directory');
  const cd = src.read(cdOffset, cdSize, 'the central directory');
  const entries: CentralEntry[] = [];
  let p = 0;
  let declared = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new InvalidRequestError('has a broken central directory');
    const madeBy = cd.readUInt16LE(p + 4) >> 8;
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    const entry: CentralEntry = {
      flags: cd.readUInt16LE(p + 8),
      method: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localOffset: cd.readUInt32LE(p + 42),
      unixMode: madeBy === 3 ? cd.readUInt32LE(p + 38) >>> 16 : 0,
      name: cd.toString('utf8', p + 46, p + 46 + nameLength),
    };
    if (p + 46 + nameLength + extraLength > cd.length) throw new InvalidRequestError('has a broken central directory');
    checkName(entry.name);
    if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localOffset === 0xffffffff)
      withZip64Extra(entry, cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), cd.readUInt16LE(p + 34));
    declared += entry.size;
    if (declared > limits.maxBytes) throw new InvalidRequestError(`unpacks to more than ${limits.maxBytes} bytes (the package size cap)`);
    entries.push(entry);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** A 64-bit field as a number; refused past what a number holds exactly (no real archive is that large). */
function uint64(buf: Buffer, at: number, what: string): number {
  const n = buf.readBigUInt64LE(at);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidRequestError(`has a broken ZIP64 ${what}`);
  return Number(n);
}

/**
 * The ZIP64 end of central directory record, when the locator sits right before the end record
 * (whose start is `eocd`): its entry count, the central directory's size and offset, and where
 * the record starts (the central directory ends there).
 */
function zip64End(src: ZipSource, eocd: number): { count: number; cdSize: number; cdOffset: number; at: number } | null {
  if (eocd < 20) return null;
  const locator = src.read(eocd - 20, 20, 'the ZIP64 end of central directory locator');
  if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) return null;
  if (locator.readUInt32LE(4) !== 0 || locator.readUInt32LE(16) > 1) throw new InvalidRequestError('is a ZIP archive on several disks');
  const at = uint64(locator, 8, 'end of central directory locator');
  if (at + 56 > eocd - 20) throw new InvalidRequestError('has a broken ZIP64 end of central directory record');
  const record = src.read(at, 56, 'the ZIP64 end of central directory record');
  if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw new InvalidRequestError('has a broken ZIP64 end of central directory record');
  if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0) throw new InvalidRequestError('is a ZIP archive on several disks');
  const count = uint64(record, 32, 'entry count');
  if (uint64(record, 24, 'entry count') !== count) throw new InvalidRequestError('is a ZIP archive on several disks');
  return { count, cdSize: uint64(record, 40, 'central directory size'), cdOffset: uint64(record, 48, 'central directory offset'), at };
}

/**
 * Reads an entry's 64-bit values from its ZIP64 extra field, in the order APPNOTE gives (each
 * present only where the central header's own field holds the 0xFFFF… marker).
 */
function withZip64Extra(e: CentralEntry, extra: Buffer, diskStart: number): void {
  for (let p = 0; p + 4 <= extra.length;) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (p + 4 + length > extra.length) break;
    if (id === ZIP64_EXTRA) {
      const field = extra.subarray(p + 4, p + 4 + length);
      let q = 0;
      const next = (what: string): number => {
        if (q + 8 > field.length) throw new InvalidRequestError(`holds ${e.name} with a broken ZIP64 extra field (${what})`);
        const n = uint64(field, q, `extra field of ${e.name}`);
        q += 8;
        return n;
      };
      if (e.size === 0xffffffff) e.size = next('size');
      if (e.compressedSize === 0xffffffff) e.compressedSize = next('compressed size');
      if (e.localOffset === 0xffffffff) e.localOffset = next('offset');
      if (diskStart === 0xffff && (q + 4 > field.length || field.readUInt32LE(q) !== 0))
        throw new InvalidRequestError('is a ZIP archive on several disks');
      return;
    }
    p += 4 + length;
  }
  throw new InvalidRequestError(`holds ${e.name} with ZIP64 sizes but no ZIP64 extra field`);
}

/** The data of `e`, inflated and checked against its declared size and CRC-32. */
function entryData(src: ZipSource, e: CentralEntry): Buffer {
  if (e.flags & 1) throw new InvalidRequestError(`holds ${e.name} encrypted`);
  const local = src.read(e.localOffset, 30, e.name);
  if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new InvalidRequestError(`has no local header for ${e.name}`);
  const start = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  // The compressed data lies within the file (nothing larger than it is allocated), and deflate
  // makes at most ~1032 bytes of 1: anything claiming more is no real entry.
  if (start + e.compressedSize > src.size || (e.method === 8 && e.size > e.compressedSize * 1100 + 1024))
    throw new InvalidRequestError(`holds ${e.name} whose sizes do not fit the archive`);
  const raw = src.read(start, e.compressedSize, e.name);
  let data: Buffer;
  if (e.method === 0) data = raw;
  else if (e.method === 8) {
    try {
      data = e.size === 0 ? Buffer.alloc(0) : zlib.inflateRawSync(raw, { maxOutputLength: e.size });
    } catch (err) {
      throw new InvalidRequestError(`holds ${e.name} that does not inflate to its ${e.size} bytes (${(err as Error).message})`);
    }
  } else throw new InvalidRequestError(`holds ${e.name} compressed with method ${e.method} (caged reads stored and deflated entries)`);
  if (data.length !== e.size || crc32(data) !== e.crc)
    throw new InvalidRequestError(`holds ${e.name} whose data does not match its size or CRC-32 (a damaged archive)`);
  return data;
}

/**
 * The regular files of an archive, read one at a time where they lie (a DMOJ package's `archive`
 * of test data, dmoj-files.ts; a Judge0 client's `additional_files`, judge0/request.ts): the
 * same checks as extractZip (names, sizes, no links, no name twice), the central directory read
 * once; each `read` of a file's archive opens it again.
 */
export class ZipFiles {
  private constructor(
    private readonly open: () => { src: ZipSource; close: () => void },
    private readonly entries: Map<string, CentralEntry>,
  ) {}

  /** The archive in the file `file`. */
  static open(file: string, limits: ZipLimits): ZipFiles {
    return ZipFiles.of(() => {
      const fd = fs.openSync(file, 'r');
      return { src: fileSource(fd), close: () => fs.closeSync(fd) };
    }, limits);
  }

  /** The archive held in `bytes`. */
  static fromBytes(bytes: Buffer, limits: ZipLimits): ZipFiles {
    return ZipFiles.of(() => ({ src: bytesSource(bytes), close: () => undefined }), limits);
  }

  private static of(open: () => { src: ZipSource; close: () => void }, limits: ZipLimits): ZipFiles {
    const { src, close } = open();
    try {
      const entries = new Map<string, CentralEntry>();
      const seen = new Set<string>();
      for (const e of centralDirectory(src, limits)) {
        const rel = e.name.endsWith('/') ? e.name.slice(0, -1) : e.name;
        if (seen.has(rel)) throw new InvalidRequestError(`holds ${rel} twice`);
        seen.add(rel);
        const type = e.unixMode & S_IFMT;
        if (type === S_IFLNK) throw new InvalidRequestError(`holds ${rel}, a symbolic link`);
        if (!e.name.endsWith('/') && type !== S_IFDIR) entries.set(rel, e);
      }
      return new ZipFiles(open, entries);
    } finally {
      close();
    }
  }

  /** The files' names ("/"-separated), in the archive's order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Whether file `name` has an executable bit in its Unix mode (a script the archive's maker could run as `./name`). */
  executable(name: string): boolean {
    return ((this.entries.get(name)?.unixMode ?? 0) & 0o111) !== 0;
  }

  /** The declared size of file `name`; null when the archive holds no such file. */
  size(name: string): number | null {
    return this.entries.get(name)?.size ?? null;
  }

  /** The bytes of file `name`, inflated and checked (size, CRC-32). */
  read(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new InvalidRequestError(`holds no file ${name}`);
    const { src, close } = this.open();
    try {
      return entryData(src, e);
    } finally {
      close();
    }
  }
}

/** Extracts the archive `file` into `dest` (made here, 0755; it must not exist). */
export function extractZip(file: string, dest: string, limits: ZipLimits): void {
  const fd = fs.openSync(file, 'r');
  try {
    const src = fileSource(fd);
    const entries = centralDirectory(src, limits);
    const seen = new Set<string>();
    fs.mkdirSync(dest, { mode: 0o755 });
    for (const e of entries) {
      const rel = e.name.endsWith('/') ? e.name.slice(0, -1) : e.name;
      if (seen.has(rel)) throw new InvalidRequestError(`holds ${rel} twice`);
      seen.add(rel);
      const type = e.unixMode & S_IFMT;
      if (type === S_IFLNK) throw new InvalidRequestError(`holds ${rel}, a symbolic link: extract the package and give its directory`);
      const target = path.join(dest, ...rel.split('/'));
      const data = e.name.endsWith('/') || type === S_IFDIR ? null : entryData(src, e);
      try {
        if (data === null) fs.mkdirSync(target, { recursive: true, mode: 0o755 });
        else {
          fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
          // 'wx': never through a link or over a file (the names were checked unique; the directories are ours).
          fs.writeFileSync(target, data, { flag: 'wx', mode: e.unixMode & 0o111 ? 0o755 : 0o644 });
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOTDIR')
          throw new InvalidRequestError(`holds ${rel} where another entry is a file or a directory of that name`);
        throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
