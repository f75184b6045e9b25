/**
 * A copy of a problem package with some files replaced, for a test's variants of the packages in
 * test/packages: relative path → new content, or null to remove the file or directory. The copy
 * is a fresh temporary directory, pushed onto `scratch` for the test file to remove.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function packageVariant(base: string, changes: Record<string, string | null>, scratch: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-pkg-'));
  scratch.push(dir);
  fs.cpSync(base, dir, { recursive: true });
  for (const [rel, content] of Object.entries(changes)) {
    const p = path.join(dir, rel);
    if (content === null) fs.rmSync(p, { recursive: true, force: true });
    else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
    }
  }
  return dir;
}
