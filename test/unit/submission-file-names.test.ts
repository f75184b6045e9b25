/**
 * Submission file names reach compile and run commands as arguments ({sources}, docs/languages.md):
 * a name that could be read as an option is refused by the schema, before any compiler sees it.
 */
import { SourceFileSchema } from '../../src/judge/schema';

describe('a submission file name', () => {
  it('is refused when it starts with "-" (an option in disguise)', () => {
    for (const name of ['-fplugin=evil.cpp', '-o', '--version.py']) {
      const r = SourceFileSchema.safeParse({ name, content: 'x' });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/not starting with "-"/);
    }
  });

  it('is taken when plain, a "-" inside it included', () => {
    for (const name of ['main.cpp', 'my-lib.h', 'a-b.py']) expect(SourceFileSchema.safeParse({ name, content: 'x' }).success).toBe(true);
  });

  it('is taken up to 255 bytes of UTF-8 (NAME_MAX), refused beyond', () => {
    expect(SourceFileSchema.safeParse({ name: `${'a'.repeat(252)}.py`, content: 'x' }).success).toBe(true);
    expect(SourceFileSchema.safeParse({ name: `${'é'.repeat(127)}.py`, content: 'x' }).success).toBe(false);
    const r = SourceFileSchema.safeParse({ name: `${'a'.repeat(253)}.py`, content: 'x' });
    expect(r.error?.issues[0]?.message).toMatch(/1-255 bytes/);
  });
});
