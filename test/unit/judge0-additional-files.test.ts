/**
 * Judge0's `additional_files`: a ZIP archive read in memory in the API process by the package
 * archives' reader (src/fs/zip-archive.ts ZipFiles.fromBytes) and its files put beside the
 * source as Judge0's `unzip -n` leaves them (src/judge0/request.ts). The archives are built here
 * byte by byte, so that a hostile one (a link, a lying size, a bomb, damaged bytes) can be made
 * exactly; one is made by Python's zipfile, as a client's library makes them.
 */
import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';
import { Judge0Languages } from '../../src/judge0/languages';
import { fromJudge0 } from '../../src/judge0/request';
import { InvalidRequestError } from '../../src/errors';
import { ZipFiles } from '../../src/fs/zip-archive';

interface Entry {
  name: string;
  content?: Buffer | string;
  deflate?: boolean;
  /** Unix mode (madeBy Unix) in the external attributes. */
  mode?: number;
  flags?: number;
  method?: number;
  /** Overrides the declared uncompressed size. */
  size?: number;
}

function zip(entries: Entry[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.from(e.content ?? '');
    const packed = e.deflate ? zlib.deflateRawSync(data) : data;
    const name = Buffer.from(e.name, 'utf8');
    const method = e.method ?? (e.deflate ? 8 : 0);
    const flags = (e.flags ?? 0) | 0x800;
    const size = e.size ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(zlib.crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.mode === undefined ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(zlib.crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(Buffer.byteLength(comment), 20);
  return Buffer.concat([...locals, dir, end, Buffer.from(comment)]);
}

const caps = { maxEntries: 64, maxBytes: 1 << 20 };
const filesOf = (z: Buffer, limits = caps): Array<[string, number]> => {
  const a = ZipFiles.fromBytes(z, limits);
  return a.names().map((n) => [n, a.read(n).length]);
};

describe('a ZIP archive read from bytes in memory', () => {
  it('gives its stored and deflated files, skipping directories, past a comment', () => {
    const z = zip(
      [
        { name: 'lib/', mode: 0o040755 },
        { name: 'lib/util.h', content: 'int twice(int);', deflate: true, mode: 0o100644 },
        { name: 'data.txt', content: 'x'.repeat(5000), deflate: true },
        { name: 'empty' },
      ],
      'a comment',
    );
    expect(filesOf(z)).toEqual([
      ['lib/util.h', 15],
      ['data.txt', 5000],
      ['empty', 0],
    ]);
  });

  it("reads what Python's zipfile writes", () => {
    const script = [
      'import io, sys, zipfile',
      'b = io.BytesIO()',
      'with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:',
      '    z.writestr("a.txt", "alpha\\n")',
      '    z.writestr("d/b.txt", "beta" * 100)',
      '    z.writestr("ü.txt", "unicode name")',
      'sys.stdout.buffer.write(b.getvalue())',
    ].join('\n');
    expect(filesOf(execFileSync('python3', ['-c', script]))).toEqual([
      ['a.txt', 6],
      ['d/b.txt', 400],
      ['ü.txt', 12],
    ]);
  });

  it('refuses what is not a plain file inside the directory, a damaged entry, a bomb and a cut archive', () => {
    const refused = (z: Buffer, why: RegExp | string) => expect(() => filesOf(z)).toThrow(why);
    refused(zip([{ name: 'link', content: '/etc/passwd', mode: 0o120777 }]), 'holds link, a symbolic link');
    refused(zip([{ name: '/etc/x', content: 'x' }]), /not a relative path inside the archive/);
    refused(zip([{ name: 'a/../../x', content: 'x' }]), /not a relative path inside the archive/);
    refused(zip([{ name: 'secret', content: 'x', flags: 1 }]), 'holds secret encrypted');
    refused(zip([{ name: 'b', content: 'x', method: 12 }]), /compressed with method 12/);
    refused(
      zip([
        { name: 'a', content: 'x' },
        { name: 'a', content: 'y' },
      ]),
      'holds a twice',
    );
    const damaged = zip([{ name: 'a', content: 'hello' }]);
    damaged[30 + 1] = 'X'.charCodeAt(0); // the stored data, after the local header and the name
    refused(damaged, /does not match its size or CRC-32/);
    refused(zip([{ name: 'b', content: 'x'.repeat(1000), deflate: true, size: 10 }]), /does not inflate to its 10 bytes/);
    refused(zip([{ name: 'zeros', content: Buffer.alloc(8 << 20), deflate: true }]), `unpacks to more than ${1 << 20} bytes`);
    refused(zip(Array.from({ length: 65 }, (_, i) => ({ name: `f${i}`, content: 'x' }))), 'holds 65 entries, more than 64');
    const whole = zip([{ name: 'a', content: 'hello' }]);
    expect(() => filesOf(whole.subarray(0, whole.length - 5))).toThrow(InvalidRequestError);
    expect(() => filesOf(Buffer.alloc(0))).toThrow('is not a ZIP archive');
  });

  it('refuses damaged bytes anywhere with a client error, never another exception', () => {
    const base = zip([
      { name: 'a.txt', content: 'alpha'.repeat(50), deflate: true },
      { name: 'd/b.txt', content: 'beta' },
    ]);
    let seed = 1;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let n = 0; n < 5000; n++) {
      const z = Buffer.from(base);
      for (let j = 0; j <= random(4); j++) z[random(z.length)] = random(256);
      const cut = random(5) === 0 ? z.subarray(0, random(z.length)) : z;
      try {
        filesOf(cut);
      } catch (err) {
        if (!(err instanceof InvalidRequestError)) throw err;
      }
    }
  });
});

describe("Judge0's additional_files", () => {
  const languages = new Judge0Languages([
    { id: 'c', name: 'C', sourceFile: 'main.c', compile: ['gcc', '{sources}'], run: ['./main'], env: {}, extensions: ['.c'] },
    { id: 'python3', name: 'Python', sourceFile: 'main.py', compile: null, run: ['python3', '{entry}'], env: {}, extensions: ['.py'] },
    {
      id: 'java',
      name: 'Java',
      sourceFile: 'Main.java',
      compile: ['javac', '{sources}'],
      run: ['java', '{mainClass}'],
      env: {},
      extensions: ['.java'],
      entry: 'java-main',
    },
    {
      id: 'multifile',
      name: 'Multi-file program',
      sourceFile: 'run',
      compile: ['sh', '-c', 'if [ -f compile ]; then exec bash compile; fi'],
      run: ['sh', '-c', 'exec bash run "$@"', 'run'],
      env: {},
      extensions: [],
    },
  ]);
  const request = (language_id: number, files: Entry[], source = 'src') =>
    fromJudge0(
      { source_code: source, language_id, additional_files: zip(files).toString('base64') },
      { id: 't', base64: false, languages },
    );

  it('puts the files beside the source, the source winning over a file of its name, as unzip -n', () => {
    const out = request(71, [
      { name: 'main.py', content: 'not the source' },
      { name: 'helper.py', content: 'def f(): return 1', deflate: true },
      { name: 'bin.dat', content: Buffer.from([0xff, 0x00]) },
    ]);
    expect('submission' in out && out.submission).toMatchObject({
      language: 'python3',
      files: [
        { name: 'main.py', content: 'src', encoding: 'utf8' },
        { name: 'helper.py', content: 'def f(): return 1', encoding: 'utf8' },
        { name: 'bin.dat', content: '/wA=', encoding: 'base64' },
      ],
    });
    expect('submission' in out && out.submission.source).toBeUndefined();
  });

  it("refuses a C source in the archive (Judge0 compiles main.c alone), keeps a header, and names Java's entry", () => {
    expect(request(50, [{ name: 'util.h', content: 'int f(void);' }])).toMatchObject({
      submission: { files: [{ name: 'main.c' }, { name: 'util.h' }] },
    });
    expect(request(50, [{ name: 'lib/util.c', content: 'int f(void){return 1;}' }])).toEqual({
      errors: { additional_files: [expect.stringContaining('holds "lib/util.c", a source that caged would compile with main.c')] },
    });
    expect(request(62, [{ name: 'Util.java', content: 'class Util {}' }])).toMatchObject({
      submission: { entry: 'Main.java', files: [{ name: 'Main.java' }, { name: 'Util.java' }] },
    });
  });

  it('refuses more files than a submission carries before inflating any', () => {
    const files = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}.txt`, content: 'x' }));
    expect(request(71, files(63))).toMatchObject({ submission: { language: 'python3' } });
    expect(request(71, [...files(63), { name: 'main.py', content: 'not the source' }])).toMatchObject({
      submission: { language: 'python3' },
    });
    expect(request(71, files(64))).toEqual({
      errors: { additional_files: ['holds 64 files: with the source, more than the 64 a submission has'] },
    });
  });

  it('answers a bad archive in Judge0 shape under additional_files', () => {
    expect(fromJudge0({ source_code: 'x', language_id: 71, additional_files: '@@' }, { id: 't', base64: false, languages })).toEqual({
      errors: { additional_files: ['is not base64'] },
    });
    expect(request(71, [{ name: 'l', content: 'x', mode: 0o120777 }])).toEqual({
      errors: { additional_files: ['holds l, a symbolic link'] },
    });
    // an empty value is no archive, as Judge0 treats a blank field
    expect(fromJudge0({ source_code: 'x', language_id: 71, additional_files: '' }, { id: 't', base64: false, languages })).toMatchObject({
      submission: { source: 'x' },
    });
  });

  describe('a multi-file program (89)', () => {
    const project = (body: Record<string, unknown>) => fromJudge0({ language_id: 89, ...body }, { id: 't', base64: false, languages });
    const archive = (files: Entry[]) => zip(files).toString('base64');

    it('is the archive, every file of it with its directories, and no source: its scripts are found by the language', () => {
      expect(languages.get(89)).toMatchObject({ cagedId: 'multifile', project: true });
      expect(languages.get(71)).toMatchObject({ project: false });
      const out = project({
        additional_files: archive([
          { name: 'compile', content: 'make' },
          { name: 'run', content: './main', mode: 0o100755 },
          { name: 'src/main.c', content: 'int main(void){return 0;}', deflate: true, mode: 0o100644 },
          { name: 'Makefile', content: 'main: src/main.c' },
        ]),
        command_line_arguments: 'a b',
      });
      expect(out).toMatchObject({
        submission: {
          language: 'multifile',
          files: [
            { name: 'compile', content: 'make', encoding: 'utf8' },
            { name: 'run', content: './main', encoding: 'utf8', executable: true },
            { name: 'src/main.c', content: 'int main(void){return 0;}', encoding: 'utf8' },
            { name: 'Makefile', content: 'main: src/main.c', encoding: 'utf8' },
          ],
        },
      });
      const submission = 'submission' in out ? out.submission : null;
      // Only the file whose mode has an executable bit is written executable.
      expect(submission?.files?.filter((f) => f.executable).map((f) => f.name)).toEqual(['run']);
      expect(submission?.source).toBeUndefined();
      expect(submission?.entry).toBeUndefined();
      expect(submission?.testcases?.[0]?.args).toEqual(['a', 'b']);
      // A blank source is no source, as Judge0's absence check reads it.
      expect(project({ source_code: ' \n', additional_files: archive([{ name: 'run', content: 'echo' }]) })).toMatchObject({
        submission: { files: [{ name: 'run' }] },
      });
    });

    it("refuses a source, a missing or empty archive and compiler options, in Judge0's words", () => {
      expect(project({ source_code: 'echo hi', additional_files: archive([{ name: 'run', content: 'echo' }]) })).toEqual({
        errors: { source_code: ['must be blank'] },
      });
      expect(project({})).toEqual({ errors: { additional_files: ["can't be blank"] } });
      expect(project({ additional_files: archive([{ name: 'dir/', content: '' }]) })).toEqual({
        errors: { additional_files: ['holds no file: a multi-file program is its files (a run script among them)'] },
      });
      expect(project({ additional_files: archive([{ name: 'run', content: 'echo' }]), compiler_options: '-O2' })).toEqual({
        errors: { compiler_options: ['setting compiler options is only allowed for compiled languages'] },
      });
      const many = Array.from({ length: 65 }, (_, i) => ({ name: `f${i}`, content: 'x' }));
      expect(project({ additional_files: archive(many.slice(0, 64)) })).toMatchObject({ submission: { language: 'multifile' } });
      expect(project({ additional_files: archive(many) })).toEqual({
        errors: { additional_files: ['holds 65 files: more than the 64 a submission has'] },
      });
      // Any other language still needs its source.
      expect(fromJudge0({ language_id: 71 }, { id: 't', base64: false, languages })).toEqual({
        errors: { source_code: ["can't be blank"] },
      });
      expect(fromJudge0({ language_id: 71, source_code: '' }, { id: 't', base64: false, languages })).toEqual({
        errors: { source_code: ["can't be blank"] },
      });
    });
  });
});
