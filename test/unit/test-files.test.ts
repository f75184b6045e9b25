/**
 * A test's own input files (`testcases[].files`, src/judge/test-files.ts): what the wire
 * accepts, and the /box a test's run is given (its files over the job's box), made and removed
 * around the run. No container, no root: the run is a callback that looks at the directories.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../../src/errors';
import { parseTestcase } from '../../src/judge/plan';
import { makeSubmissionSchema } from '../../src/judge/schema';
import { boxPath, testFilesBytes, withTestBox } from '../../src/judge/test-files';

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

  it('removes the files when the run fails, and counts their bytes decoded', async () => {
    await expect(
      withTestBox({ box, testcase: { files }, index: 1, hasOverlay: true }, () => Promise.reject(new Error('launch failed'))),
    ).rejects.toThrow('launch failed');
    expect(fs.existsSync(path.join(tmp, 'test-files-1'))).toBe(false);
    expect(testFilesBytes({ files })).toBe(5);
  });
});
