/**
 * The files of a ZIP archive, read in the API process from a client's bytes (Judge0's
 * `additional_files`): the central directory's entries, each stored or deflated, checked against
 * its CRC-32 and declared size, with the total of the inflated bytes capped before any is
 * inflated past it (a small archive cannot inflate into gigabytes: every inflation stops at the
 * budget left). Directories are skipped (a file's path makes them); what cannot be written into a
 * box as a plain file is refused with the entry's name: a link, an encrypted entry, a method
 * other than stored or deflate, ZIP64, an archive split over disks, a name that is absolute or
 * holds "..". The reading is linear in the archive's size: one backward search for the end
 * record over at most its 64 KiB comment, then one pass over the entries.
 */
import zlib from 'node:zlib';

export class ZipError extends Error {}

export interface ZipFile {
  name: string;
  content: Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const MADE_BY_UNIX = 3;

/** The files of `zip` in the archive's order, at most `maxFiles` and `maxBytes` inflated bytes together. */
export function readZip(zip: Buffer, opts: { maxFiles: number; maxBytes: number }): ZipFile[] {
  const end = endRecord(zip);
  const count = zip.readUInt16LE(end + 10);
  const dirSize = zip.readUInt32LE(end + 12);
  const dirOffset = zip.readUInt32LE(end + 16);
  if (zip.readUInt16LE(end + 4) !== 0 || zip.readUInt16LE(end + 6) !== 0 || zip.readUInt16LE(end + 8) !== count)
    throw new ZipError('is an archive split over several disks');
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) throw new ZipError('is a ZIP64 archive');
  if (dirOffset + dirSize > end) throw new ZipError('is not a ZIP archive (its central directory lies outside it)');
  const files: ZipFile[] = [];
  let budget = opts.maxBytes;
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || zip.readUInt32LE(at) !== CENTRAL) throw new ZipError('is not a ZIP archive (a damaged central directory)');
    const madeBy = zip.readUInt16LE(at + 4) >> 8;
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const packed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    const local = zip.readUInt32LE(at + 42);
    if (at + 46 + skip > end) throw new ZipError('is not a ZIP archive (a damaged central directory)');
    const rawName = zip.subarray(at + 46, at + 46 + nameLength);
    // Bit 11: the name is UTF-8; otherwise code page 437, of which caged reads the ASCII part.
    const name = flags & 0x800 || rawName.every((b) => b < 0x80) ? rawName.toString('utf8') : null;
    at += 46 + skip;
    const shown = JSON.stringify(name ?? rawName.toString('latin1'));
    if (name === null) throw new ZipError(`holds ${shown}, a name that is neither UTF-8 nor ASCII`);
    if (name.startsWith('/') || name.split('/').includes('..') || name.includes('\\') || name.includes('\0'))
      throw new ZipError(`holds ${shown}, a name outside the working directory`);
    if (name.endsWith('/')) continue; // a directory
    // A Unix mode without a file type (Python's writestr gives 0600) is a plain file.
    if (madeBy === MADE_BY_UNIX && (mode & S_IFMT) !== 0 && (mode & S_IFMT) !== S_IFREG)
      throw new ZipError(`holds ${shown}, which is not a plain file (a link or a device)`);
    if (flags & 0x1) throw new ZipError(`holds ${shown}, which is encrypted`);
    if (method !== 0 && method !== 8)
      throw new ZipError(`holds ${shown}, compressed by method ${method} (only stored and deflate are read)`);
    if (packed === 0xffffffff || size === 0xffffffff) throw new ZipError(`holds ${shown}, a ZIP64 entry`);
    if (files.length === opts.maxFiles) throw new ZipError(`holds more than ${opts.maxFiles} files`);
    if (size > budget) throw new ZipError(`inflates to more than ${opts.maxBytes} bytes`);
    if (local + 30 > end || zip.readUInt32LE(local) !== LOCAL) throw new ZipError(`holds ${shown} at no local header`);
    const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    if (data + packed > end) throw new ZipError(`holds ${shown}, whose data lies outside the archive`);
    const content = method === 0 ? Buffer.from(zip.subarray(data, data + packed)) : inflate(zip.subarray(data, data + packed), size, shown);
    if (content.length !== size || zlib.crc32(content) !== crc)
      throw new ZipError(`holds ${shown}, whose data is damaged (size or CRC-32)`);
    budget -= size;
    files.push({ name, content });
  }
  return files;
}

/** Deflated data inflated to at most `size` bytes (one more is already a lie about its size). */
function inflate(data: Buffer, size: number, shown: string): Buffer {
  try {
    return zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, size) });
  } catch {
    throw new ZipError(`holds ${shown}, whose data is damaged or larger than it says`);
  }
}

/** The offset of the end-of-central-directory record: the last one, within the 64 KiB a comment may take. */
function endRecord(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= lowest; i--) {
    if (zip.readUInt32LE(i) === EOCD && i + 22 + zip.readUInt16LE(i + 20) === zip.length) return i;
  }
  throw new ZipError('is not a ZIP archive');
}
