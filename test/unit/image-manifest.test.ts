/**
 * The manifest schema (src/rootfs/manifest.ts): the shape images/build.sh writes is accepted;
 * a bad manifest is refused with an ImageError that names the file and every bad field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageError } from '../../src/errors';
import { layerChain } from '../../src/rootfs/layers';
import { type ImageManifest, loadManifest, parseManifest } from '../../src/rootfs/manifest';

/** The shape of a real build (images/debian, 2026-11). */
function realShape(): Record<string, unknown> {
  return {
    schema: 1,
    name: 'caged-debian12',
    flavor: 'debian',
    base: 'debian bookworm (debootstrap minbase)',
    createdAt: '2026-11-29T03:31:53.504Z',
    tarball: 'rootfs.tar',
    sha256: '9fc77b561d98f067b9a3c1fb2e5a70a88993b5b2c82d520332e3826b121da21a',
    sizeBytes: 362168320,
    recipeSha256: 'fb7e4941e41a975490632979fd3b33912166371d684f2ab91334b485cccd8acf',
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', HOME: '/box' },
    languages: [
      {
        id: 'c',
        name: 'C (GCC 12.2.0, GNU17)',
        version: '12.2.0',
        sourceFile: 'main.c',
        compile: ['gcc', '-O2', '-std=gnu17', '-pipe', '-o', 'main', 'main.c', '-lm'],
        run: ['./main'],
        env: {},
        timeFactor: 1,
        memoryFactor: 1,
      },
      {
        id: 'cpp17',
        name: 'C++17 (GCC 12.2.0, GNU++17)',
        version: '12.2.0',
        sourceFile: 'main.cpp',
        compile: ['g++', '-O2', '-std=gnu++17', '-pipe', '-o', 'main', 'main.cpp'],
        run: ['./main'],
        env: {},
        timeFactor: 1,
        memoryFactor: 1,
      },
      {
        id: 'python3',
        name: 'Python 3.11.2',
        version: '3.11.2',
        sourceFile: 'main.py',
        compile: null,
        run: ['python3', 'main.py'],
        env: { PYTHONDONTWRITEBYTECODE: '1' },
        timeFactor: 1,
        memoryFactor: 1,
      },
    ],
  };
}

function refusal(json: unknown): string {
  try {
    parseManifest(json, '/images/x/manifest.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ImageError);
    return (err as Error).message;
  }
  throw new Error('the manifest was accepted');
}

describe('when the manifest has the shape images/build.sh writes', () => {
  it('accepts it and types it', () => {
    const m: ImageManifest = parseManifest(realShape(), 'test');
    expect(m.languages.map((l) => l.id)).toEqual(['c', 'cpp17', 'python3']);
    expect(m.languages[2]?.compile).toBeNull();
  });

  it('reads schema 1 as a one-layer image: the tarball is the base layer, every language on it', () => {
    const m = parseManifest(realShape(), 'test');
    expect(m.schema).toBe(2);
    expect(m.layers).toEqual([
      {
        id: 'base',
        parent: null,
        tarball: 'rootfs.tar',
        sha256: '9fc77b561d98f067b9a3c1fb2e5a70a88993b5b2c82d520332e3826b121da21a',
        sizeBytes: 362168320,
        recipeSha256: 'fb7e4941e41a975490632979fd3b33912166371d684f2ab91334b485cccd8acf',
        packages: [],
        buildSeconds: 0,
      },
    ]);
    expect(new Set(m.languages.map((l) => l.layer))).toEqual(new Set(['base']));
    expect(m).not.toHaveProperty('tarball');
  });

  it('accepts the Ubuntu flavor', () => {
    expect(parseManifest({ ...realShape(), flavor: 'ubuntu', name: 'caged-ubuntu2404', base: 'ubuntu-base 24.04.5' }, 'test').flavor).toBe(
      'ubuntu',
    );
  });
});

describe('when a field is wrong', () => {
  const lang = (patch: Record<string, unknown>): Record<string, unknown> => {
    const m = realShape();
    const langs = m.languages as Array<Record<string, unknown>>;
    langs[1] = { ...langs[1], ...patch };
    return m;
  };
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['an unknown schema version', { ...realShape(), schema: 3 }, 'schema'],
    ['a short sha256', { ...realShape(), sha256: 'abc' }, 'sha256'],
    ['an upper-case recipe hash', { ...realShape(), recipeSha256: 'A'.repeat(64) }, 'recipeSha256'],
    ['an unknown flavor', { ...realShape(), flavor: 'alpine' }, 'flavor'],
    ['a tarball path with a slash', { ...realShape(), tarball: '../rootfs.tar' }, 'tarball'],
    ['a date that is not ISO', { ...realShape(), createdAt: 'yesterday' }, 'createdAt'],
    ['a negative size', { ...realShape(), sizeBytes: -1 }, 'sizeBytes'],
    ['a bad env name', { ...realShape(), env: { 'A B': 'x' } }, 'env["A B"]'],
    ['no languages', { ...realShape(), languages: [] }, 'languages'],
    ['a compile command given as a string', lang({ compile: 'g++ main.cpp' }), 'languages[1].compile'],
    ['an empty argv element', lang({ run: ['./main', ''] }), 'languages[1].run[1]'],
    ['a source file outside /box', lang({ sourceFile: '../main.cpp' }), 'languages[1].sourceFile'],
    ['a zero time factor', lang({ timeFactor: 0 }), 'languages[1].timeFactor'],
    ['a missing memory factor', lang({ memoryFactor: undefined }), 'languages[1].memoryFactor'],
    ['a duplicate language id', lang({ id: 'c' }), 'languages[1].id'],
  ];

  it.each(cases)('refuses %s, naming the field', (_name, json, field) => {
    const message = refusal(json);
    expect(message).toContain('/images/x/manifest.json');
    expect(message).toContain(`${field}:`);
  });

  it('reports every bad field at once', () => {
    const message = refusal({ ...realShape(), sha256: 'x', sizeBytes: 'big' });
    expect(message).toContain('sha256:');
    expect(message).toContain('sizeBytes:');
  });

  it('refuses something that is not an object', () => {
    expect(refusal(null)).toContain('(root)');
  });
});

describe('when the manifest file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-manifest-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is valid, loads it', async () => {
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, JSON.stringify(realShape()));
    expect((await loadManifest(file)).name).toBe('caged-debian12');
  });

  it('is missing, says how to build the image', async () => {
    await expect(loadManifest(path.join(dir, 'manifest.json'))).rejects.toThrow(/ENOENT.*npm run image:build -- debian/);
  });

  it('is not JSON, names the file', async () => {
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, '{ "schema": 1,');
    await expect(loadManifest(file)).rejects.toThrow(new RegExp(`${file}: not valid JSON`));
  });
});

/** The shape of a layered build (images/build.sh, schema 2): base, gcc on it, python3 on it. */
function layeredShape(): Record<string, unknown> {
  const v1 = realShape();
  const layer = (id: string, parent: string | null, digit: string): Record<string, unknown> => ({
    id,
    parent,
    tarball: `layers/${digit.repeat(64)}.tar`,
    sha256: digit.repeat(64),
    sizeBytes: 1000,
    recipeSha256: 'e'.repeat(64),
    packages: parent === null ? [] : [id],
    buildSeconds: 12.5,
  });
  const onLayer = (l: Record<string, unknown>): Record<string, unknown> => ({ ...l, layer: l.id === 'python3' ? 'python3' : 'gcc' });
  return {
    schema: 2,
    name: v1.name,
    flavor: v1.flavor,
    base: v1.base,
    createdAt: v1.createdAt,
    recipeSha256: v1.recipeSha256,
    env: v1.env,
    layers: [layer('base', null, 'a'), layer('gcc', 'base', 'b'), layer('python3', 'base', 'c')],
    languages: (v1.languages as Array<Record<string, unknown>>).map(onLayer),
  };
}

describe('a layered manifest (schema 2)', () => {
  it('is accepted as written, every language on its top layer', () => {
    const m = parseManifest(layeredShape(), 'test');
    expect(m.layers.map((l) => `${l.id}<-${String(l.parent)}`)).toEqual(['base<-null', 'gcc<-base', 'python3<-base']);
    expect(m.languages.map((l) => `${l.id}@${l.layer}`)).toEqual(['c@gcc', 'cpp17@gcc', 'python3@python3']);
  });

  it("gives a language's chain top first, as the overlay stacks it", () => {
    const m = parseManifest(layeredShape(), 'test');
    expect(layerChain(m.layers, 'gcc').map((l) => l.id)).toEqual(['gcc', 'base']);
    expect(layerChain(m.layers, 'base').map((l) => l.id)).toEqual(['base']);
    expect(() => layerChain(m.layers, 'jdk')).toThrow(ImageError);
    expect(() => layerChain(m.layers, 'jdk')).toThrow(/no layer "jdk"/);
  });

  const layers = (patch: (ls: Array<Record<string, unknown>>) => void): Record<string, unknown> => {
    const m = layeredShape();
    patch(m.layers as Array<Record<string, unknown>>);
    return m;
  };
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['no layers', { ...layeredShape(), layers: [] }, 'layers', 'at least the base'],
    ['a child listed before its parent', layers((ls) => ls.reverse()), 'layers[0].parent', 'root'],
    ['a parent that is not a layer', layers((ls) => (ls[1]!.parent = 'jdk')), 'layers[1].parent', '"jdk" is not a layer listed before'],
    ['two roots', layers((ls) => (ls[2]!.parent = null)), 'layers[2].parent', 'only the first layer'],
    ['a duplicate layer id', layers((ls) => (ls[2]!.id = 'gcc')), 'layers[2].id', 'duplicate layer id'],
    ['a tarball outside the directory', layers((ls) => (ls[1]!.tarball = '../x.tar')), 'layers[1].tarball', 'relative path'],
    ['an absolute tarball path', layers((ls) => (ls[1]!.tarball = '/srv/x.tar')), 'layers[1].tarball', 'relative path'],
    ['a short layer digest', layers((ls) => (ls[1]!.sha256 = 'abc')), 'layers[1].sha256', 'sha256'],
    ['a negative build time', layers((ls) => (ls[0]!.buildSeconds = -1)), 'layers[0].buildSeconds', ''],
    [
      'a language on a layer the image does not have',
      { ...layeredShape(), languages: [{ ...(realShape().languages as object[])[0], layer: 'jdk' }] },
      'languages[0].layer',
      '"jdk" is not a layer of this image',
    ],
    ['a language without a layer', { ...layeredShape(), languages: realShape().languages }, 'languages[0].layer', ''],
    ['a top-level tarball (schema 1 field) and no layers', { ...realShape(), schema: 2 }, 'layers', ''],
  ];

  it.each(cases)('refuses %s, naming the field', (_name, json, field, why) => {
    const message = refusal(json);
    expect(message).toContain(`${field}:`);
    expect(message).toContain(why);
  });
});
