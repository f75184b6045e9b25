/**
 * What the loader notices in a package's data/ without refusing it, said in the results' notes.
 */
import type { PackageFiles } from './package-files';
import { BAD_INPUTS_DIR, countTests, SKIPPED_DATA_DIRS, type TestGroup } from './test-data';

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

/**
 * A package whose data/secret holds no test case is judged on its samples alone, and its AC
 * then says little: said in a note. Such a package is often one kept with its generators
 * (BAPCtools' `generators/generators.yaml`) before its data was generated.
 */
export function noSecretTests(files: PackageFiles, data: TestGroup): string[] {
  const secret = data.children.find((c) => c.kind === 'group' && c.group.name === 'secret');
  if (secret?.kind === 'group' && countTests(secret.group) > 0) return [];
  const generated =
    files.kind('generators') === 'dir' ? " (it has generators/: generate its test data first, BAPCtools' `bt generate`)" : '';
  return [`data/secret holds no test case: judged on data/sample alone${generated}`];
}

/** data/bad, BAPCtools' older directory of invalid inputs (problemtools reports it and judges the rest): said, not judged. */
export function badInputs(files: PackageFiles): string[] {
  if (files.kind(`data/${BAD_INPUTS_DIR}`) !== 'dir') return [];
  return [`data/${BAD_INPUTS_DIR}: BAPCtools' directory of invalid inputs, no test data of the format: not judged`];
}
