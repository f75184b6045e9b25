#!/usr/bin/env node
'use strict';
// The JSON half of images/build.sh: reads the language directories (images/languages/<id>/),
// writes the self-test scripts that run inside the image, and writes manifest.json.
// Plain Node.js with no dependencies: it runs on the build host before `npm install` matters.
//
//   image-tool.js packages <imagesDir>                   union of the languages' packages
//   image-tool.js selftest-prepare <imagesDir> <root>   writes <root>/tmp/caged-selftest/<id>/run.sh
//   image-tool.js manifest --key value ...              writes manifest.json (see writeManifest)

const fs = require('node:fs');
const path = require('node:path');

const SELFTEST_DIR = '/tmp/caged-selftest';

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
const isEnv = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) &&
  Object.entries(v).every(([k, s]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && typeof s === 'string');

/** Loads and checks images/common.json: the environment every command in the image starts with. */
function loadCommon(imagesDir) {
  const file = path.join(imagesDir, 'common.json');
  const common = readJson(file);
  if (!isEnv(common.env)) fail(`${file}: env must be an object of NAME: string`);
  return common;
}

/** Loads and checks every images/languages/<id>/language.json, sorted by id. */
function loadLanguages(imagesDir) {
  const root = path.join(imagesDir, 'languages');
  const ids = fs.readdirSync(root).filter((d) => fs.statSync(path.join(root, d)).isDirectory()).sort();
  if (ids.length === 0) fail(`${root}: no languages`);
  return ids.map((id) => {
    const dir = path.join(root, id);
    const file = path.join(dir, 'language.json');
    const lang = readJson(file);
    const bad = (field, why) => fail(`${file}: ${field}: ${why}`);
    if (lang.id !== id) bad('id', `must equal the directory name "${id}"`);
    if (!/^[a-z0-9][a-z0-9_+-]*$/.test(id)) bad('id', 'lowercase letters, digits, _ + -');
    if (typeof lang.name !== 'string' || !lang.name.includes('{version}')) bad('name', 'a string containing {version}');
    if (!isArgv(lang.versionCommand)) bad('versionCommand', 'a non-empty argv array');
    if (typeof lang.sourceFile !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(lang.sourceFile)) bad('sourceFile', 'a plain file name');
    if (lang.compile !== null && !isArgv(lang.compile)) bad('compile', 'null or a non-empty argv array');
    if (!isArgv(lang.run)) bad('run', 'a non-empty argv array');
    if (!isEnv(lang.env)) bad('env', 'an object of NAME: string');
    for (const f of ['timeFactor', 'memoryFactor']) {
      if (typeof lang[f] !== 'number' || !(lang[f] > 0) || !Number.isFinite(lang[f])) bad(f, 'a positive number');
    }
    if (!isArgv(lang.packages)) bad('packages', 'a non-empty array of package names');
    if (lang.versionPattern !== undefined) {
      try {
        if (typeof lang.versionPattern !== 'string' || new RegExp(lang.versionPattern).source.indexOf('(') < 0) throw new Error('no group');
      } catch {
        bad('versionPattern', 'a regular expression with one group (the version)');
      }
    }
    // The other fields (extensions, entry, placeholders, factors...) are checked by the judge's
    // schema (src/rootfs/manifest.ts, ImageLanguageSchema) when it loads the manifest.
    const selftest = fs.readdirSync(dir).find((f) => f.startsWith('selftest.'));
    if (!selftest) bad('selftest', `no selftest.<ext> in ${dir}`);
    const stress = fs.readdirSync(dir).find((f) => f.startsWith('stress.'));
    return { ...lang, selftestFile: path.join(dir, selftest), stressFile: stress ? path.join(dir, stress) : null };
  });
}

/** Fields of language.json that only the build reads; the manifest gets every other one. */
const BUILD_ONLY = new Set(['versionCommand', 'versionPattern', 'packages', 'pch']);

/** The self-test's values of the judge's placeholders (docs/languages.md): one source, 256 MiB. */
function expandForSelftest(lang, arg) {
  const stem = lang.sourceFile.replace(/\.[^.]*$/, '');
  const memoryMiB = 256;
  const heapMiB = Math.max(Math.floor(memoryMiB / 4), memoryMiB - (lang.heapReserveMiB ?? 0));
  const values = { sources: lang.sourceFile, entry: lang.sourceFile, entryStem: stem, mainClass: stem, memoryMiB, heapMiB };
  return arg.replace(/\{([A-Za-z]+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const shArgv = (argv) => argv.map(shq).join(' ');

/** The self-test of one language as a POSIX sh script, run as the box user inside the image. */
function selftestScript(lang, env) {
  const dir = `${SELFTEST_DIR}/${lang.id}`;
  const tag = `selftest ${lang.id}`;
  const exports = Object.entries({ ...env, ...lang.env }).map(([k, v]) => `export ${k}=${shq(expandForSelftest(lang, v))}`);
  const x = (argv) => shArgv(argv.map((a) => expandForSelftest(lang, a)));
  const compile = lang.compile === null ? [] : [
    `if ! ${x(lang.compile)} >compile.out 2>&1 </dev/null; then`,
    `  echo ${shq(`${tag}: FAILED: the compile step failed:`)}; cat compile.out; exit 1`,
    'fi',
  ];
  return [
    '#!/bin/sh',
    `# Generated by images/lib/image-tool.js from images/languages/${lang.id}/.`,
    ...exports,
    `cd ${shq(dir)} || exit 1`,
    `if ! ${shArgv(lang.versionCommand)} >version.out 2>&1 </dev/null; then`,
    `  echo ${shq(`${tag}: FAILED: the version command failed:`)}; cat version.out; exit 1`,
    'fi',
    ...compile,
    `${x(lang.run)} </dev/null >run.out 2>run.err`,
    'rc=$?',
    'if [ "$rc" -ne 0 ]; then',
    `  echo ${shq(`${tag}: FAILED: the program exited with status`)} "$rc"; cat run.out run.err; exit 1`,
    'fi',
    'if [ "$(cat run.out)" != OK ]; then',
    `  echo ${shq(`${tag}: FAILED: the program did not print OK but:`)}; cat run.out run.err; exit 1`,
    'fi',
    ...(lang.stressFile === null ? [] : [
      `mkdir stress && cp stress.src stress/${shq(lang.sourceFile)} && cd stress || exit 1`,
      ...(lang.compile === null ? [] : [
        `if ! ${x(lang.compile)} >compile.out 2>&1 </dev/null; then`,
        `  echo ${shq(`${tag}: FAILED: the stress program did not compile:`)}; cat compile.out; exit 1`,
        'fi',
      ]),
      `${x(lang.run)} </dev/null >run.out 2>run.err`,
      'rc=$?',
      'if [ "$rc" -ne 0 ] || [ "$(cat run.out)" != OK ]; then',
      `  echo ${shq(`${tag}: FAILED: the stress program exited with status`)} "$rc"; cat run.out run.err; exit 1`,
      'fi',
    ]),
    `echo ${shq(`${tag}: OK`)}`,
    '',
  ].join('\n');
}

function selftestPrepare(imagesDir, rootDir) {
  const { env } = loadCommon(imagesDir);
  const base = path.join(rootDir, SELFTEST_DIR);
  fs.rmSync(base, { recursive: true, force: true });
  for (const lang of loadLanguages(imagesDir)) {
    const dir = path.join(base, lang.id);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(lang.selftestFile, path.join(dir, lang.sourceFile));
    if (lang.stressFile) fs.copyFileSync(lang.stressFile, path.join(dir, 'stress.src'));
    fs.writeFileSync(path.join(dir, 'run.sh'), selftestScript(lang, env), { mode: 0o755 });
    process.stdout.write(`${lang.id}\n`);
  }
}

function parseFlags(args) {
  const flags = {};
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith('--') || i + 1 >= args.length) fail(`bad argument ${args[i]}`);
    flags[args[i].slice(2)] = args[i + 1];
  }
  return flags;
}

/** manifest.json: the contract with the judge (src/rootfs/manifest.ts holds its schema). */
function writeManifest(imagesDir, flags) {
  for (const k of ['flavor', 'name', 'base', 'tarball', 'sha256', 'size', 'recipe', 'root', 'out']) {
    if (!flags[k]) fail(`manifest: --${k} is required`);
  }
  const { env } = loadCommon(imagesDir);
  const languages = loadLanguages(imagesDir).map((lang) => {
    const versionFile = path.join(flags.root, SELFTEST_DIR, lang.id, 'version.out');
    const output = fs.readFileSync(versionFile, 'utf8');
    let version = output.trim().split('\n')[0].trim();
    if (lang.versionPattern !== undefined) {
      const m = new RegExp(lang.versionPattern, 'm').exec(output);
      if (!m || !m[1]) fail(`${lang.id}: versionPattern ${lang.versionPattern} does not match the version command's output: ${output.slice(0, 200)}`);
      version = m[1];
    }
    if (!version) fail(`${lang.id}: the version command printed nothing`);
    const passed = Object.fromEntries(
      Object.entries(lang).filter(([k]) => !BUILD_ONLY.has(k) && k !== 'selftestFile' && k !== 'stressFile' && k !== 'name' && k !== 'id'),
    );
    return { id: lang.id, name: lang.name.replaceAll('{version}', version), version, ...passed };
  });
  const manifest = {
    schema: 1,
    name: flags.name,
    flavor: flags.flavor,
    base: flags.base,
    createdAt: new Date().toISOString(),
    tarball: path.basename(flags.tarball),
    sha256: flags.sha256,
    sizeBytes: Number(flags.size),
    recipeSha256: flags.recipe,
    env,
    languages,
  };
  fs.writeFileSync(flags.out, `${JSON.stringify(manifest, null, 2)}\n`);
  for (const l of languages) process.stdout.write(`  ${l.id}: ${l.name}\n`);
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'packages':
    process.stdout.write(`${[...new Set(loadLanguages(args[0]).flatMap((l) => l.packages))].sort().join(' ')}\n`);
    break;
  case 'selftest-prepare':
    selftestPrepare(args[0], args[1]);
    break;
  case 'manifest':
    writeManifest(args[0], parseFlags(args.slice(1)));
    break;
  default:
    fail('usage: image-tool.js packages|selftest-prepare|manifest ...');
}
