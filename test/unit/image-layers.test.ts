/**
 * The layered view of a manifest (src/rootfs/layers.ts): schema 2's layers and a schema-1
 * image's one tarball (as `base`), the graph checks with errors naming where the list comes
 * from and the layer, each language's chain top first, and the chain digest.
 */
import { createHash } from 'node:crypto';
import { ImageError } from '../../src/errors';
import { chainDigest, checkLayerGraph, languageTops, layerStack, manifestLayers } from '../../src/rootfs/layers';
import { parseManifest } from '../../src/rootfs/manifest';

const hex = (c: string): string => c.repeat(64);
const node = (id: string, parent: string | null) => ({ id, parent });
const lang = (id: string, layer?: string, withLayers?: string[]) => ({
  id,
  name: id,
  version: '1',
  sourceFile: 'main.x',
  compile: null,
  run: ['./main'],
  env: {},
  timeFactor: 1,
  memoryFactor: 1,
  ...(layer === undefined ? {} : { layer }),
  ...(withLayers === undefined ? {} : { withLayers }),
});
const layer = (id: string, parent: string | null, digest: string) => ({
  id,
  parent,
  tarball: `layers/${digest}.tar`,
  sha256: digest,
  sizeBytes: 100,
  recipeSha256: hex('e'),
  packages: [],
  buildSeconds: 1,
});
function v2(layers: unknown[], languages: unknown[]): Record<string, unknown> {
  return {
    schema: 2,
    name: 'caged-debian12',
    flavor: 'debian',
    base: 'debian bookworm',
    createdAt: '2026-11-30T03:31:53.504Z',
    recipeSha256: hex('f'),
    env: { PATH: '/usr/bin:/bin' },
    layers,
    languages,
  };
}
const GOOD = v2(
  [layer('base', null, hex('a')), layer('gcc', 'base', hex('b')), layer('clang', 'gcc', hex('c')), layer('jdk', 'base', hex('d'))],
  [lang('bash', 'base'), lang('c', 'gcc'), lang('cpp-clang', 'clang'), lang('java', 'jdk')],
);
const refusal = (json: unknown): string => {
  try {
    manifestLayers(parseManifest(json, '/img/manifest.json'), '/img/manifest.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ImageError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('a schema-2 manifest', () => {
  it('gives its layers parents first, tarballs resolved beside the manifest', () => {
    const layers = manifestLayers(parseManifest(GOOD, '/img/manifest.json'), '/img/manifest.json');
    expect(layers.map((l) => [l.id, l.parent])).toEqual([
      ['base', null],
      ['gcc', 'base'],
      ['clang', 'gcc'],
      ['jdk', 'base'],
    ]);
    expect(layers[1]!.tarball).toBe(`/img/layers/${hex('b')}.tar`);
  });

  it("gives each language's chain top first, and nothing of the other branches", () => {
    const m = parseManifest(GOOD, '/img/manifest.json');
    const layers = manifestLayers(m, '/img/manifest.json');
    const chain = (id: string) => layerStack(layers, languageTops(m, id)).map((l) => l.id);
    expect(chain('cpp-clang')).toEqual(['clang', 'gcc', 'base']);
    expect(chain('c')).toEqual(['gcc', 'base']);
    expect(chain('java')).toEqual(['jdk', 'base']);
    expect(chain('bash')).toEqual(['base']);
  });

  it("stacks a language's withLayers under its own chain: each layer once, below every layer built on it", () => {
    const m = parseManifest(
      v2(
        [
          layer('base', null, hex('a')),
          layer('gcc', 'base', hex('b')),
          layer('clang', 'gcc', hex('c')),
          layer('jdk', 'base', hex('d')),
          layer('tools', 'gcc', hex('e')),
          layer('py', 'base', hex('f')),
        ],
        [lang('multi', 'tools', ['jdk', 'clang', 'py']), lang('c', 'gcc')],
      ),
      '/img/manifest.json',
    );
    const layers = manifestLayers(m, '/img/manifest.json');
    expect(languageTops(m, 'multi')).toEqual(['tools', 'jdk', 'clang', 'py']);
    // gcc, shared by tools and clang, sinks below clang; base, shared by all, to the bottom.
    expect(layerStack(layers, languageTops(m, 'multi')).map((l) => l.id)).toEqual(['tools', 'jdk', 'clang', 'gcc', 'py', 'base']);
    expect(layerStack(layers, ['gcc', 'clang']).map((l) => l.id)).toEqual(['clang', 'gcc', 'base']);
    expect(layerStack(layers, languageTops(m, 'c')).map((l) => l.id)).toEqual(['gcc', 'base']);
    expect(() => layerStack(layers, [])).toThrow(TypeError);
    // A manifest the schema did not check (built in code) is refused too, naming the layer.
    const unchecked = { ...m, languages: [{ ...m.languages[0]!, withLayers: ['jdk', 'swift'] }] };
    expect(() => manifestLayers(unchecked, '/img/manifest.json')).toThrow(
      /language "multi" needs layer "swift" \(its own or one of its withLayers\)/,
    );
  });

  it('refuses withLayers that are not layers of the image, or name a layer twice', () => {
    const layers = [layer('base', null, hex('a')), layer('gcc', 'base', hex('b'))];
    expect(refusal(v2(layers, [lang('m', 'base', ['gcc', 'jdk'])]))).toMatch(
      /languages\[0\]\.withLayers\[1\]: "jdk" is not a layer of this image/,
    );
    expect(refusal(v2(layers, [lang('m', 'gcc', ['gcc'])]))).toMatch(/languages\[0\]\.withLayers\[0\]: "gcc" is named twice/);
    expect(refusal(v2(layers, [lang('m', 'base', ['gcc', 'gcc'])]))).toMatch(/withLayers\[1\]: "gcc" is named twice/);
    expect(refusal(v2(layers, [lang('m', 'base', [])]))).toMatch(/withLayers/);
  });

  it.each([
    ['a layer before its parent', [node('gcc', 'base'), node('base', null)], /layer "gcc" is listed before its parent "base"/],
    ['an unknown parent', [node('base', null), node('gcc', 'gc')], /parent "gc", which is not listed/],
    ['two roots', [node('base', null), node('other', null)], /exactly one root layer .* has base, other/],
    ['no root', [node('a', 'b'), node('b', 'a')], /"a" is listed before its parent "b"/],
    ['a layer listed twice', [node('base', null), node('base', null)], /"base" is listed twice/],
    ['its own parent', [node('base', null), node('x', 'x')], /"x" is its own parent/],
  ])('refuses %s, naming where the list comes from', (_what, nodes, message) => {
    expect(() => checkLayerGraph(nodes, '/img/manifest.json')).toThrow(ImageError);
    expect(() => checkLayerGraph(nodes, '/img/manifest.json')).toThrow(message);
    expect(() => checkLayerGraph(nodes, '/img/manifest.json')).toThrow(/^\/img\/manifest\.json: /);
  });

  it('refuses a bad graph already when parsing, naming the field', () => {
    expect(refusal(v2([layer('base', null, hex('a')), layer('gcc', 'gc', hex('b'))], [lang('c', 'gcc')]))).toMatch(
      /layers\[1\]\.parent: "gc" is not a layer listed before this one/,
    );
    expect(refusal(v2([layer('base', null, hex('a'))], [lang('java', 'jdk')]))).toMatch(/languages\[0\]\.layer: "jdk" is not a layer/);
  });

  it('refuses a language without a layer and a tarball path leaving the directory (schema)', () => {
    expect(() => parseManifest(v2([layer('base', null, hex('a'))], [lang('c')]), 'm')).toThrow(/languages\[0\]\.layer: .*expected string/);
    const escape = { ...layer('base', null, hex('a')), tarball: '../x.tar' };
    expect(() => parseManifest(v2([escape], [lang('c', 'base')]), 'm')).toThrow(/layers\[0\]\.tarball: must be a relative path/);
    const absolute = { ...layer('base', null, hex('a')), tarball: '/x.tar' };
    expect(() => parseManifest(v2([absolute], [lang('c', 'base')]), 'm')).toThrow(/layers\[0\]\.tarball/);
  });
});

describe('a schema-1 manifest', () => {
  it('is one layer, base, its tarball, and every language is on it', () => {
    const m = parseManifest(
      {
        schema: 1,
        name: 'caged-debian12',
        flavor: 'debian',
        base: 'debian bookworm',
        createdAt: '2026-11-30T03:31:53.504Z',
        tarball: 'rootfs.tar',
        sha256: hex('a'),
        sizeBytes: 5,
        recipeSha256: hex('f'),
        env: {},
        languages: [lang('c'), lang('python3')],
      },
      '/img/manifest.json',
    );
    expect(manifestLayers(m, '/img/manifest.json')).toEqual([
      { id: 'base', parent: null, sha256: hex('a'), sizeBytes: 5, tarball: '/img/rootfs.tar' },
    ]);
    expect(languageTops(m, 'python3')).toEqual(['base']);
  });
});

describe('the digest of a chain', () => {
  it("is a one-layer chain's own digest, so a schema-1 image keeps its tarball's", () => {
    expect(chainDigest([hex('a')])).toBe(hex('a'));
  });

  it('is the sha256 of the digests bottom first, and depends on every layer and the order', () => {
    const d = chainDigest([hex('c'), hex('b'), hex('a')]);
    expect(d).toBe(
      createHash('sha256')
        .update(`caged-chain-1\n${hex('a')}\n${hex('b')}\n${hex('c')}\n`)
        .digest('hex'),
    );
    expect(chainDigest([hex('b'), hex('c'), hex('a')])).not.toBe(d);
    expect(chainDigest([hex('c'), hex('a')])).not.toBe(d);
  });
});
