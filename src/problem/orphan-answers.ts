/**
 * What the loader notices in a package's data/ without refusing it, said in the results' notes.
 */
import type { PackageFiles } from './package-files';
import { SKIPPED_DATA_DIRS } from './test-data';

/**
 * Answer files under data/sample and data/secret without their input file: no test case (a test
 * case is its `.in`), which problemtools reports as an error; said in a note, the first few named.
 */
export function orphanAnswers(files: PackageFiles): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    const entries = files.list(dir);
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const rel = `${dir}/${e.name}`;
      if (e.kind === 'dir' && !SKIPPED_DATA_DIRS.has(e.name)) walk(rel);
      else if (e.kind === 'file' && e.name.endsWith('.ans') && !names.has(`${e.name.slice(0, -4)}.in`)) found.push(rel);
    }
  };
  for (const g of ['data/sample', 'data/secret']) if (files.kind(g) === 'dir') walk(g);
  if (!found.length) return [];
  const named = found.slice(0, 3).join(', ') + (found.length > 3 ? ` and ${found.length - 3} more` : '');
  return [`${named}: an answer file without its .in is no test case, not judged (problemtools reports it as an error)`];
}
