/**
 * Judge0's language ids, read through caged's one table (src/judge0/languages.ts): every id is
 * taken once by a language of caged's table, and the hosted Judge0 CE's newer ids are caged's
 * version of the same language.
 */
import { JUDGE0_LANGUAGE_IDS, Judge0Languages } from '../../src/judge0/languages';
import { defaultLanguagesDir, languageTableIds } from '../../src/judge/language-table';

describe("Judge0's language ids", () => {
  it("reads the hosted Judge0 CE's newer ids (91-105) as caged's version of the same language", () => {
    const all = new Judge0Languages(
      ['c', 'cpp17', 'python3', 'java', 'javascript', 'typescript', 'go', 'php', 'r'].map((id) => ({ id, name: id, sourceFile: 'x' })),
    );
    const of = (judge0Id: number): string | undefined => all.get(judge0Id)?.cagedId;
    expect([91, 92, 93, 94, 95, 97, 98, 99, 100, 101, 102, 103, 104, 105].map(of)).toEqual([
      'java',
      'python3',
      'javascript',
      'typescript',
      'go',
      'javascript',
      'php',
      'r',
      'python3',
      'typescript',
      'javascript',
      'c',
      'c',
      'cpp17',
    ]);
    // the listed id stays Judge0 1.13's, which clients keyed by /about's version look up
    expect(all.idOf('python3')).toBe(71);
    expect(all.idOf('cpp17')).toBe(54);
    // Dart and JavaFX: no toolchain in the image, an unknown id
    expect([90, 96].map(of)).toEqual([undefined, undefined]);
  });

  it("keys its Judge0 ids by languages of caged's table, each Judge0 id taken once", () => {
    expect(Object.keys(JUDGE0_LANGUAGE_IDS).filter((id) => !languageTableIds(defaultLanguagesDir()).includes(id))).toEqual([]);
    expect(new Set(Object.values(JUDGE0_LANGUAGE_IDS).flat()).size).toBe(Object.values(JUDGE0_LANGUAGE_IDS).flat().length);
  });
});
