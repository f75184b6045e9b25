/**
 * A package's program directories are read whole, as problemtools copies them: every file at
 * any depth, at its path, sorted by bytes; a name the caller refuses leaves out its subtree; a
 * special file is refused by name; links stay inside the package.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PackageFiles, unixLineEnds } from '../../src/problem/package-files';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-pkgfiles-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text = 'x'): void {
  fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
  fs.writeFileSync(path.join(tmp, rel), text);
}

describe("a program directory's files (filesBelow)", () => {
  it('are all its files at any depth, at their paths, sorted by bytes', () => {
    for (const f of ['include/java/Main.java', 'include/java/unsigned/UnsignedLong.java', 'include/java/a.txt', 'include/java/a/b/c.h'])
      write(f);
    fs.mkdirSync(path.join(tmp, 'include/java/empty'));
    expect(PackageFiles.open(tmp).filesBelow('include/java')).toEqual(['Main.java', 'a.txt', 'a/b/c.h', 'unsigned/UnsignedLong.java']);
  });

  it('leave out a name the caller refuses, a directory with all it holds', () => {
    for (const f of ['d/.gitkeep', 'd/ok.h', 'd/.git/config', 'd/sub/.hidden', 'd/sub/x.h']) write(f);
    expect(PackageFiles.open(tmp).filesBelow('d', (n) => !n.startsWith('.'))).toEqual(['ok.h', 'sub/x.h']);
  });

  it('refuse a special file, naming it, and a link out of the package', () => {
    write('d/ok.h');
    execFileSync('mkfifo', [path.join(tmp, 'd/pipe')]);
    expect(() => PackageFiles.open(tmp).filesBelow('d')).toThrow(/d\/pipe: is neither a file nor a directory/);
    fs.rmSync(path.join(tmp, 'd/pipe'));
    fs.symlinkSync('/etc', path.join(tmp, 'd/etc'));
    expect(() => PackageFiles.open(tmp).filesBelow('d')).toThrow(/link pointing outside the package/);
  });
});

describe('files read as Unix text (markUnixText: a Polygon package made for Windows)', () => {
  it('reads each CR LF of a marked file as LF, a lone CR kept; other files as they are', () => {
    write('tests/01', '1 2\r\n3\r\n\r\nend\r');
    write('tests/01.a', '3\r\n');
    const files = PackageFiles.open(tmp);
    files.markUnixText('tests/01');
    expect(files.read('tests/01').toString('latin1')).toBe('1 2\n3\n\nend\r');
    expect(files.read('tests/01.a').toString('latin1')).toBe('3\r\n');
    // The size stays the file's: an upper bound of what is read.
    expect(files.size('tests/01')).toBe(14);
    expect(unixLineEnds(Buffer.from('\r\r\n\n'))).toEqual(Buffer.from('\r\n\n'));
    const plain = Buffer.from('a\nb\n');
    expect(unixLineEnds(plain)).toBe(plain);
  });
});
