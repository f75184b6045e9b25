/**
 * `caged languages [--image MANIFEST] [--json]`: the language registry of an image, read from
 * its manifest (no container, no root needed): id, version, layer (`+N`: it mounts N more, its
 * `withLayers`, listed by `--json`), extensions (those in
 * parentheses do not select the language by file name), name; a language whose runtime reserves
 * address space says it needs a worker with a cgroup (docs/rootless.md#rlimits-only).
 */
import { LanguageRegistry } from '../judge/languages';
import { DEFAULT_MANIFEST } from '../judge/judge';
import { loadManifest } from '../rootfs/manifest';
import { parseArgs, stringFlag } from './args';
import { writeSafe } from './terminal-safe';

export async function languagesCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['image'], ['json']);
  const manifestPath = stringFlag(args, 'image') ?? process.env.CAGED_IMAGE ?? DEFAULT_MANIFEST;
  const manifest = await loadManifest(manifestPath);
  const list = LanguageRegistry.fromManifest(manifest).list();
  if (args.flags.has('json')) {
    out.write(`${JSON.stringify({ image: manifest.name, languages: list }, null, 2)}\n`);
    return 0;
  }
  const rows = list.map((l) => ({
    id: l.id,
    version: l.version,
    layer: `${l.layer ?? '-'}${l.withLayers.length ? ` +${l.withLayers.length}` : ''}`,
    // Extensions that do not select the language (cpp20's .cpp) are shown in parentheses.
    ext: l.extensions.length ? (l.detect ? l.extensions.join(' ') : `(${l.extensions.join(' ')})`) : '-',
    name: `${l.name}${l.compiled ? '' : ' (interpreted)'}${l.needsCgroup ? ' (needs a worker with a cgroup)' : ''}`,
  }));
  const w = (k: 'id' | 'version' | 'layer' | 'ext', title: string) => Math.max(title.length, ...rows.map((r) => r[k].length));
  const [wi, wv, wl, we] = [w('id', 'ID'), w('version', 'VERSION'), w('layer', 'LAYER'), w('ext', 'EXTENSIONS')];
  // The manifest is data from an image build: its names reach the terminal escaped.
  writeSafe(out, `${'ID'.padEnd(wi)}  ${'VERSION'.padEnd(wv)}  ${'LAYER'.padEnd(wl)}  ${'EXTENSIONS'.padEnd(we)}  NAME\n`);
  for (const r of rows)
    writeSafe(out, `${r.id.padEnd(wi)}  ${r.version.padEnd(wv)}  ${r.layer.padEnd(wl)}  ${r.ext.padEnd(we)}  ${r.name}\n`);
  return 0;
}
