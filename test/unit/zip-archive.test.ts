/**
 * Package archives (src/fs/zip-archive.ts, src/problem/package-path.ts): ZIP archives made
 * by Python's zipfile (stored and deflated entries, Unix modes, a directory), extracted as they
 * were, ZIP64 records included; and every refusal: a name leaving the archive, a link, an entry twice, a file where a
 * directory is, a damaged CRC, an entry that inflates past its declared size (a zip bomb), a
 * cap on the bytes, and an archive without problem.yaml at its root or in its one directory.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, extractZip } from '../../src/fs/zip-archive';
import { openPackagePath } from '../../src/problem/package-path';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-zip-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A ZIP made by Python's zipfile: `entries` are [name, content, unix mode (octal, with the file
 * type), deflated?]; a content of null with a mode of 0o120777 is a link to "target".
 */
function makeZip(name: string, entries: [string, string, number, boolean][], zip64 = false): string {
  const file = path.join(tmp, name);
  // zip64: zipfile's own ZIP64 records, written for every size and offset above 0 as they are
  // for those above 4 GiB (its limits lowered to 0): the end record, every entry's extra field.
  const script = `
import json, sys, zipfile
if sys.argv[3] == '1':
    zipfile.ZIP64_LIMIT = 0
    zipfile.ZIP_FILECOUNT_LIMIT = 0
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for name, content, mode, deflate in json.loads(sys.argv[2]):
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = mode << 16
        info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
        z.writestr(info, content)
`;
  execFileSync('python3', ['-c', script, file, JSON.stringify(entries), zip64 ? '1' : '0']);
  return file;
}

const FILE = 0o100644;
const EXEC = 0o100755;
const limits = { maxBytes: 2 ** 20, maxEntries: 1000 };

describe('a ZIP archive', () => {
  it('extracts stored and deflated files at their paths, executable bits kept, directories made', () => {
    const zip = makeZip('p.zip', [
      ['problem.yaml', 'name: Zipped\n', FILE, false],
      ['data/secret/1.in', '1 2\n'.repeat(1000), FILE, true],
      ['output_validators/v/build', '#!/bin/sh\n', EXEC, true],
      ['empty/', '', 0o040755, false],
    ]);
    const dest = path.join(tmp, 'out');
    extractZip(zip, dest, limits);
    expect(fs.readFileSync(path.join(dest, 'data/secret/1.in'), 'utf8')).toBe('1 2\n'.repeat(1000));
    expect(fs.statSync(path.join(dest, 'output_validators/v/build')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(dest, 'problem.yaml')).mode & 0o777).toBe(0o644);
    expect(fs.statSync(path.join(dest, 'empty')).isDirectory()).toBe(true);
  });

  it('reads ZIP64 records and extra fields (sizes, offsets, the entry count), and refuses broken ones', () => {
    const entries: [string, string, number, boolean][] = [
      ['problem.yaml', 'name: Zipped\n', FILE, false],
      ['data/secret/1.in', '1 2\n'.repeat(1000), FILE, true],
      ['output_validators/v/build', '#!/bin/sh\n', EXEC, true],
    ];
    const zip = makeZip('z64.zip', entries, true);
    const bytes = fs.readFileSync(zip);
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // the ZIP64 end record
    const dest = path.join(tmp, 'out');
    extractZip(zip, dest, limits);
    for (const [name, content] of entries) expect(fs.readFileSync(path.join(dest, name), 'utf8')).toBe(content);
    expect(fs.statSync(path.join(dest, 'output_validators/v/build')).mode & 0o777).toBe(0o755);
    // The caps hold on the ZIP64 values too.
    expect(() => extractZip(zip, path.join(tmp, 'o1'), { maxBytes: 100, maxEntries: 10 })).toThrow(/unpacks to more than 100 bytes/);
    expect(() => extractZip(zip, path.join(tmp, 'o2'), { maxBytes: 2 ** 20, maxEntries: 2 })).toThrow(/holds 3 entries, more than 2/);
    // An entry marked ZIP64 without its extra field (the field's id changed).
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const noExtra = Buffer.from(bytes);
    const extraAt = central + 46 + noExtra.readUInt16LE(central + 28);
    expect(noExtra.readUInt16LE(extraAt)).toBe(0x0001);
    noExtra.writeUInt16LE(0x9999, extraAt);
    fs.writeFileSync(path.join(tmp, 'noextra.zip'), noExtra);
    expect(() => extractZip(path.join(tmp, 'noextra.zip'), path.join(tmp, 'o3'), limits)).toThrow(
      /holds problem\.yaml with ZIP64 sizes but no ZIP64 extra field/,
    );
    // A locator pointing past the file.
    const locator = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
    const farRecord = Buffer.from(bytes);
    farRecord.writeBigUInt64LE(BigInt(bytes.length) * 2n, locator + 8);
    fs.writeFileSync(path.join(tmp, 'far.zip'), farRecord);
    expect(() => extractZip(path.join(tmp, 'far.zip'), path.join(tmp, 'o4'), limits)).toThrow(
      /has a broken ZIP64 end of central directory record/,
    );
    // ZIP64 markers in the end record of an archive without the ZIP64 records.
    const plain = fs.readFileSync(makeZip('plain.zip', entries));
    const end = plain.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    plain.writeUInt32LE(0xffffffff, end + 16);
    fs.writeFileSync(path.join(tmp, 'marked.zip'), plain);
    expect(() => extractZip(path.join(tmp, 'marked.zip'), path.join(tmp, 'o5'), limits)).toThrow(/ZIP64 values without a ZIP64 end record/);
  });

  it('computes ZIP’s CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it.each([
    ['a name leaving it', [['../escape', 'x', FILE, false]], /holds an entry named "\.\.\/escape": not a relative path/],
    ['an absolute name', [['/etc/x', 'x', FILE, false]], /holds an entry named "\/etc\/x"/],
    ['a backslash', [['a\\b', 'x', FILE, false]], /holds an entry named "a\\\\b"/],
    ['a link', [['link', 'target', 0o120777, false]], /holds link, a symbolic link/],
    [
      'an entry twice',
      [
        ['a', 'x', FILE, false],
        ['a', 'y', FILE, false],
      ],
      /holds a twice/,
    ],
    [
      'a file where a directory is',
      [
        ['a', 'x', FILE, false],
        ['a/b', 'y', FILE, false],
      ],
      /holds a\/b where another entry is a file/,
    ],
  ] as [string, [string, string, number, boolean][], RegExp][])('refuses %s, writing nothing outside', (_what, entries, message) => {
    const zip = makeZip('bad.zip', entries);
    expect(() => extractZip(zip, path.join(tmp, 'out'), limits)).toThrow(message);
    expect(fs.existsSync(path.join(path.dirname(tmp), 'escape'))).toBe(false);
  });

  it('refuses a damaged entry (CRC-32), one that inflates past its declared size, and more bytes than the cap', () => {
    const zip = makeZip('z.zip', [['big', '0'.repeat(100_000), FILE, true]]);
    const bytes = fs.readFileSync(zip);
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const damaged = Buffer.from(bytes);
    damaged.writeUInt32LE((damaged.readUInt32LE(central + 16) ^ 1) >>> 0, central + 16);
    fs.writeFileSync(path.join(tmp, 'crc.zip'), damaged);
    expect(() => extractZip(path.join(tmp, 'crc.zip'), path.join(tmp, 'o1'), limits)).toThrow(/does not match its size or CRC-32/);
    // Declared 100 bytes; the data inflates to 100,000: stopped at the declared size.
    const bomb = Buffer.from(bytes);
    bomb.writeUInt32LE(100, central + 24);
    fs.writeFileSync(path.join(tmp, 'bomb.zip'), bomb);
    expect(() => extractZip(path.join(tmp, 'bomb.zip'), path.join(tmp, 'o2'), limits)).toThrow(/does not inflate to its 100 bytes/);
    // A package's refusal names PROBLEM_DIR once.
    expect(() => openPackagePath(path.join(tmp, 'bomb.zip'))).toThrow(
      new RegExp(`^PROBLEM_DIR: ${path.join(tmp, 'bomb.zip')} holds big that does not inflate to its 100 bytes`),
    );
    expect(() => extractZip(zip, path.join(tmp, 'o3'), { maxBytes: 50_000, maxEntries: 10 })).toThrow(/unpacks to more than 50000 bytes/);
    // Sizes past the file are refused before anything that large is allocated.
    const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const hugeDirectory = Buffer.from(bytes);
    hugeDirectory.writeUInt32LE(0xfffffff0, end + 12);
    fs.writeFileSync(path.join(tmp, 'cd.zip'), hugeDirectory);
    expect(() => extractZip(path.join(tmp, 'cd.zip'), path.join(tmp, 'o5'), limits)).toThrow(/has a broken central directory/);
    const hugeEntry = Buffer.from(bytes);
    hugeEntry.writeUInt32LE(0xfffffff0, central + 20);
    fs.writeFileSync(path.join(tmp, 'entry.zip'), hugeEntry);
    expect(() => extractZip(path.join(tmp, 'entry.zip'), path.join(tmp, 'o6'), limits)).toThrow(
      /holds big whose sizes do not fit the archive/,
    );
    fs.writeFileSync(path.join(tmp, 'not.zip'), 'not an archive at all');
    expect(() => extractZip(path.join(tmp, 'not.zip'), path.join(tmp, 'o4'), limits)).toThrow(/is not a ZIP archive/);
  });
});

describe('a package given as an archive', () => {
  it('is the archive’s root, or its one top-level directory, named as the archive; removed on close', () => {
    const atRoot = openPackagePath(makeZip('hello.zip', [['problem.yaml', 'name: Hi\n', FILE, true]]));
    expect(path.basename(atRoot.dir)).toBe('hello');
    expect(fs.readFileSync(path.join(atRoot.dir, 'problem.yaml'), 'utf8')).toBe('name: Hi\n');
    atRoot.close();
    expect(fs.existsSync(atRoot.dir)).toBe(false);
    const nested = openPackagePath(makeZip('hello.kpp', [['hello/problem.yaml', 'name: Hi\n', FILE, true]]));
    expect(nested.dir.endsWith(path.join('hello', 'hello'))).toBe(true);
    nested.close();
    const dir = openPackagePath(tmp);
    expect(dir.dir).toBe(tmp);
    dir.close();
    expect(fs.existsSync(tmp)).toBe(true);
  });

  it('is refused without problem.yaml at its root or in its one directory, naming the archive, and leaves nothing behind', () => {
    const zip = makeZip('none.zip', [
      ['a/problem.yaml', 'name: A\n', FILE, false],
      ['b/x', 'x', FILE, false],
    ]);
    const bad = makeZip('bad.zip', [['../x', 'x', FILE, false]]);
    // Extracted into a temporary directory of this test's own, to see that nothing stays.
    const scratch = fs.mkdtempSync(path.join(tmp, 'scratch-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    try {
      expect(() => openPackagePath(zip)).toThrow(
        `PROBLEM_DIR: ${zip} holds no problem.yaml (nor a Polygon problem.xml, nor a DMOJ init.yml) at its root, nor in its one top-level directory`,
      );
      expect(() => openPackagePath(bad)).toThrow(`PROBLEM_DIR: ${bad} holds an entry named "../x"`);
      expect(fs.readdirSync(scratch)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});
