#!/usr/bin/env node
'use strict';
// The JSON half of images/build.sh: reads the layer recipes (images/layers/<id>/layer.json) and
// the languages (images/languages/<id>/language.json), computes recipe hashes, writes the
// self-test scripts that run inside a layer's chroot, records each built layer and writes
// manifest.json (schema 2). Plain Node.js with no dependencies: it runs on the build host before
// `npm install` matters.
//
//   image-tool.js plan --images DIR --flavor F --out PLAN [--extra-layers DIR] [--extra-languages DIR] LAYER...|all
//       writes the build plan (JSON) and prints one line per layer to build, parents first:
//       id <TAB> parent|- <TAB> recipeSha256 <TAB> layer directory
//   image-tool.js packages --plan PLAN --layer ID            the layer's apt packages, one line
//   image-tool.js downloads --plan PLAN --layer ID           the layer's pinned downloads: file <TAB> sha256 <TAB> url
//   image-tool.js pch --plan PLAN --layer ID                 per C++ language with `pch`: id <TAB> compiler <TAB> flags...
//   image-tool.js selftest-prepare --plan PLAN --layer ID --root ROOT
//       writes ROOT/tmp/caged-selftest/<id>.sh per language on the layer (beside <id>/, which holds
//       only the language's files: a multi-file program's run script would find a run.sh there); prints their ids
//   image-tool.js layer-record --plan PLAN --layer ID --root ROOT --sha256 S --size N --seconds N
//                --out FILE [--parent-sha256 S]
//       writes the cache's layer.json (with the languages' versions read from the self-tests and
//       the sha256 of the parent's tarball it was built on)
//   image-tool.js manifest --plan PLAN --cache DIR --name N --base B --out FILE
//       writes manifest.json from the cached layer.json files of the plan's layers
//   image-tool.js fresh --cache DIR --entry ID-RECIPE [--parent ID-RECIPE]
//       exits 0 when the entry was built on the parent entry's current tarball
//   image-tool.js prune-dirs --upper DIR [--lower DIR]...
//       removes the empty directories of an upper directory that only copy a lower one's

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const SELFTEST_DIR = '/tmp/caged-selftest';
/** Bump when the meaning of a recipe changes without its files changing. */
const RECIPE_VERSION = 'caged-layer-recipe-2';
/** language.json fields the build uses and the manifest does not carry. */
const BUILD_ONLY_FIELDS = new Set(['versionCommand', 'versionPattern', 'pch', 'packages']);
const ID_RE = /^[a-z0-9][a-z0-9_+-]*$/;

function fail(message) {
  process.stderr.write(`image-tool: ${message}\n`);
  process.exit(1);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return fail(`${file}: ${err.message}`);
  }
}

const isArgv = (v) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== '');
const isStrings = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '');
const isEnv = (v) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.entries(v).every(([k, s]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && typeof s === 'string');
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/** Every regular file under dir (recursively), as paths relative to dir, sorted bytewise. */
function filesUnder(dir) {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
      else fail(`${path.join(dir, r)}: only regular files and directories may be in a recipe`);
    }
  };
  walk('');
  return out.sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : a === b ? 0 : 1));
}

/** "<name>/<rel> <sha256>\n" for every file of dir: the part of a recipe hash one directory adds. */
function dirDigestLines(dir, name) {
  return filesUnder(dir)
    .map((rel) => `${name}/${rel} ${sha256(fs.readFileSync(path.join(dir, rel)))}\n`)
    .join('');
}

/** Loads and checks images/common.json: the environment every command in the image starts with. */
function loadCommon(imagesDir) {
  const file = path.join(imagesDir, 'common.json');
  const common = readJson(file);
  if (!isEnv(common.env)) fail(`${file}: env must be an object of NAME: string`);
  return common;
}

/** Subdirectories of each root, as { id, dir }; an id in two roots is refused. */
function recipeDirs(roots, kind) {
  const seen = new Map();
  for (const root of roots) {
    if (!fs.existsSync(root)) fail(`${root}: no such ${kind} directory`);
    for (const id of fs.readdirSync(root).sort()) {
      const dir = path.join(root, id);
      if (!fs.statSync(dir).isDirectory()) continue;
      if (seen.has(id)) fail(`${kind} "${id}" is defined twice: ${seen.get(id)} and ${dir}`);
      seen.set(id, dir);
    }
  }
  return [...seen].map(([id, dir]) => ({ id, dir }));
}

/**
 * A layer's `downloads`: files fetched on the build host over HTTPS, each pinned by its sha256
 * (checked before the layer's post.sh sees it), for a toolchain no apt archive packages in a
 * usable version. Each is { url, sha256, file }: file is the name it is cached under and given
 * to post.sh as /tmp/caged-downloads/<file>.
 */
function checkedDownloads(downloads, bad) {
  if (!Array.isArray(downloads)) bad('downloads', 'an array of { url, sha256, file }');
  const files = new Set();
  return downloads.map((d, i) => {
    const at = `downloads[${i}]`;
    if (d === null || typeof d !== 'object' || Array.isArray(d)) bad(at, 'an object { url, sha256, file }');
    const extra = Object.keys(d).filter((k) => !['url', 'sha256', 'file'].includes(k));
    if (extra.length > 0) bad(`${at}.${extra[0]}`, 'unknown field (known: url, sha256, file)');
    if (typeof d.url !== 'string' || !/^https:\/\/[^\s'"\\]+$/.test(d.url)) bad(`${at}.url`, 'an https:// URL');
    if (typeof d.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(d.sha256)) bad(`${at}.sha256`, '64 lowercase hex digits');
    if (typeof d.file !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(d.file)) bad(`${at}.file`, 'a plain file name (letters, digits, . _ + -)');
    if (files.has(d.file)) bad(`${at}.file`, `"${d.file}" is named twice`);
    files.add(d.file);
    return { url: d.url, sha256: d.sha256, file: d.file };
  });
}

function loadLayers(roots) {
  const layers = new Map();
  for (const { id, dir } of recipeDirs(roots, 'layers')) {
    const file = path.join(dir, 'layer.json');
    const layer = readJson(file);
    const bad = (field, why) => fail(`${file}: ${field}: ${why}`);
    if (layer.id !== id) bad('id', `must equal the directory name "${id}"`);
    if (!ID_RE.test(id)) bad('id', 'lowercase letters, digits, _ + -');
    if (layer.parent !== null && (typeof layer.parent !== 'string' || !ID_RE.test(layer.parent))) bad('parent', 'null or a layer id');
    if (!isStrings(layer.packages)) bad('packages', 'an array of package names');
    for (const p of layer.packages) if (!/^[a-z0-9][a-z0-9+.-]*$/.test(p)) bad('packages', `"${p}" is not a package name`);
    // A flavor whose archive names the toolchain otherwise (Debian 12's newer Rust is rustc-web):
    // its list replaces `packages` for that flavor.
    const byFlavor = layer.packagesByFlavor ?? {};
    if (byFlavor === null || typeof byFlavor !== 'object' || Array.isArray(byFlavor)) bad('packagesByFlavor', 'an object of flavor: [package names]');
    for (const [flavor, list] of Object.entries(byFlavor)) {
      if (!ID_RE.test(flavor)) bad('packagesByFlavor', `"${flavor}" is not a flavor name`);
      if (!isStrings(list)) bad(`packagesByFlavor.${flavor}`, 'an array of package names');
      for (const p of list) if (!/^[a-z0-9][a-z0-9+.-]*$/.test(p)) bad(`packagesByFlavor.${flavor}`, `"${p}" is not a package name`);
    }
    layer.packagesByFlavor = byFlavor;
    if (typeof layer.description !== 'string' || layer.description === '') bad('description', 'a non-empty string');
    layer.downloads = checkedDownloads(layer.downloads ?? [], bad);
    const known = ['id', 'parent', 'packages', 'packagesByFlavor', 'downloads', 'description'];
    const extra = Object.keys(layer).filter((k) => !known.includes(k));
    if (extra.length > 0) bad(extra[0], `unknown field (known: ${known.join(', ')})`);
    for (const f of fs.readdirSync(dir)) {
      if (f !== 'layer.json' && f !== 'post.sh') fail(`${path.join(dir, f)}: a layer directory holds only layer.json and post.sh`);
    }
    layers.set(id, { ...layer, dir, hasPost: fs.existsSync(path.join(dir, 'post.sh')) });
  }
  const roots_ = [...layers.values()].filter((l) => l.parent === null);
  if (roots_.length !== 1 || roots_[0].id !== 'base') fail(`exactly one layer must have parent null, and it must be "base" (found: ${roots_.map((l) => l.id).join(', ') || 'none'})`);
  for (const l of layers.values()) {
    if (l.parent !== null && !layers.has(l.parent)) fail(`${l.dir}/layer.json: parent: unknown layer "${l.parent}"`);
    const chain = new Set([l.id]);
    for (let p = l.parent; p !== null; p = layers.get(p).parent) {
      if (chain.has(p)) fail(`${l.dir}/layer.json: parent: cycle through "${p}"`);
      chain.add(p);
    }
  }
  return layers;
}

function loadLanguages(roots, layers) {
  const languages = new Map();
  for (const { id, dir } of recipeDirs(roots, 'languages')) {
    const file = path.join(dir, 'language.json');
    const lang = readJson(file);
    const bad = (field, why) => fail(`${file}: ${field}: ${why}`);
    if (lang.id !== id) bad('id', `must equal the directory name "${id}"`);
    if (!ID_RE.test(id)) bad('id', 'lowercase letters, digits, _ + -');
    if (typeof lang.name !== 'string' || !lang.name.includes('{version}')) bad('name', 'a string containing {version}');
    if (!isArgv(lang.versionCommand)) bad('versionCommand', 'a non-empty argv array');
    if (typeof lang.layer !== 'string' || !layers.has(lang.layer)) bad('layer', `one of the layers (${[...layers.keys()].join(', ')})`);
    // Layers whose chains its jobs mount too (src/rootfs/layers.ts layerStack); the build's self-test runs on its own chain.
    if (lang.withLayers !== undefined) {
      if (!isStrings(lang.withLayers) || lang.withLayers.length === 0 || lang.withLayers.length > 32) bad('withLayers', 'an array of 1 to 32 layer ids');
      for (const w of lang.withLayers) if (!layers.has(w)) bad('withLayers', `"${w}" is not one of the layers (${[...layers.keys()].join(', ')})`);
      if (new Set([lang.layer, ...lang.withLayers]).size !== lang.withLayers.length + 1) bad('withLayers', 'names a layer twice (with layer)');
    }
    if (lang.pch !== undefined && !isStrings(lang.pch)) bad('pch', 'an array of compiler flags');
    if (lang.pch !== undefined && !isArgv(lang.compile)) bad('pch', 'only for a compiled language (compile[0] is the compiler)');
    if (typeof lang.sourceFile !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(lang.sourceFile)) bad('sourceFile', 'a plain file name');
    if (lang.compile !== null && !isArgv(lang.compile)) bad('compile', 'null or a non-empty argv array');
    if (!isArgv(lang.run)) bad('run', 'a non-empty argv array');
    if (!isEnv(lang.env)) bad('env', 'an object of NAME: string');
    const selftest = fs.readdirSync(dir).find((f) => f.startsWith('selftest.'));
    if (!selftest) bad('selftest', `no selftest.<ext> in ${dir}`);
    languages.set(id, { ...lang, dir, selftestFile: path.join(dir, selftest) });
  }
  return languages;
}

function parseFlags(args, known) {
  const flags = {};
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const k = a.slice(2);
    if (!known.includes(k)) fail(`unknown option ${a}`);
    if (i + 1 >= args.length) fail(`${a} needs a value`);
    if (k.startsWith('extra-') || k === 'lower') (flags[k] ??= []).push(args[++i]);
    else flags[k] = args[++i];
  }
  return { flags, rest };
}

function need(flags, ...keys) {
  for (const k of keys) if (flags[k] === undefined || flags[k] === '') fail(`--${k} is required`);
}

/**
 * The plan: the requested layers and their parents (parents first), each with its recipe hash:
 * sha256 of the recipe version, the parent's recipe hash (the flavor's base step and the build
 * library for base), the layer's directory and the directories of the languages on it.
 */
function plan(flags, requested) {
  need(flags, 'images', 'flavor', 'out');
  const imagesDir = path.resolve(flags.images);
  const layerRoots = [path.join(imagesDir, 'layers'), ...(flags['extra-layers'] ?? []).map((d) => path.resolve(d))];
  const languageRoots = [path.join(imagesDir, 'languages'), ...(flags['extra-languages'] ?? []).map((d) => path.resolve(d))];
  const layers = loadLayers(layerRoots);
  const languages = loadLanguages(languageRoots, layers);
  if (!fs.existsSync(path.join(imagesDir, flags.flavor, 'base.sh'))) fail(`unknown flavor "${flags.flavor}"`);
  for (const l of layers.values()) {
    const unknown = Object.keys(l.packagesByFlavor).find((f) => !fs.existsSync(path.join(imagesDir, f, 'base.sh')));
    if (unknown !== undefined) fail(`${l.dir}/layer.json: packagesByFlavor: unknown flavor "${unknown}"`);
  }

  const wanted = requested.length === 0 || requested.includes('all') ? [...layers.keys()] : requested;
  const closure = new Set();
  const add = (id) => {
    for (let p = id; p !== null && !closure.has(p); p = layers.get(p).parent) {
      closure.add(p);
      // A language on the layer needs its withLayers' chains in the image too.
      for (const l of languages.values()) if (l.layer === p) for (const w of l.withLayers ?? []) add(w);
    }
  };
  for (const id of wanted) {
    if (!layers.has(id)) fail(`unknown layer "${id}" (known: ${[...layers.keys()].sort().join(', ')}, all)`);
    add(id);
  }
  // Parents first; among siblings, the one with the most layers on it first (the longest chains
  // start building first), then by id.
  const order = [];
  const size = (id) => 1 + [...layers.values()].filter((x) => x.parent === id && closure.has(x.id)).reduce((n, x) => n + size(x.id), 0);
  const visit = (parent) => {
    const children = [...layers.values()].filter((x) => x.parent === parent && closure.has(x.id));
    for (const l of children.sort((a, b) => size(b.id) - size(a.id) || (a.id < b.id ? -1 : 1))) {
      order.push(l.id);
      visit(l.id);
    }
  };
  visit(null);

  const lib =
    `flavor ${flags.flavor}\n` +
    ['build.sh', 'common.json'].map((f) => `${f} ${sha256(fs.readFileSync(path.join(imagesDir, f)))}\n`).join('') +
    dirDigestLines(path.join(imagesDir, 'lib'), 'lib');
  const recipes = new Map();
  const out = [];
  for (const id of order) {
    const layer = layers.get(id);
    const langs = [...languages.values()].filter((l) => l.layer === id).sort((a, b) => (a.id < b.id ? -1 : 1));
    const parentPart = layer.parent === null ? lib + dirDigestLines(path.join(imagesDir, flags.flavor), flags.flavor) : `parent ${recipes.get(layer.parent)}\n`;
    const text =
      `${RECIPE_VERSION}\nlayer ${id}\n${parentPart}` + dirDigestLines(layer.dir, `layers/${id}`) + langs.map((l) => dirDigestLines(l.dir, `languages/${l.id}`)).join('');
    const recipe = sha256(text);
    recipes.set(id, recipe);
    out.push({ id, parent: layer.parent, dir: layer.dir, recipeSha256: recipe, packages: layer.packagesByFlavor[flags.flavor] ?? layer.packages, downloads: layer.downloads, description: layer.description, hasPost: layer.hasPost, languages: langs.map((l) => l.id) });
  }
  const result = {
    flavor: flags.flavor,
    imagesDir,
    env: loadCommon(imagesDir).env,
    layers: out,
    languages: Object.fromEntries([...languages].filter(([, l]) => closure.has(l.layer))),
  };
  fs.writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);
  for (const l of out) process.stdout.write(`${l.id}\t${l.parent ?? '-'}\t${l.recipeSha256}\t${l.dir}\n`);
}

function loadPlan(flags) {
  need(flags, 'plan');
  return readJson(flags.plan);
}

function planLayer(p, id) {
  const layer = p.layers.find((l) => l.id === id);
  if (!layer) fail(`layer "${id}" is not in the plan`);
  return layer;
}

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const shArgv = (argv) => argv.map(shq).join(' ');

/**
 * Placeholders of a language's commands, as the build's self-test fills them: the one source
 * file is the entry and the only source (its stem the main class, Kotlin's with `Kt`); {memoryMiB} is a 256 MiB limit
 * and {heapMiB} what the judge leaves of it for the heap (docs/languages.md).
 */
function expand(lang, argv, field) {
  const stem = lang.sourceFile.replace(/\.[^.]*$/, '');
  const memoryMiB = 256;
  const heapMiB = Math.max(Math.floor(memoryMiB / 4), memoryMiB - (lang.heapReserveMiB ?? 0));
  const values = {
    sources: [lang.sourceFile],
    entry: [lang.sourceFile],
    entryStem: [stem],
    // Kotlin's top-level main lives in the file's class: Main.kt → MainKt (src/judge/entry-point.ts).
    mainClass: [lang.entry === 'kotlin-main' ? `${stem}Kt` : stem],
    memoryMiB: [String(memoryMiB)],
    heapMiB: [String(heapMiB)],
  };
  return argv.flatMap((arg) => {
    const whole = /^\{([A-Za-z]+)\}$/.exec(arg);
    if (whole && values[whole[1]]) return values[whole[1]];
    return [
      arg.replace(/\{([A-Za-z]+)\}/g, (m, name) => {
        if (!values[name] || values[name].length !== 1) fail(`language ${lang.id}: ${field}: placeholder ${m} is not known to the build's self-test (images/lib/image-tool.js)`);
        return values[name][0];
      }),
    ];
  });
}

/** The self-test of one language as a POSIX sh script, run as the box user inside the layer. */
function selftestScript(lang, env) {
  const dir = `${SELFTEST_DIR}/${lang.id}`;
  const tag = `selftest ${lang.id}`;
  const exports = Object.entries({ ...env, ...lang.env }).map(([k, v]) => `export ${k}=${shq(expand(lang, [v], `env.${k}`).join(' '))}`);
  const compile =
    lang.compile === null
      ? []
      : [`if ! ${shArgv(expand(lang, lang.compile, 'compile'))} >compile.out 2>&1 </dev/null; then`, `  echo ${shq(`${tag}: FAILED: the compile step failed:`)}; cat compile.out; exit 1`, 'fi'];
  return [
    '#!/bin/sh',
    `# Generated by images/lib/image-tool.js from images/languages/${lang.id}/.`,
    ...exports,
    `cd ${shq(dir)} || exit 1`,
    `if ! ${shArgv(lang.versionCommand)} >version.out 2>&1 </dev/null; then`,
    `  echo ${shq(`${tag}: FAILED: the version command failed:`)}; cat version.out; exit 1`,
    'fi',
    ...compile,
    `${shArgv(expand(lang, lang.run, 'run'))} </dev/null >run.out 2>run.err`,
    'rc=$?',
    'if [ "$rc" -ne 0 ]; then',
    `  echo ${shq(`${tag}: FAILED: the program exited with status`)} "$rc"; cat run.out run.err; exit 1`,
    'fi',
    'if [ "$(cat run.out)" != OK ]; then',
    `  echo ${shq(`${tag}: FAILED: the program did not print OK but:`)}; cat run.out run.err; exit 1`,
    'fi',
    `echo ${shq(`${tag}: OK`)}`,
    '',
  ].join('\n');
}

function selftestPrepare(flags) {
  need(flags, 'layer', 'root');
  const p = loadPlan(flags);
  const layer = planLayer(p, flags.layer);
  const base = path.join(flags.root, SELFTEST_DIR);
  fs.rmSync(base, { recursive: true, force: true });
  for (const id of layer.languages) {
    const lang = p.languages[id];
    const dir = path.join(base, id);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(lang.selftestFile, path.join(dir, lang.sourceFile));
    fs.writeFileSync(path.join(base, `${id}.sh`), selftestScript(lang, p.env), { mode: 0o755 });
    process.stdout.write(`${id}\n`);
  }
}

/** The version a language's versionCommand printed in the layer's self-test: its first line, or versionPattern's group. */
function detectedVersion(root, lang) {
  const id = lang.id;
  const file = path.join(root, SELFTEST_DIR, id, 'version.out');
  const output = fs.readFileSync(file, 'utf8');
  let version = output.trim().split('\n')[0].trim();
  if (lang.versionPattern !== undefined) {
    const m = new RegExp(lang.versionPattern, 'm').exec(output);
    if (!m || !m[1]) fail(`${id}: versionPattern ${lang.versionPattern} does not match the version command's output: ${output.slice(0, 200)}`);
    version = m[1];
  }
  if (!version) fail(`${id}: the version command printed nothing`);
  return version;
}

function layerRecord(flags) {
  need(flags, 'layer', 'root', 'sha256', 'size', 'seconds', 'out');
  const p = loadPlan(flags);
  const layer = planLayer(p, flags.layer);
  if (layer.parent !== null) need(flags, 'parent-sha256');
  const record = {
    id: layer.id,
    parent: layer.parent,
    // The parent's tarball this layer was built on: a cached layer is reused only on that same
    // tarball (a parent rebuilt with --force makes the layers on it stale).
    parentSha256: layer.parent === null ? null : flags['parent-sha256'],
    sha256: flags.sha256,
    sizeBytes: Number(flags.size),
    recipeSha256: layer.recipeSha256,
    packages: layer.packages,
    downloads: layer.downloads,
    buildSeconds: Number(flags.seconds),
    builtAt: new Date().toISOString(),
    languages: Object.fromEntries(layer.languages.map((id) => [id, { version: detectedVersion(flags.root, p.languages[id]) }])),
  };
  fs.writeFileSync(flags.out, `${JSON.stringify(record, null, 2)}\n`);
}

/** manifest.json, schema 2: the contract with the judge (src/rootfs/manifest.ts holds its schema). */
function writeManifest(flags) {
  need(flags, 'cache', 'name', 'base', 'out');
  const p = loadPlan(flags);
  const layers = [];
  const languages = [];
  for (const l of p.layers) {
    const file = path.join(flags.cache, `${l.id}-${l.recipeSha256}`, 'layer.json');
    const rec = readJson(file);
    if (rec.recipeSha256 !== l.recipeSha256 || rec.id !== l.id) fail(`${file}: does not belong to layer ${l.id} recipe ${l.recipeSha256}`);
    layers.push({
      id: l.id,
      parent: l.parent,
      tarball: `layers/${rec.sha256}.tar`,
      sha256: rec.sha256,
      sizeBytes: rec.sizeBytes,
      recipeSha256: l.recipeSha256,
      packages: l.packages,
      buildSeconds: rec.buildSeconds,
    });
    for (const id of l.languages) {
      const lang = p.languages[id];
      const version = rec.languages?.[id]?.version;
      if (!version) fail(`${file}: no detected version for language ${id}`);
      const out = {};
      for (const [k, v] of Object.entries(lang)) {
        if (!BUILD_ONLY_FIELDS.has(k) && k !== 'dir' && k !== 'selftestFile') out[k] = v;
      }
      out.name = lang.name.replaceAll('{version}', version);
      out.version = version;
      languages.push(out);
    }
  }
  languages.sort((a, b) => (a.id < b.id ? -1 : 1));
  const manifest = {
    schema: 2,
    name: flags.name,
    flavor: p.flavor,
    base: flags.base,
    createdAt: new Date().toISOString(),
    recipeSha256: overallRecipe(p),
    env: p.env,
    layers,
    languages,
  };
  fs.writeFileSync(flags.out, `${JSON.stringify(manifest, null, 2)}\n`);
  for (const l of languages) process.stdout.write(`  ${l.id} (${l.layer}): ${l.name}\n`);
}

/**
 * Removes from an overlay's upper directory the empty directories that are only copies of a
 * parent's (overlayfs copies a directory up when something is created in it, even if that is
 * deleted again): the topmost lower directory having the path has it as a directory with the
 * same mode and owner. Deepest first, so a chain of such directories goes entirely. Runs after
 * check_layer_tree, which refused every opaque directory that hides a lower one.
 */
function pruneDirs(flags) {
  need(flags, 'upper');
  const lowers = flags.lower ?? [];
  let removed = 0;
  const walk = (rel) => {
    const dir = path.join(flags.upper, rel);
    let entries = fs.readdirSync(dir, { withFileTypes: true });
    for (const e of entries) if (e.isDirectory()) walk(path.join(rel, e.name));
    if (rel === '') return;
    entries = fs.readdirSync(dir);
    if (entries.length > 0) return;
    const mine = fs.lstatSync(dir);
    for (const lower of lowers) {
      let theirs;
      try {
        theirs = fs.lstatSync(path.join(lower, rel));
      } catch {
        continue;
      }
      if (theirs.isDirectory() && theirs.mode === mine.mode && theirs.uid === mine.uid && theirs.gid === mine.gid) {
        fs.rmdirSync(dir);
        removed++;
      }
      return;
    }
  };
  walk('');
  process.stdout.write(`${removed}\n`);
}

/** The image's recipe hash: the flavor and every listed layer's recipe hash. */
function overallRecipe(p) {
  return sha256(`${RECIPE_VERSION}\nimage ${p.flavor}\n${p.layers.map((l) => `${l.id} ${l.recipeSha256}\n`).join('')}`);
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'plan': {
    const { flags, rest } = parseFlags(args, ['images', 'flavor', 'out', 'extra-layers', 'extra-languages']);
    plan(flags, rest);
    break;
  }
  case 'recipe': {
    const { flags } = parseFlags(args, ['plan']);
    process.stdout.write(`${overallRecipe(loadPlan(flags))}\n`);
    break;
  }
  case 'packages': {
    const { flags } = parseFlags(args, ['plan', 'layer']);
    process.stdout.write(`${planLayer(loadPlan(flags), flags.layer).packages.join(' ')}\n`);
    break;
  }
  case 'downloads': {
    const { flags } = parseFlags(args, ['plan', 'layer']);
    for (const d of planLayer(loadPlan(flags), flags.layer).downloads ?? []) process.stdout.write(`${d.file}\t${d.sha256}\t${d.url}\n`);
    break;
  }
  case 'pch': {
    const { flags } = parseFlags(args, ['plan', 'layer']);
    const p = loadPlan(flags);
    for (const id of planLayer(p, flags.layer).languages) {
      const lang = p.languages[id];
      if (lang.pch) process.stdout.write(`${[id, lang.compile[0], ...lang.pch].join('\t')}\n`);
    }
    break;
  }
  case 'selftest-prepare':
    selftestPrepare(parseFlags(args, ['plan', 'layer', 'root']).flags);
    break;
  case 'layer-record':
    layerRecord(parseFlags(args, ['plan', 'layer', 'root', 'sha256', 'size', 'seconds', 'out', 'parent-sha256']).flags);
    break;
  case 'fresh': {
    // Exit 0 when the cached entry was built on the parent entry's current tarball.
    const { flags } = parseFlags(args, ['cache', 'entry', 'parent']);
    need(flags, 'cache', 'entry');
    const rec = readJson(path.join(flags.cache, flags.entry, 'layer.json'));
    if (flags.parent === undefined) process.exit(rec.parent === null ? 0 : 1);
    const parent = readJson(path.join(flags.cache, flags.parent, 'layer.json'));
    process.exit(rec.parentSha256 === parent.sha256 ? 0 : 1);
    break;
  }
  case 'prune-dirs':
    pruneDirs(parseFlags(args, ['upper', 'lower']).flags);
    break;
  case 'manifest':
    writeManifest(parseFlags(args, ['plan', 'cache', 'name', 'base', 'out']).flags);
    break;
  default:
    fail('usage: image-tool.js plan|recipe|packages|downloads|pch|selftest-prepare|layer-record|manifest|prune-dirs ... (see the head of this file)');
}
