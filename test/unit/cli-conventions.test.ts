/**
 * The command line's conventions that need no root, Redis or image: the one test-directory
 * rule, files kept as bytes, NUL sources refused, unknown options refused, JSON errors, and the
 * payload digest behind idempotent ids.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../../src/cli/args';
import { errorJson } from '../../src/cli/error-json';
import { asField, readSource } from '../../src/cli/input-bytes';
import { naturalCompare, readTestDir } from '../../src/cli/test-dir';
import { ConflictError, WaitTimeoutError } from '../../src/client/errors';
import { payloadDigest } from '../../src/client/payload-digest';
import { HostError, InvalidRequestError } from '../../src/errors';
import { makeSubmissionSchema } from '../../src/judge/schema';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-cli-unit-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function files(entries: Record<string, string | Buffer>): string {
  for (const [name, content] of Object.entries(entries)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('the test-directory rule', () => {
  it('pairs NAME.in with NAME.ans or NAME.out, in natural order', () => {
    files({ '10.in': 'j', '10.out': 'J', '2.in': 'b', '2.ans': 'B', '1.in': 'a', '1.ans': 'A', 'b-small.in': 's', 'b-small.ans': 'S' });
    const { testcases, unpaired } = readTestDir(dir, { noExpected: false });
    expect(testcases.map((t) => [t.name, t.stdin, t.expected])).toEqual([
      ['1', 'a', 'A'],
      ['2', 'b', 'B'],
      ['10', 'j', 'J'],
      ['b-small', 's', 'S'],
    ]);
    expect(unpaired).toEqual([]);
  });

  it('refuses an .in without an answer, unless told there is no expected output', () => {
    files({ '1.in': 'a', '1.ans': 'A', '2.in': 'b' });
    expect(() => readTestDir(dir, { noExpected: false })).toThrow(/^--tests: 2\.in in .* has no NAME\.ans or NAME\.out: .*--no-expected/);
    const { testcases } = readTestDir(dir, { noExpected: true });
    expect(testcases[1]).toEqual({ name: '2', stdin: 'b', stdinEncoding: 'utf8' });
    expect(testcases[0]!.expected).toBe('A');
  });

  it('refuses a test with both NAME.ans and NAME.out', () => {
    files({ '1.in': 'a', '1.ans': 'A', '1.out': 'A' });
    expect(() => readTestDir(dir, { noExpected: false })).toThrow('1.in has both 1.ans and 1.out');
  });

  it('reports what pairs with nothing: a lone answer, notes, subdirectories', () => {
    files({ '1.in': 'a', '1.ans': 'A', '3.ans': 'C', README: 'x', 'sub/4.in': 'd' });
    expect(readTestDir(dir, { noExpected: false }).unpaired).toEqual(['3.ans', 'README', 'sub/']);
  });

  it("takes a test's NAME.files directory as its input files, every file below it; a link there is refused", () => {
    files({
      '1.in': 'a',
      '1.ans': 'A',
      '1.files/grid.txt': '3x3',
      '1.files/.hidden': 'h',
      '1.files/data/deep/in.txt': '42',
      '2.in': 'b',
      '2.ans': 'B',
    });
    const { testcases, unpaired } = readTestDir(dir, { noExpected: false });
    const decoded = (t: (typeof testcases)[number]) => t.files?.map((f) => [f.path, Buffer.from(f.content, 'base64').toString()]);
    expect(testcases.map(decoded)).toEqual([
      [
        ['.hidden', 'h'],
        ['data/deep/in.txt', '42'],
        ['grid.txt', '3x3'],
      ],
      undefined,
    ]);
    expect(unpaired).toEqual([]);
    fs.symlinkSync('/etc/passwd', path.join(dir, '1.files', 'link'));
    expect(() => readTestDir(dir, { noExpected: false })).toThrow(/1\.files\/link is neither a file nor a directory/);
  });

  it('refuses a directory with no .in and a missing directory', () => {
    files({ '1.ans': 'A' });
    expect(() => readTestDir(dir, { noExpected: true })).toThrow(/no NAME\.in files/);
    expect(() => readTestDir(path.join(dir, 'nope'), { noExpected: true })).toThrow(/not a directory/);
  });

  it('keeps bytes that are not UTF-8 as base64', () => {
    files({ '1.in': Buffer.from([0xff, 0x00, 0x41]), '1.ans': Buffer.from('h\xe9', 'latin1') });
    const [t] = readTestDir(dir, { noExpected: false }).testcases;
    expect(t).toMatchObject({ stdinEncoding: 'base64', expectedEncoding: 'base64' });
    expect(Buffer.from(t!.stdin!, 'base64')).toEqual(Buffer.from([0xff, 0x00, 0x41]));
    expect(Buffer.from(t!.expected!, 'base64')).toEqual(Buffer.from([0x68, 0xe9]));
  });

  it('orders digit runs as numbers', () => {
    expect(['10', '9', 'a2', 'a10', '1'].sort(naturalCompare)).toEqual(['1', '9', '10', 'a2', 'a10']);
  });
});

describe('a source file', () => {
  it('goes as text when it is UTF-8 and as base64 when not', () => {
    expect(asField(Buffer.from('print("hé")\n'))).toEqual({ text: 'print("hé")\n', encoding: 'utf8' });
    const latin1 = Buffer.from('print("h\xe9")\n', 'latin1');
    const field = asField(latin1);
    expect(field.encoding).toBe('base64');
    expect(Buffer.from(field.text, 'base64')).toEqual(latin1);
  });

  it('holding NUL bytes is refused without echoing it', () => {
    const file = path.join(dir, 'a.out');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('\x7fELF\x1b[2J'), Buffer.alloc(64)]));
    const call = () => readSource(file, 'FILE');
    expect(call).toThrow(InvalidRequestError);
    expect(call).toThrow(/^FILE: .*a\.out holds a NUL byte \(at offset 8\): it looks like a binary file/);
    expect(() => readSource(file, 'FILE')).not.toThrow('ELF');
    expect(() => readSource(file, 'FILE')).not.toThrow('\x1b');
  });

  it('decodes as the bytes it was once base64 (the schema and the plan)', () => {
    const bytes = Buffer.from('int main(){puts("\xe9");}', 'latin1');
    const parsed = makeSubmissionSchema().parse({
      language: 'c',
      source: bytes.toString('base64'),
      sourceEncoding: 'base64',
      testcases: [{ stdin: '' }],
    });
    expect(parsed.sourceEncoding).toBe('base64');
    const bad = makeSubmissionSchema().safeParse({ language: 'c', source: '@@', sourceEncoding: 'base64', testcases: [{}] });
    expect(bad.success).toBe(false);
  });
});

describe('the argument parser', () => {
  it('refuses unknown long and short options, and takes "-" and values that start with "-"', () => {
    expect(() => parseArgs(['--nope'], [], [])).toThrow('--nope: unknown option');
    expect(() => parseArgs(['-x'], [], [])).toThrow('-x: unknown option');
    expect(parseArgs(['-', '--time', '-1'], ['time'], []).positional).toEqual(['-']);
  });
});

describe('errors printed with --json', () => {
  it('carry a code, the message and the field', () => {
    expect(errorJson(new InvalidRequestError('must be a whole number', '--pids'))).toEqual({
      error: { code: 'invalid_request', message: 'must be a whole number', field: '--pids' },
    });
    expect(errorJson(new ConflictError('sub-1', 'sub-1')).error).toMatchObject({ code: 'conflict', field: 'id' });
    expect(errorJson(new WaitTimeoutError('j', 5)).error).toMatchObject({ code: 'timeout', field: null });
    expect(errorJson(new HostError('cgroup gone')).error).toEqual({ code: 'host_error', message: 'cgroup gone', field: null });
    expect(errorJson(new Error('boom')).error.code).toBe('internal');
  });
});

describe('the payload digest', () => {
  const schema = makeSubmissionSchema();
  const digest = (raw: unknown) => payloadDigest(schema.parse(raw));
  const a = { id: 's1', language: 'c', source: 'x', testcases: [{ stdin: '1', expected: '1' }] };

  it('is the same for the same payload written differently (key order, defaults)', () => {
    expect(digest(a)).toBe(digest({ testcases: [{ expected: '1', stdin: '1', points: 1 }], source: 'x', language: 'c', id: 's1' }));
  });

  it('differs when anything judged differs', () => {
    expect(digest(a)).not.toBe(digest({ ...a, source: 'y' }));
    expect(digest(a)).not.toBe(digest({ ...a, testcases: [{ stdin: '1', expected: '2' }] }));
    expect(digest(a)).not.toBe(digest({ ...a, limits: { cpuTimeMs: 100 } }));
  });
});
