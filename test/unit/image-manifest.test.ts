/**
 * The manifest schema (src/rootfs/manifest.ts): the shape images/build.sh writes is accepted;
 * a bad manifest is refused with an ImageError that names the file and every bad field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageError } from '../../src/errors';
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
