/**
 * The layered view of an image manifest (src/rootfs/manifest.ts reads schema 1 as a one-layer
 * image whose layer is `base`): its layers, checked as a graph, and each language's chain.
 *
 * A layer has one parent; exactly one layer (the root, `base`) has none. A language names the
 * top layer of its chain; its jobs mount that chain, top first, as the overlay's lower
 * directories (or, in rootfs mode `extract`, untar it bottom up) and nothing else: a C job never
 * sees the JVM. A language may name more layers (`withLayers`: a multi-file program's scripts
 * call several toolchains); its jobs then mount the union of those chains (layerStack). Layers
 * hold no whiteouts (the build refuses them), so stacking them is a plain union in which an
 * upper layer's file hides its parents' (and, between layers of different chains, the one
 * listed first hides the other's: the per-layer files apt rewrites, as /etc/ld.so.cache).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ImageError } from '../errors';
import type { ImageManifest } from './manifest';

/** One layer of an image, as the manifest describes it. */
export interface LayerSpec {
  id: string;
  /** null for the root layer. */
  parent: string | null;
  /** sha256 of the tarball. */
  sha256: string;
  sizeBytes: number;
  /** Absolute path of the tarball. */
  tarball: string;
}

/** Something with a layer's id and parent (a LayerSpec, a registered layer). */
export interface LayerNode {
  id: string;
  parent: string | null;
}

/**
 * The manifest's layers, parents first, checked: unique ids, exactly one root, every parent
 * listed before its children (which also rules out cycles), every language's layer listed.
 * `manifestPath` locates the tarballs and names the manifest in errors.
 */
export function manifestLayers(manifest: ImageManifest, manifestPath: string): LayerSpec[] {
  const dir = path.dirname(path.resolve(manifestPath));
  const layers: LayerSpec[] = manifest.layers.map((l) => ({
    id: l.id,
    parent: l.parent,
    sha256: l.sha256,
    sizeBytes: l.sizeBytes,
    tarball: path.resolve(dir, l.tarball),
  }));
  checkLayerGraph(layers, manifestPath);
  for (const tarball of layers.map((l) => l.tarball)) {
    if (path.relative(dir, tarball).startsWith('..'))
      throw new ImageError(`${manifestPath}: layer tarball ${tarball} is outside the manifest's directory`);
  }
  for (const lang of manifest.languages) {
    for (const top of [lang.layer, ...(lang.withLayers ?? [])]) {
      if (!layers.some((l) => l.id === top)) {
        throw new ImageError(
          `${manifestPath}: language "${lang.id}" needs layer "${top}" (its own or one of its withLayers), which the manifest does not list (layers: ${layers.map((l) => l.id).join(', ')})`,
        );
      }
    }
  }
  return layers;
}

/**
 * The top layers of a language's stack: its own layer, then its `withLayers` (a schema-1
 * image's languages are all on `base`).
 */
export function languageTops(manifest: ImageManifest, languageId: string): string[] {
  const lang = manifest.languages.find((l) => l.id === languageId);
  if (!lang) throw new ImageError(`the image ${manifest.name} has no language "${languageId}"`);
  return [lang.layer, ...(lang.withLayers ?? [])];
}

/**
 * Checks a list of layers as a graph (parents first, so no cycle; exactly one root; unique ids),
 * throwing an ImageError that names `where` and the layer. The manifest's schema checks the same
 * of a manifest's own list; this guards every list the judge builds chains from.
 */
export function checkLayerGraph(layers: readonly LayerNode[], where: string): void {
  const seen = new Set<string>();
  const roots: string[] = [];
  for (const l of layers) {
    if (seen.has(l.id)) throw new ImageError(`${where}: layer "${l.id}" is listed twice`);
    if (l.parent === null) roots.push(l.id);
    else if (l.parent === l.id) throw new ImageError(`${where}: layer "${l.id}" is its own parent`);
    else if (!seen.has(l.parent)) {
      const later = layers.some((o) => o.id === l.parent);
      throw new ImageError(
        later
          ? `${where}: layer "${l.id}" is listed before its parent "${l.parent}" (layers are listed parents first; a cycle cannot be)`
          : `${where}: layer "${l.id}" has parent "${l.parent}", which is not listed`,
      );
    }
    seen.add(l.id);
  }
  if (roots.length !== 1) {
    throw new ImageError(
      `${where}: an image has exactly one root layer (parent null), this one has ${roots.length ? roots.join(', ') : 'none'}`,
    );
  }
}

/**
 * The chain of layer `top`: the layer, its parent, …, the root, top first (the order of
 * overlayfs's lowerdir). The layers must have passed manifestLayers's checks.
 */
export function layerChain<T extends LayerNode>(layers: readonly T[], top: string): T[] {
  const byId = new Map(layers.map((l) => [l.id, l]));
  const chain: T[] = [];
  for (let id: string | null = top; id !== null;) {
    const layer = byId.get(id);
    if (!layer) throw new ImageError(`no layer "${id}" in the image (layers: ${layers.map((l) => l.id).join(', ')})`);
    if (chain.includes(layer) || chain.length > layers.length) throw new ImageError(`the layers above "${id}" form a cycle`);
    chain.push(layer);
    id = layer.parent;
  }
  return chain;
}

/**
 * The layers of several chains stacked, top first: the chains of `tops` in their order, each
 * layer once and below every layer built on it (a parent the chains share sinks to the last
 * place it holds), so that the stack of one top is its chain. Where two chains' layers hold the
 * same file, the one whose top is listed first wins.
 */
export function layerStack<T extends LayerNode>(layers: readonly T[], tops: readonly string[]): T[] {
  if (tops.length === 0) throw new TypeError('a stack has at least one top layer');
  const all = tops.flatMap((top) => layerChain(layers, top));
  return all.filter((layer, i) => all.indexOf(layer, i + 1) < 0);
}

/**
 * The identity of a chain (given top first): a one-layer chain is its layer's sha256, so a
 * schema-1 image keeps its tarball's digest; a longer one is the sha256 of the layers' digests,
 * bottom first, one per line. Results (`image.digest`) and the compile cache key use it.
 */
export function chainDigest(digestsTopFirst: readonly string[]): string {
  if (digestsTopFirst.length === 1) return digestsTopFirst[0]!;
  if (digestsTopFirst.length === 0) throw new TypeError('a chain has at least one layer');
  return createHash('sha256')
    .update(`caged-chain-1\n${[...digestsTopFirst].reverse().join('\n')}\n`)
    .digest('hex');
}
