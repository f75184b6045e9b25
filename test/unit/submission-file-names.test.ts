/**
 * Submission file names reach compile and run commands as arguments ({sources}, docs/languages.md):
 * a name that could be read as an option is refused by the schema, before any compiler sees it.
 */
import { SourceFileSchema, SubmissionSchema } from '../../src/judge/schema';

describe('a submission file name', () => {
  it('is refused when it starts with "-" (an option in disguise)', () => {
    for (const name of ['-fplugin=evil.cpp', '-o', '--version.py']) {
      const r = SourceFileSchema.safeParse({ name, content: 'x' });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/or starting with "-"/);
    }
  });

  it('is taken when plain, a "-" inside it included', () => {
    for (const name of ['main.cpp', 'my-lib.h', 'a-b.py']) expect(SourceFileSchema.safeParse({ name, content: 'x' }).success).toBe(true);
  });

  it('is taken up to 255 bytes of UTF-8 (NAME_MAX), refused beyond', () => {
    expect(SourceFileSchema.safeParse({ name: `${'a'.repeat(252)}.py`, content: 'x' }).success).toBe(true);
    expect(SourceFileSchema.safeParse({ name: `${'é'.repeat(127)}.py`, content: 'x' }).success).toBe(false);
    const r = SourceFileSchema.safeParse({ name: `${'a'.repeat(253)}.py`, content: 'x' });
    expect(r.error?.issues[0]?.message).toMatch(/255 bytes a name/);
  });

  it("may be a path of such names, a package directory's subdirectory (unsigned/UnsignedLong.java)", () => {
    for (const name of ['unsigned/UnsignedLong.java', 'a/b/c/d/e/f/g/h/i.h', `${'d'.repeat(255)}/x.py`])
      expect([name, SourceFileSchema.safeParse({ name, content: 'x' }).success]).toEqual([name, true]);
    for (const name of [
      '/etc/passwd',
      'a//b.c',
      'a/',
      './a.c',
      'a/./b.c',
      '../a.c',
      'a/../../b.c',
      'a/-o',
      '-a/b.c',
      'a\0/b.c',
      'a/b/c/d/e/f/g/h/i/j.h',
    ])
      expect([name, SourceFileSchema.safeParse({ name, content: 'x' }).success]).toEqual([name, false]);
    expect(SourceFileSchema.safeParse({ name: `${'d/'.repeat(4)}${'x'.repeat(1020)}`, content: 'x' }).success).toBe(false); // > 1024 bytes
  });

  it('is refused when two files cannot both be written: a duplicate, or a file where a directory must be', () => {
    const files = (...names: string[]) =>
      SubmissionSchema.safeParse({ language: 'c', files: names.map((name) => ({ name, content: 'x' })), testcases: [{}] });
    expect(files('a/b.c', 'a/c.c', 'b.c').success).toBe(true);
    const messages = (...names: string[]) => files(...names).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages('a.c', 'a.c')).toEqual(['files.1.name: duplicate file name "a.c"']);
    expect(messages('a', 'a/b.c')).toEqual(['files.1.name: "a/b.c" needs "a", a file, as a directory']);
    expect(messages('a/b/c.c', 'a/b')).toEqual(['files.0.name: "a/b/c.c" needs "a/b", a file, as a directory']); // in any order
  });
});
