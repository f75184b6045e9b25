/**
 * `caged languages [--image MANIFEST] [--json]`: the language registry of an image, read from
 * its manifest (no container, no root needed).
 */
import { LanguageRegistry } from '../judge/languages';
import { DEFAULT_MANIFEST } from '../judge/judge';
import { loadManifest } from '../rootfs/manifest';
import { parseArgs, stringFlag } from './args';
import { writeSafe } from './terminal-safe';

export const LANGUAGES_USAGE = 'caged languages [--image MANIFEST] [--json]';

export async function languagesCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['image'], ['json']);
  const manifestPath = stringFlag(args, 'image') ?? process.env.CAGED_IMAGE ?? DEFAULT_MANIFEST;
  const manifest = await loadManifest(manifestPath);
  const list = LanguageRegistry.fromManifest(manifest).list();
  if (args.flags.has('json')) {
    out.write(`${JSON.stringify({ image: manifest.name, languages: list }, null, 2)}\n`);
    return 0;
  }
  const idWidth = Math.max(2, ...list.map((l) => l.id.length));
  const verWidth = Math.max(7, ...list.map((l) => l.version.length));
  // The manifest is data from an image build: its names reach the terminal escaped.
  writeSafe(out, `${'ID'.padEnd(idWidth)}  ${'VERSION'.padEnd(verWidth)}  NAME\n`);
  for (const l of list)
    writeSafe(out, `${l.id.padEnd(idWidth)}  ${l.version.padEnd(verWidth)}  ${l.name}${l.compiled ? '' : ' (interpreted)'}\n`);
  return 0;
}
