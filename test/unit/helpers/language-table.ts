/** The repository's language table (images/languages) as a registry, without an image: versions faked. */
import fs from 'node:fs';
import path from 'node:path';
import { LanguageRegistry } from '../../../src/judge/languages';
import { parseManifest } from '../../../src/rootfs/manifest';
import type { ImageLanguages } from '../../../src/problem/extensions';

export const LANG_DIR = path.join(__dirname, '..', '..', '..', 'images', 'languages');
const BUILD_ONLY = new Set(['versionCommand', 'versionPattern', 'packages', 'pch']);

/** A manifest as images/lib/image-tool.js writes it from the language directories (version faked). */
export function manifestOf(languages: Record<string, unknown>[]): unknown {
  return {
    schema: 1,
    name: 'caged-test',
    flavor: 'debian',
    base: 'test',
    createdAt: '2026-11-30T00:00:00.000Z',
    tarball: 'rootfs.tar',
    sha256: 'a'.repeat(64),
    sizeBytes: 1,
    recipeSha256: 'b'.repeat(64),
    env: { PATH: '/usr/bin:/bin', HOME: '/box' },
    languages,
  };
}

export function languageJsons(): Record<string, unknown>[] {
  return fs
    .readdirSync(LANG_DIR)
    .sort()
    .map((id) => {
      const raw = JSON.parse(fs.readFileSync(path.join(LANG_DIR, id, 'language.json'), 'utf8')) as Record<string, unknown>;
      const out = Object.fromEntries(Object.entries(raw).filter(([k]) => !BUILD_ONLY.has(k)));
      return { ...out, name: String(raw.name).replace('{version}', '1.0'), version: '1.0' };
    });
}

export const repoLanguageRegistry = (): LanguageRegistry =>
  LanguageRegistry.fromManifest(parseManifest(manifestOf(languageJsons()), 'test'));

/** The repository's language table as a problem package's programs see an image's languages (ImageLanguages). */
export function repoImageLanguages(): ImageLanguages {
  const r = repoLanguageRegistry();
  return {
    languages: () => r.list(),
    language: (id, field) => r.get(id, field),
    languageOfFile: (file, field) => r.ofFile(file, field).id,
  };
}
