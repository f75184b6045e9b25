/**
 * The build plan of images/build.sh (images/lib/image-tool.js plan): which layers a request
 * builds, in which order, and their recipe hashes: a language's change reaches its layer and the
 * layers on it, nothing else; bad recipes are refused naming the file and field. Runs the real
 * tool on a copy of images/ (no root, no build).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const IMAGES = path.resolve(__dirname, '../../images');

let dir: string;
let images: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-plan-'));
  images = path.join(dir, 'images');
  fs.cpSync(IMAGES, images, { recursive: true });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Planned {
  id: string;
  parent: string;
  recipe: string;
}

function plan(...args: string[]): { status: number | null; layers: Planned[]; stderr: string; json: () => Record<string, unknown> } {
  const out = path.join(dir, 'plan.json');
  const r = spawnSync(
    'node',
    [path.join(images, 'lib/image-tool.js'), 'plan', '--images', images, '--flavor', 'debian', '--out', out, ...args],
    {
      encoding: 'utf8',
    },
  );
  const layers = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', parent = '', recipe = ''] = line.split('\t');
      return { id, parent, recipe };
    });
  return { status: r.status, layers, stderr: r.stderr, json: () => JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown> };
}
const recipes = (layers: Planned[]): Record<string, string> => Object.fromEntries(layers.map((l) => [l.id, l.recipe]));
const writeJson = (file: string, value: unknown): void => fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('which layers a request builds', () => {
  it('builds the named layers and their parents, parents first', () => {
    const p = plan('clang', 'python3');
    expect(p.status).toBe(0);
    expect(p.layers.map((l) => `${l.id}<-${l.parent}`)).toEqual(['base<--', 'gcc<-base', 'clang<-gcc', 'python3<-base']);
  });

  it('builds every layer for all (and for no layer named), each after its parent', () => {
    const all = plan('all').layers;
    expect(plan().layers).toEqual(all);
    expect(all.length).toBe(fs.readdirSync(path.join(IMAGES, 'layers')).length);
    const seen = new Set<string>(['-']);
    for (const l of all) {
      expect(seen).toContain(l.parent);
      seen.add(l.id);
    }
  });

  it('puts in the plan only the languages of the layers it builds (python3 and its parent, base: bash, plaintext)', () => {
    const languages = plan('python3').json().languages as Record<string, unknown>;
    expect(Object.keys(languages).sort()).toEqual(['bash', 'plaintext', 'python3']);
  });

  it('builds the withLayers of a language on a layer it builds, with their parents, and lists that language', () => {
    const p = plan('buildtools');
    expect(p.status).toBe(0);
    const ids = p.layers.map((l) => l.id);
    expect(ids.slice(0, 3)).toEqual(['base', 'gcc', 'buildtools']);
    expect([...ids].sort()).toEqual(
      ['base', 'buildtools', 'gcc', 'golang', 'jdk', 'nodejs', 'perl', 'php', 'python3', 'ruby', 'rust'].sort(),
    );
    expect(Object.keys(p.json().languages as Record<string, unknown>)).toContain('multifile');
    // Naming a with-layer alone builds no more than its chain.
    expect(plan('jdk').layers.map((l) => l.id)).toEqual(['base', 'jdk']);
  });

  it('refuses an unknown layer, listing the known ones', () => {
    const p = plan('gcc', 'swift');
    expect(p.status).not.toBe(0);
    expect(p.stderr).toMatch(/unknown layer "swift" \(known: .*gcc.*python3.*, all\)/);
  });
});

describe('recipe hashes', () => {
  it('are stable', () => {
    expect(recipes(plan('all').layers)).toEqual(recipes(plan('all').layers));
  });

  it("change for a language's layer and the layers on it only", () => {
    const before = recipes(plan('all').layers);
    const file = path.join(images, 'languages/cpp17/language.json');
    writeJson(file, { ...readJson(file), timeFactor: 2 });
    const after = recipes(plan('all').layers);
    const changed = Object.keys(before).filter((id) => before[id] !== after[id]);
    expect(changed.sort()).toEqual([
      'buildtools',
      'clang',
      'fortran',
      'gcc',
      'gdc',
      'ghc',
      'gm2',
      'gmp',
      'gnat',
      'gnucobol',
      'gobjc',
      'nasm',
      'nim',
      'ocaml',
      'rust',
    ]);
  });

  it("change for a layer's own files (post.sh) and its children", () => {
    const before = recipes(plan('all').layers);
    fs.writeFileSync(path.join(images, 'layers/jdk/post.sh'), 'true\n');
    const after = recipes(plan('all').layers);
    expect(Object.keys(before).filter((id) => before[id] !== after[id])).toEqual(['jdk', 'clojure', 'groovy', 'kotlin', 'scala']);
  });

  it('change for every layer when the build library or the base recipe changes', () => {
    const before = recipes(plan('all').layers);
    fs.appendFileSync(path.join(images, 'lib/common.sh'), '\n');
    const after = recipes(plan('all').layers);
    expect(Object.keys(before).filter((id) => before[id] === after[id])).toEqual([]);
  });

  it('do not depend on where an extra layer directory lives', () => {
    const extra = (where: string): string => {
      const d = path.join(dir, where, 'x');
      fs.mkdirSync(d, { recursive: true });
      writeJson(path.join(d, 'layer.json'), { id: 'x', parent: 'base', packages: [], description: 'x' });
      return recipes(plan('x', '--extra-layers', path.dirname(d)).layers).x ?? '';
    };
    expect(extra('one')).toBe(extra('two'));
  });
});

describe('bad recipes are refused, naming the file and field', () => {
  const layer = (id: string, patch: Record<string, unknown>): void => {
    const file = path.join(images, 'layers', id, 'layer.json');
    writeJson(file, { ...readJson(file), ...patch });
  };
  it.each<[string, () => void, RegExp]>([
    ['an unknown parent', () => layer('clang', { parent: 'llvm' }), /layers\/clang\/layer\.json: parent: unknown layer "llvm"/],
    ['a cycle', () => layer('gcc', { parent: 'clang' }), /layer\.json: parent: cycle through/],
    ['a second root', () => layer('lua', { parent: null }), /exactly one layer must have parent null/],
    [
      'an id that is not the directory',
      () => layer('lua', { id: 'lua5' }),
      /layers\/lua\/layer\.json: id: must equal the directory name "lua"/,
    ],
    [
      'a bad package name',
      () => layer('lua', { packages: ['lua; rm -rf /'] }),
      /layers\/lua\/layer\.json: packages: "lua; rm -rf \/" is not a package name/,
    ],
    ['an unknown field', () => layer('lua', { recommends: true }), /layers\/lua\/layer\.json: recommends: unknown field/],
    [
      'a download over plain http',
      () => layer('lua', { downloads: [{ url: 'http://example.org/lua.tgz', sha256: 'a'.repeat(64), file: 'lua.tgz' }] }),
      /layers\/lua\/layer\.json: downloads\[0\]\.url: an https:\/\/ URL/,
    ],
    [
      'a download without its sha256',
      () => layer('lua', { downloads: [{ url: 'https://example.org/lua.tgz', file: 'lua.tgz' }] }),
      /layers\/lua\/layer\.json: downloads\[0\]\.sha256: 64 lowercase hex digits/,
    ],
    [
      'a download whose file name is a path',
      () => layer('lua', { downloads: [{ url: 'https://example.org/lua.tgz', sha256: 'a'.repeat(64), file: '../lua.tgz' }] }),
      /layers\/lua\/layer\.json: downloads\[0\]\.file: a plain file name/,
    ],
    [
      'a file downloaded twice',
      () => {
        const d = { url: 'https://example.org/lua.tgz', sha256: 'a'.repeat(64), file: 'lua.tgz' };
        layer('lua', { downloads: [d, d] });
      },
      /layers\/lua\/layer\.json: downloads\[1\]\.file: "lua\.tgz" is named twice/,
    ],
    [
      'a language on an unknown layer',
      () => {
        const file = path.join(images, 'languages/c/language.json');
        writeJson(file, { ...readJson(file), layer: 'tcc' });
      },
      /languages\/c\/language\.json: layer: one of the layers/,
    ],
    [
      'withLayers naming an unknown layer',
      () => {
        const file = path.join(images, 'languages/multifile/language.json');
        writeJson(file, { ...readJson(file), withLayers: ['python3', 'swift'] });
      },
      /languages\/multifile\/language\.json: withLayers: "swift" is not one of the layers/,
    ],
    [
      'withLayers naming its own layer',
      () => {
        const file = path.join(images, 'languages/multifile/language.json');
        writeJson(file, { ...readJson(file), withLayers: ['buildtools'] });
      },
      /languages\/multifile\/language\.json: withLayers: names a layer twice/,
    ],
    [
      'withLayers that is not a list',
      () => {
        const file = path.join(images, 'languages/multifile/language.json');
        writeJson(file, { ...readJson(file), withLayers: 'python3' });
      },
      /languages\/multifile\/language\.json: withLayers: an array of 1 to 32 layer ids/,
    ],
    [
      'pch flags that are not strings',
      () => {
        const file = path.join(images, 'languages/cpp17/language.json');
        writeJson(file, { ...readJson(file), pch: '-O2' });
      },
      /languages\/cpp17\/language\.json: pch: an array of compiler flags/,
    ],
  ])('%s', (_name, damage, message) => {
    damage();
    const p = plan('all');
    expect(p.status).not.toBe(0);
    expect(p.stderr).toMatch(message);
  });

  it("a flavor's own package names replace the layer's packages for that flavor only", () => {
    layer('lua', { packages: ['lua5.4'], packagesByFlavor: { debian: ['lua5.4', 'liblua5.4-dev'] } });
    const packages = (flavor: string): string => {
      const out = path.join(dir, `plan-${flavor}.json`);
      const tool = path.join(images, 'lib/image-tool.js');
      expect(spawnSync('node', [tool, 'plan', '--images', images, '--flavor', flavor, '--out', out, 'lua']).status).toBe(0);
      return spawnSync('node', [tool, 'packages', '--plan', out, '--layer', 'lua'], { encoding: 'utf8' }).stdout;
    };
    expect(packages('debian')).toBe('lua5.4 liblua5.4-dev\n');
    expect(packages('ubuntu')).toBe('lua5.4\n');
    layer('lua', { packagesByFlavor: { alpine: ['lua5.4'] } });
    expect(plan('all').stderr).toMatch(/layers\/lua\/layer\.json: packagesByFlavor: unknown flavor "alpine"/);
    layer('lua', { packagesByFlavor: { debian: ['lua; rm -rf /'] } });
    expect(plan('all').stderr).toMatch(/layers\/lua\/layer\.json: packagesByFlavor\.debian: "lua; rm -rf \/" is not a package name/);
  });

  it("a layer's downloads are in its recipe and listed for the build, each with its pinned sha256", () => {
    const before = recipes(plan('all').layers);
    const d = { url: 'https://example.org/lua-5.4.tgz', sha256: 'b'.repeat(64), file: 'lua-5.4.tgz' };
    layer('lua', { downloads: [d] });
    const p = plan('all');
    const after = recipes(p.layers);
    expect(Object.keys(before).filter((id) => before[id] !== after[id])).toEqual(['lua']);
    const r = spawnSync(
      'node',
      [path.join(images, 'lib/image-tool.js'), 'downloads', '--plan', path.join(dir, 'plan.json'), '--layer', 'lua'],
      {
        encoding: 'utf8',
      },
    );
    expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: `lua-5.4.tgz\t${'b'.repeat(64)}\t${d.url}\n` });
  });

  it('a layer defined twice (images/layers and an extra directory)', () => {
    const extra = path.join(dir, 'extra', 'gcc');
    fs.mkdirSync(extra, { recursive: true });
    writeJson(path.join(extra, 'layer.json'), { id: 'gcc', parent: 'base', packages: [], description: 'x' });
    const p = plan('all', '--extra-layers', path.dirname(extra));
    expect(p.status).not.toBe(0);
    expect(p.stderr).toMatch(/layers "gcc" is defined twice/);
  });
});

describe("a pinned download (images/lib/common.sh's fetch_pinned)", () => {
  const fetch = (url: string, sha: string): { status: number | null; stderr: string } => {
    const script = `source "$1/lib/common.sh"; fetch_pinned "$2" tool.tgz "$3" images/layers/x/layer.json`;
    const r = spawnSync('bash', ['-c', script, 'fetch', images, url, sha], {
      encoding: 'utf8',
      env: { ...process.env, DOWNLOAD_DIR: path.join(dir, 'downloads'), BUILD_LOG: path.join(dir, 'build.log') },
    });
    return { status: r.status, stderr: r.stderr };
  };
  const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

  it('is kept when its sha256 is the pinned one, and deleted with a clear error when it is not', () => {
    const source = path.join(dir, 'tool.tgz');
    fs.writeFileSync(source, 'the real tool');
    const cached = path.join(dir, 'downloads', 'tool.tgz');
    expect(fetch(`file://${source}`, sha256('the real tool')).status).toBe(0);
    expect(fs.readFileSync(cached, 'utf8')).toBe('the real tool');

    // The same name, replaced upstream: the cached copy is checked again, then a fresh download.
    fs.writeFileSync(cached, 'tampered');
    const r = fetch(`file://${source}`, sha256('the real tool'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      `sha256 mismatch for tool.tgz: expected ${sha256('the real tool')} (pinned in images/layers/x/layer.json), got ${sha256('tampered')}`,
    );
    expect(fs.existsSync(cached)).toBe(false);
    expect(fetch(`file://${source}`, sha256('the real tool')).status).toBe(0);

    fs.writeFileSync(source, 'a replaced tool');
    fs.rmSync(cached);
    expect(fetch(`file://${source}`, sha256('the real tool')).status).not.toBe(0);
    expect(fs.existsSync(cached)).toBe(false);
  });
});

describe("a language reusing another's precompiled header", () => {
  // GCC takes the gcc layer's cpp20.gch only when the compile's flags are the ones it was built
  // with: cppgmp has no pch of its own (docs/languages.md), so a change of cpp20's flags must be
  // made to cppgmp's too, or its compiles silently take 2.8 s where 1.2.
  it("cppgmp compiles with cpp20's pch flags, in their order, right after g++", () => {
    const lang = (id: string) => readJson(path.join(IMAGES, 'languages', id, 'language.json'));
    const pch = lang('cpp20').pch as string[];
    const compile = lang('cppgmp').compile as string[];
    expect(pch.length).toBeGreaterThan(0);
    expect(compile.slice(0, pch.length + 1)).toEqual(['g++', ...pch]);
  });
});
