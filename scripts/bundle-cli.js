#!/usr/bin/env node
/**
 * `npm run build` after tsc: one bundle per command of the command line, dist/cli-bundle/COMMAND.js,
 * which dist/src/cli/main.js loads instead of the ~190 compiled files (see main.ts: why, and why
 * a bundle older than the compiled cli.js is never used).
 *
 * Each bundle is dist/src/cli/cli.js with the module graph of one command; the other commands'
 * modules are left out (a stub that throws, never reached: main.js picks the bundle by the
 * command's name). What must stay as it was in the compiled files:
 * - koffi is external: it loads its native .node file from its own directory;
 * - every bundled file keeps its own `__dirname` and `__filename` (the bundle rewrites them to the
 *   file's original place, relative to the bundle): findNativeDir (build/), the language table
 *   (images/languages), samples/, package.json's version, check-runner's worker thread
 *   (dist/src/judge/check-thread.js, which runs as a compiled file in its thread) and the
 *   packages that read files beside themselves all look where they looked before;
 * - class and function names (keepNames): errors take their name from their class.
 * Whitespace and comments go (a third of the size, which V8 parses at every start); the output
 * is ASCII (esbuild escapes the rest; checked), which main.js relies on to read it as latin1.
 * Each compiled file of dist/src also reports its start and end to `globalThis.__cagedProbe` when
 * that is set (bench/startup-probe.ts: the phases of `caged run` from the bundle); otherwise it
 * costs one property read per module.
 *
 * Bundles are written beside and renamed into place (a command starting meanwhile reads a whole
 * file); bundles of commands that no longer exist are removed.
 */
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'cli.js');
const OUT = path.join(ROOT, 'dist', 'cli-bundle');
const OWN = path.join(ROOT, 'dist', 'src') + path.sep;

/** `module.exports` of a bundled file stays reachable for the probe (tsc's output is CommonJS). */
const probed = (rel, source) => {
  const enter = `globalThis.__cagedProbe?.enter(${JSON.stringify(rel)});`;
  const leave = `\nglobalThis.__cagedProbe?.leave(${JSON.stringify(rel)}, module.exports);\n`;
  const strict = /^"use strict";\r?\n/.exec(source);
  const at = strict ? strict[0].length : 0;
  return source.slice(0, at) + enter + source.slice(at) + leave;
};

/** Every bundled file sees the `__dirname` and `__filename` it had as a file. */
function keepPaths(outDir) {
  return {
    name: 'keep-paths',
    setup(build) {
      build.onLoad({ filter: /\.(c?js)$/ }, (args) => {
        let source = fs.readFileSync(args.path, 'utf8');
        if (/\b__(dirname|filename)\b/.test(source)) {
          const dir = JSON.stringify(path.relative(outDir, path.dirname(args.path)));
          const file = JSON.stringify(path.relative(outDir, args.path));
          source = source
            .replace(/\b__dirname\b/g, `require("node:path").join(__dirname, ${dir})`)
            .replace(/\b__filename\b/g, `require("node:path").join(__dirname, ${file})`);
        }
        if (args.path.startsWith(OWN)) source = probed(path.relative(ROOT, args.path), source);
        return { contents: source, loader: 'js' };
      });
    },
  };
}

/** Leaves out the modules of the commands other than `command` (cli.js imports each as ./NAME). */
function onlyCommand(command, names) {
  const others = names.filter((n) => n !== command);
  return {
    name: 'only-command',
    setup(build) {
      const filter = new RegExp(`^\\./(${others.map((n) => n.replace(/[^a-z0-9-]/g, '')).join('|')})$`);
      build.onResolve({ filter }, (args) => (args.importer === CLI ? { path: args.path, namespace: 'other-command' } : undefined));
      build.onLoad({ filter: /.*/, namespace: 'other-command' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not in the bundle of \`caged ${command}\``)});`,
        loader: 'js',
      }));
    },
  };
}

async function bundle(command, names) {
  const outfile = path.join(OUT, `${command}.js`);
  const result = await esbuild.build({
    entryPoints: [CLI],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['koffi'],
    keepNames: true,
    // The packages' licence comments go to COMMAND.js.LEGAL.txt (not parsed at each start).
    legalComments: 'external',
    minifyWhitespace: true,
    write: false,
    outfile,
    logLevel: 'warning',
    plugins: [onlyCommand(command, names), keepPaths(OUT)],
  });
  for (const output of result.outputFiles) {
    // main.js reads the bundle as latin1 (the fastest decoding), which is only right for ASCII.
    const wide = output.path.endsWith('.js') ? output.contents.findIndex((b) => b > 0x7f) : -1;
    if (wide >= 0) throw new Error(`${output.path}: a byte above 0x7f at ${wide} (the bundle must be ASCII)`);
    const tmp = `${output.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, output.contents);
    fs.renameSync(tmp, output.path);
  }
  return result.outputFiles.find((o) => o.path === outfile).contents.length;
}

async function main() {
  const names = require(CLI).commandNames;
  for (const name of names) {
    if (!fs.existsSync(path.join(path.dirname(CLI), `${name}.js`))) {
      throw new Error(`command ${name}: no dist/src/cli/${name}.js (cli.ts imports the module of command NAME as ./NAME)`);
    }
  }
  fs.mkdirSync(OUT, { recursive: true });
  const sizes = await Promise.all(names.map((n) => bundle(n, names)));
  // Code caches (main.js writes them, through .tmp files) belong to the bundles just replaced.
  for (const file of fs.readdirSync(OUT)) {
    if (!names.includes(file.split('.')[0]) || /\.(cache|tmp)$/.test(file)) fs.rmSync(path.join(OUT, file), { force: true });
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  process.stdout.write(`bundle-cli: ${names.length} bundles in dist/cli-bundle (${(total / 1e6).toFixed(1)} MB)\n`);
}

main().catch((err) => {
  process.stderr.write(`bundle-cli: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
