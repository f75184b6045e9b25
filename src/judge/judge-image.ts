/**
 * The image a Judge runs jobs in: its layers, registered with the image store, and each
 * language's chain of them (src/rootfs/layers.ts), with the chain's digest.
 */
import { ImageError } from '../errors';
import { prepareJobRootfs, type RootfsMode } from '../rootfs/job-rootfs';
import { chainDigest, layerStack } from '../rootfs/layers';
import type { RootfsSpec } from '../sandbox/types';
import type { JobContext } from './compile-step';
import { ImageStore } from '../rootfs/store';
import type { ManifestForLanguages } from './languages';

/** One unpacked layer of the image (the image store's entry for its tarball). */
export interface JudgeLayer {
  id: string;
  /** null for the root layer. */
  parent: string | null;
  /** sha256 of the layer's tarball. */
  digest: string;
  /** The unpacked, read-only layer. */
  rootfsDir: string;
  /** The layer's tarball (needed by rootfs mode `extract`). */
  tarball: string;
  sizeBytes: number;
}

/** An image already registered with the image store. */
export interface JudgeImage {
  /** Every layer of the image, parents first (a schema-1 image: its one tarball as `base`). */
  layers: readonly JudgeLayer[];
  /** Its languages; each names the top layer of its chain in `layer` (absent: the root layer). */
  manifest: ManifestForLanguages;
}

/** The chain one language runs on (a stack of chains when it names `withLayers`). */
export interface LanguageChain {
  /** The top layer's id; a stack's top layers joined by `+` (its name: one root per job). */
  top: string;
  /** Top first (src/rootfs/layers.ts layerStack). */
  layers: readonly JudgeLayer[];
  /** The chain's identity (src/rootfs/layers.ts chainDigest): results' image.digest, compile cache keys. */
  digest: string;
}

/**
 * Each language's chain: its `layer` (absent: the root layer) and that layer's parents, stacked
 * with the chains of its `withLayers`.
 */
export function languageChains(image: JudgeImage): Map<string, LanguageChain> {
  const root = image.layers.find((l) => l.parent === null);
  if (!root) throw new ImageError(`the image ${image.manifest.name} has no root layer`);
  const chains = new Map<string, LanguageChain>();
  for (const lang of image.manifest.languages) {
    const tops = [lang.layer ?? root.id, ...(lang.withLayers ?? [])];
    const layers = layerStack(image.layers, tops);
    chains.set(lang.id, { top: tops.join('+'), layers, digest: chainDigest(layers.map((l) => l.digest)) });
  }
  return chains;
}

export async function registerImage(manifestPath: string): Promise<{ image: JudgeImage; store: ImageStore }> {
  const store = new ImageStore();
  try {
    const registered = await store.registerImage(manifestPath);
    return { image: { layers: registered.layers, manifest: registered.manifest }, store };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * A job's roots by language: each language's is made once per job, when a step first needs it
 * (extract mode untars the chain into the job directory then): the submission's, and its
 * checker's or interactor's when that is another chain. `chainOf` refuses a language without one.
 */
export function jobRoots(
  chainOf: (languageId: string) => LanguageChain,
  mode: RootfsMode,
  jobPath: string,
): Pick<JobContext, 'rootfsFor' | 'imageDigestFor'> {
  const roots = new Map<string, Promise<RootfsSpec>>();
  return {
    rootfsFor: (language) => {
      const chain = chainOf(language.id);
      let root = roots.get(chain.top);
      if (!root) {
        root = prepareJobRootfs(mode, chain, jobPath);
        roots.set(chain.top, root);
      }
      return root;
    },
    imageDigestFor: (language) => chainOf(language.id).digest,
  };
}

/**
 * Bytes of the distinct chains of these languages, each counted whole (in extract mode each is
 * a root of its own, so a layer shared by two chains is there twice). An id without a chain
 * counts nothing: its step refuses it, the registry naming the field.
 */
export function chainsBytes(chains: ReadonlyMap<string, LanguageChain>, ids: ReadonlyArray<string | undefined>): number {
  const used = new Set<LanguageChain>();
  for (const id of ids) {
    const chain = id === undefined ? undefined : chains.get(id);
    if (chain) used.add(chain);
  }
  return [...used].reduce((sum, c) => sum + c.layers.reduce((n, l) => n + l.sizeBytes, 0), 0);
}
