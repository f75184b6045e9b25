/**
 * caged's language table: the directories of images/languages/ (one per language id, each with
 * its language.json and self-tests), from which image builds take their languages. The judge
 * reads only the ids from it, to tell a language this worker's image does not carry ("not
 * installed on this worker") from an id caged has never heard of; `caged selftest` reads the
 * self-test programs. The image manifest stays the one source of what a language is.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * images/languages of this caged: found from this file, which runs as src/judge/ (ts-jest) or
 * dist/src/judge/ (the build); null when neither has one (an install without the recipes).
 */
export function defaultLanguagesDir(): string | null {
  for (const up of ['../..', '../../..']) {
    const dir = path.resolve(__dirname, up, 'images', 'languages');
    if (fs.existsSync(dir)) return dir;
  }
  return null;
}

/** The language ids of a table directory (subdirectories holding a language.json), sorted; [] for null. */
export function languageTableIds(dir: string | null): string[] {
  if (dir === null) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'language.json')))
    .map((e) => e.name)
    .sort();
}
