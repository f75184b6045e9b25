/**
 * The doctor's image-store probe: the manifest readable and valid, every layer tarball it lists
 * present, and each layer already unpacked in the store's cache (src/rootfs/store.ts: an entry
 * `<sha256>/` with its manifest copy) and verified (its `<sha256>.verified` stamp names the
 * tarball). Nothing is hashed or unpacked here: the worker does that at start, once per digest.
 */
import path from 'node:path';
import { CagedError } from '../errors';
import { manifestLayers } from '../rootfs/layers';
import { parseManifest } from '../rootfs/manifest';
import { finding, type Finding } from './finding';
import type { HostView } from './host-view';

export interface ImageInput {
  /** CAGED_IMAGE. */
  manifestPath: string;
  /** The image store's cache directory. */
  cacheDir: string;
}

export function imageFinding(host: HostView, input: ImageInput): Finding {
  const title = 'image store';
  const build = 'npm run image:build -- debian';
  const text = host.readText(input.manifestPath);
  if (text === null) return finding('image', title, 'missing', `no readable image manifest at ${input.manifestPath}`, build);
  let layers;
  let name: string;
  try {
    const manifest = parseManifest(JSON.parse(text) as unknown, input.manifestPath);
    name = `${manifest.name} (${manifest.languages.length} languages)`;
    layers = manifestLayers(manifest, input.manifestPath);
  } catch (err) {
    const why = err instanceof CagedError || err instanceof SyntaxError ? err.message : String(err);
    return finding('image', title, 'missing', `the manifest is not usable: ${why}`, build);
  }
  const absent = layers.filter((l) => host.stat(l.tarball) === null);
  if (absent.length > 0) {
    return finding('image', title, 'missing', `${name}: layer tarballs missing: ${absent.map((l) => l.tarball).join(', ')}`, build);
  }
  const pending: string[] = [];
  let verified = 0;
  for (const l of layers) {
    const entry = path.posix.join(input.cacheDir, l.sha256);
    if (host.stat(`${entry}/manifest.json`) === null) pending.push(l.id);
    const stamp = host.readText(`${entry}.verified`);
    if (stamp !== null && stampNames(stamp, l.tarball)) verified++;
  }
  const counts = `${layers.length} layers, ${verified} verified before (not hashed again while unchanged)`;
  if (pending.length > 0) {
    return finding(
      'image',
      title,
      'warn',
      `${name}: ${counts}; ${pending.length} not yet unpacked into ${input.cacheDir} (${pending.join(', ')}): the worker's first start unpacks them`,
    );
  }
  return finding('image', title, 'ok', `${name}: ${counts}, all unpacked in ${input.cacheDir}`);
}

function stampNames(text: string, tarball: string): boolean {
  try {
    return (JSON.parse(text) as { tarball?: unknown }).tarball === tarball;
  } catch {
    return false;
  }
}
