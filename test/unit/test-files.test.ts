/**
 * A test's own input files (`testcases[].files`, src/judge/test-files.ts): what the wire
 * accepts, and the /box a test's run is given (its files over the job's box), made and removed
 * around the run. No container, no root: the run is a callback that looks at the directories.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../../src/errors';
import { parseTestcase } from '../../src/judge/plan';
import { makeSubmissionSchema } from '../../src/judge/schema';
import { readOutputFile } from '../../src/judge/file-io';
import { decodedLength } from '../../src/judge/program-schema';
import { boxFilesBytes, boxPath, testFilesBytes, withTestBox } from '../../src/judge/test-files';

const schema = makeSubmissionSchema();

function issues(files: unknown): string[] {
  const r = schema.safeParse({ language: 'c', source: 'x', testcases: [{ files }] });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the wire', () => {
  it('accepts relative paths, nested and hidden, in utf8 or base64', () => {
    expect(
      issues([
        { path: 'grid.txt', content: '3x3\n' },
        { path: '.hidden', content: '' },
        { path: 'data/deep/in.bin', content: Buffer.from([0, 255]).toString('base64'), encoding: 'base64' },
        { path: '-starts-with-dash', content: 'x' },
      ]),
    ).toEqual([]);
  });

  it('refuses paths that leave the directory or name nothing, naming the test and file', () => {
    for (const p of [
      '/etc/passwd',
      '../x',
      'a/../../x',
      'a//b',
      'a/',
      '.',
      'a/./b',
      '',
      'nul\0byte',
      `${'d/'.repeat(16)}x`,
      'x'.repeat(256),
    ]) {
      const got = issues([{ path: p, content: '' }]);
      expect(`${p}: ${got[0] ?? 'accepted'}`).toMatch(/: testcases\.0\.files\.0\.path: /);
    }
  });

  it('refuses a path given twice, a file that is also a directory, bad base64, more than 1000 files', () => {
    expect(
      issues([
        { path: 'a', content: '' },
        { path: 'a', content: '' },
      ]),
    ).toEqual(['testcases.0.files.1.path: duplicate path "a"']);
    expect(
      issues([
        { path: 'a', content: '' },
        { path: 'a/b', content: '' },
      ]),
    ).toEqual(['testcases.0.files.1.path: "a" is a file of this test, so it cannot also be a directory']);
    expect(issues([{ path: 'a', content: '***', encoding: 'base64' }])).toEqual(['testcases.0.files.0.content: is not base64']);
    expect(issues(Array.from({ length: 1001 }, (_, i) => ({ path: `f${i}`, content: '' })))).toHaveLength(1);
  });
});

describe('one test case alone (parseTestcase: the tests given one at a time to an opened job)', () => {
  it('is checked as a submission checks its test cases, the field named', () => {
    expect(parseTestcase({ stdin: '1 2\n', expected: 'Mw==', expectedEncoding: 'base64', files: [{ path: 'a/b', content: 'x' }] })).toEqual(
      {
        stdin: '1 2\n',
        stdinEncoding: 'utf8',
        expected: 'Mw==',
        expectedEncoding: 'base64',
        points: 1,
        files: [{ path: 'a/b', content: 'x', encoding: 'utf8' }],
      },
    );
    const refusal = (raw: unknown) => {
      try {
        parseTestcase(raw);
      } catch (err) {
        return err instanceof InvalidRequestError ? err.message : String(err);
      }
      return 'accepted';
    };
    expect(refusal({ stdin: '***', stdinEncoding: 'base64' })).toBe('testcases.stdin: is not base64');
    expect(refusal({ expected: '***', expectedEncoding: 'base64' })).toBe('testcases.expected: is not base64');
    expect(refusal({ files: [{ path: '../x', content: '' }] })).toMatch(/^testcases\.files\[0\]\.path: /);
    expect(refusal({ stdin: '', extra: 1 })).toMatch(/^testcases\.extra: /);
  });
});

describe("a test's /box", () => {
  let tmp: string;
  let box: string;
  let layer: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-test-files-'));
    box = path.join(tmp, 'box');
    layer = path.join(tmp, 'layer');
    fs.mkdirSync(box);
    fs.mkdirSync(layer);
    fs.writeFileSync(path.join(box, 'main.py'), 'print(1)\n');
    fs.writeFileSync(path.join(box, 'k.txt'), '1\n');
    fs.writeFileSync(path.join(layer, 'main'), 'ELF');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const files = [
    { path: 'k.txt', content: '5\n', encoding: 'utf8' as const },
    { path: 'data/deep/in.bin', content: Buffer.from([1, 2, 3]).toString('base64'), encoding: 'base64' as const },
  ];

  it('is the box and its layers alone for a test without files', async () => {
    const seen = await withTestBox({ box, boxLayers: [layer], testcase: {}, index: 0, hasOverlay: true }, (b) => Promise.resolve(b));
    expect(seen).toEqual({ box: { hostDir: box, mode: 'overlay', lowerDirs: [layer] }, dirs: [box, layer] });
    expect(fs.readdirSync(tmp).sort()).toEqual(['box', 'layer']);
  });

  it('lays the files over the box and its layers with overlayfs, and removes them after the run', async () => {
    const dir = path.join(tmp, 'test-files-3');
    const seen = await withTestBox({ box, boxLayers: [layer], testcase: { files }, index: 3, hasOverlay: true }, (b) => {
      expect(fs.readFileSync(path.join(dir, 'k.txt'), 'utf8')).toBe('5\n');
      expect([...fs.readFileSync(path.join(dir, 'data/deep/in.bin'))]).toEqual([1, 2, 3]);
      expect(fs.statSync(path.join(dir, 'data/deep')).mode & 0o777).toBe(0o755);
      expect(fs.statSync(path.join(dir, 'k.txt')).mode & 0o777).toBe(0o644);
      expect(fs.readdirSync(dir).sort()).toEqual(['data', 'k.txt']); // the box's own files stay below
      expect(boxPath('k.txt', b.dirs)).toBe(path.join(dir, 'k.txt'));
      expect(boxPath('main.py', b.dirs)).toBe(path.join(box, 'main.py'));
      expect(boxPath('main', b.dirs)).toBe(path.join(layer, 'main'));
      return Promise.resolve(b);
    });
    expect(seen).toEqual({ box: { hostDir: dir, mode: 'overlay', lowerDirs: [box, layer] }, dirs: [dir, box, layer] });
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readFileSync(path.join(box, 'k.txt'), 'utf8')).toBe('1\n');
  });

  it('copies the box with the files over it without overlayfs, never writing through a link the box holds', async () => {
    fs.symlinkSync(path.join(tmp, 'outside'), path.join(box, 'data'));
    fs.mkdirSync(path.join(tmp, 'outside'));
    const dir = path.join(tmp, 'test-files-0');
    await withTestBox({ box, testcase: { files }, index: 0, hasOverlay: false }, (b) => {
      expect(b).toEqual({ box: { hostDir: dir, mode: 'overlay' }, dirs: [dir] });
      expect(fs.readFileSync(path.join(dir, 'k.txt'), 'utf8')).toBe('5\n');
      expect(fs.readFileSync(path.join(dir, 'main.py'), 'utf8')).toBe('print(1)\n');
      expect(fs.lstatSync(path.join(dir, 'data')).isDirectory()).toBe(true);
      return Promise.resolve();
    });
    expect(fs.readdirSync(path.join(tmp, 'outside'))).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('writes the input file (fileIo.input) over the box and the test files, and counts it', async () => {
    const dir = path.join(tmp, 'test-files-2');
    const inputFile = { path: 'k.txt', data: Buffer.from('7 8\n') };
    await withTestBox({ box, testcase: { files }, index: 2, hasOverlay: true, inputFile }, (b) => {
      expect(fs.readFileSync(path.join(dir, 'k.txt'), 'utf8')).toBe('7 8\n');
      expect(boxPath('data/deep/in.bin', b.dirs)).toBe(path.join(dir, 'data/deep/in.bin'));
      return Promise.resolve();
    });
    expect(fs.existsSync(dir)).toBe(false);
    expect(boxFilesBytes({ stdin: '7 8\n', stdinEncoding: 'utf8' }, true)).toBe(4 + 4096);
    expect(boxFilesBytes({ stdin: 'AAAA', stdinEncoding: 'base64', files }, true)).toBe(5 + 2 * 4096 + 3 + 4096);
    expect(boxFilesBytes({ stdin: 'x', stdinEncoding: 'utf8' }, false)).toBe(0);
  });

  it("keeps the run's writes in a directory of their own (keepWrites), removed after the run whatever happens", async () => {
    const kept = path.join(tmp, 'kept');
    let removed = 0;
    const keepWrites = () => {
      fs.mkdirSync(path.join(kept, 'box'), { recursive: true });
      const remove = () => {
        removed++;
        fs.rmSync(kept, { recursive: true, force: true });
      };
      return { path: kept, box: path.join(kept, 'box'), remove, removeAsync: () => Promise.resolve(remove()) };
    };
    const seen = await withTestBox({ box, testcase: {}, index: 0, hasOverlay: true, keepWrites }, (b) => {
      expect(fs.statSync(path.join(kept, 'work')).isDirectory()).toBe(true);
      return Promise.resolve(b);
    });
    expect(seen).toEqual({
      box: { hostDir: box, mode: 'overlay', upper: { dir: path.join(kept, 'box'), work: path.join(kept, 'work') } },
      dirs: [box],
      kept: path.join(kept, 'box'),
    });
    expect(removed).toBe(1);
    await expect(
      withTestBox({ box, testcase: { files }, index: 4, hasOverlay: true, keepWrites }, () => Promise.reject(new Error('x'))),
    ).rejects.toThrow('x');
    expect(removed).toBe(2);
    expect(fs.existsSync(kept)).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'test-files-4'))).toBe(false);
  });

  it('removes the files when the run fails, and counts their bytes decoded', async () => {
    await expect(
      withTestBox({ box, testcase: { files }, index: 1, hasOverlay: true }, () => Promise.reject(new Error('launch failed'))),
    ).rejects.toThrow('launch failed');
    expect(fs.existsSync(path.join(tmp, 'test-files-1'))).toBe(false);
    expect(testFilesBytes({ files })).toBe(5);
  });
});

describe('the answer in an output file (fileIo.output)', () => {
  let kept: string;
  beforeEach(() => (kept = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-output-file-'))));
  afterEach(() => fs.rmSync(kept, { recursive: true, force: true }));

  it('is the file, capped; empty with a note when it is absent, a link, a directory or a FIFO', async () => {
    fs.writeFileSync(path.join(kept, 'out.txt'), '42\n');
    expect(await readOutputFile(kept, 'out.txt', 100)).toEqual({ data: Buffer.from('42\n'), overLimit: false });
    expect(await readOutputFile(kept, 'out.txt', 2)).toEqual({ data: Buffer.from('42'), overLimit: true });
    const absent = { data: Buffer.alloc(0), overLimit: false, note: 'no none.txt written', absent: true };
    expect(await readOutputFile(kept, 'none.txt', 100)).toEqual(absent);
    // The empty file a read-only box holds for the program, never opened to write (its times the epoch's): not written either.
    fs.writeFileSync(path.join(kept, 'untouched.txt'), '');
    fs.utimesSync(path.join(kept, 'untouched.txt'), 0, 0);
    expect(await readOutputFile(kept, 'untouched.txt', 100)).toEqual({ ...absent, note: 'no untouched.txt written' });
    // Opened to write and left empty (its times moved): written, empty.
    fs.writeFileSync(path.join(kept, 'untouched.txt'), '');
    expect(await readOutputFile(kept, 'untouched.txt', 100)).toEqual({ data: Buffer.alloc(0), overLimit: false });
    fs.symlinkSync('/etc/passwd', path.join(kept, 'link.txt'));
    expect(await readOutputFile(kept, 'link.txt', 100)).toMatchObject({ data: Buffer.alloc(0), note: 'link.txt is a symbolic link' });
    fs.mkdirSync(path.join(kept, 'dir.txt'));
    expect((await readOutputFile(kept, 'dir.txt', 100)).note).toMatch(/dir\.txt/);
    execFileSync('mkfifo', [path.join(kept, 'fifo.txt')]);
    expect(await readOutputFile(kept, 'fifo.txt', 100)).toMatchObject({ data: Buffer.alloc(0), note: 'fifo.txt is not a regular file' });
  });
});

describe('file input and output on the wire (fileIo)', () => {
  const issuesOf = (extra: Record<string, unknown>, testcases: unknown[] = [{}]): string[] => {
    const r = schema.safeParse({ language: 'c', source: 'x', testcases, ...extra });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes plain file names, one or both', () => {
    expect(issuesOf({ fileIo: { input: 'input.txt', output: 'output.txt' } })).toEqual([]);
    expect(issuesOf({ fileIo: { input: 'sum.in' } })).toEqual([]);
    expect(issuesOf({ fileIo: { output: '.out' } })).toEqual([]);
  });

  it('refuses names that are not plain, the same name twice, nothing, and what it cannot go with', () => {
    for (const bad of ['a/b', '..', '.', '', 'x'.repeat(256), 'a\0b'])
      expect(issuesOf({ fileIo: { input: bad } })[0]).toMatch(/^fileIo\.input: must be a plain file name/);
    expect(issuesOf({ fileIo: {} })).toEqual(['fileIo: name an input file, an output file or both']);
    expect(issuesOf({ fileIo: { input: 'a', output: 'a' } })).toEqual(['fileIo.output: must not be the input file']);
    expect(issuesOf({ fileIo: { input: 'a', extra: 1 } })[0]).toMatch(/^fileIo: /);
    expect(issuesOf({ fileIo: { output: 'o' }, stderrToStdout: true })).toEqual([
      'stderrToStdout: the answer is read from the output file, not stdout',
    ]);
    expect(issuesOf({ fileIo: { input: 'i' }, stderrToStdout: true })).toEqual([]);
    // Not writing files but the output file: the output file alone is writable.
    expect(issuesOf({ fileIo: { output: 'o' }, allowFileWriting: false })).toEqual([]);
    expect(issuesOf({ fileIo: { input: 'i' }, allowFileWriting: false })).toEqual([]);
    // An empty standard input is for a program reading an input file.
    expect(issuesOf({ fileIo: { input: 'i', stdin: false } })).toEqual([]);
    expect(issuesOf({ fileIo: { output: 'o', stdin: false } })).toEqual(['fileIo.stdin: is for an input file (fileIo.input)']);
    expect(issuesOf({ fileIo: { input: 'i' }, interactor: { language: 'python3', source: 'pass' } })).toEqual([
      'fileIo: an interactive problem talks through standard input and output',
    ]);
    expect(issuesOf({ fileIo: { input: 'i' }, testcases: [], problem: { id: 'sum', digest: `sha256:${'0'.repeat(64)}` } })).toEqual([
      "fileIo: a problem package brings its own (Polygon's input-file and output-file)",
    ]);
    expect(
      issuesOf({ fileIo: { input: 'in' } }, [{ files: [{ path: 'in', content: '' }] }, { files: [{ path: 'in/x', content: '' }] }]),
    ).toEqual([
      'testcases.0.files.0.path: is the input file\'s place (fileIo.input "in")',
      'testcases.1.files.0.path: is the input file\'s place (fileIo.input "in")',
    ]);
  });
});

describe('the decoded length of base64 text (decodedLength)', () => {
  it('is what Buffer.from decodes, without decoding, for every length and padding', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let len = 0; len < 40; len++)
      for (const pad of ['', '=', '==']) {
        const text = Array.from({ length: len }, (_, i) => alphabet[(i * 7 + len) % 64]).join('') + pad;
        expect([text, decodedLength(text, 'base64')]).toEqual([text, Buffer.from(text, 'base64').length]);
      }
    expect(decodedLength('héllo', 'utf8')).toBe(6);
  });
});
