/**
 * The documentation names only files that exist: every relative markdown link and every
 * backticked repository path in README.md and docs/*.md; the README stays a front page (under
 * 250 lines, starting with the two commands for a fresh machine); package.json points at files
 * the build produces.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const DOCS = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Top-level entries of the repository a backticked path may start with (build output excluded). */
const REPO_DIRS = ['src', 'test', 'client', 'native', 'bench', 'scripts', 'images', 'docs', 'worker', 'samples', '.ci'];
const REPO_FILES =
  /^(README\.md|package\.json|package-lock\.json|docker-compose\.yml|jest(\.unit)?\.config\.js|tsconfig\.json|eslint\.config\.mjs|\.prettierrc\.json|\.editorconfig)$/;

/** Markdown without its fenced code blocks (commands and sample output are not references). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** `src/sandbox/prepared-containers.ts`, `test/unit/`, `.ci/run`: repository paths in backticks. */
function backtickedPaths(text: string): string[] {
  const found: string[] = [];
  for (const m of prose(text).matchAll(/`([^`\s]+)`/g)) {
    const p = m[1]!.replace(/[.,:;]$/, '');
    if (/[<>*{}$]/.test(p)) continue; // a pattern (`images/languages/<id>/`), not a path
    const first = p.split('/')[0]!;
    if ((REPO_DIRS.includes(first) && p.includes('/')) || REPO_FILES.test(p)) found.push(p);
  }
  return found;
}

/** `[text](target)`: relative targets only, anchors dropped. */
function linkTargets(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith('#'))
    .map((t) => t.split('#')[0]!);
}

describe.each(DOCS)('%s', (doc) => {
  const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');

  it('names only repository paths that exist', () => {
    const missing = backtickedPaths(text).filter((p) => !fs.existsSync(path.join(ROOT, p)));
    expect(missing).toEqual([]);
  });

  it('links only to files that exist', () => {
    const missing = linkTargets(text).filter((t) => !fs.existsSync(path.resolve(path.dirname(path.join(ROOT, doc)), t)));
    expect(missing).toEqual([]);
  });

  it('links only to headings that exist', () => {
    const slug = (h: string): string =>
      h
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-');
    const headings = (file: string): string[] =>
      prose(fs.readFileSync(file, 'utf8'))
        .split('\n')
        .filter((l) => /^#{1,6} /.test(l))
        .map((l) => slug(l.replace(/^#+ /, '')));
    const broken: string[] = [];
    for (const m of prose(text).matchAll(/\]\(([^)\s]*)#([^)\s]+)\)/g)) {
      const file = m[1] ? path.resolve(path.dirname(path.join(ROOT, doc)), m[1]) : path.join(ROOT, doc);
      if (/^[a-z]+:/.test(m[1]!) || !fs.existsSync(file)) continue;
      if (!headings(file).includes(m[2]!)) broken.push(`${m[1]}#${m[2]}`);
    }
    expect(broken).toEqual([]);
  });
});

describe('the README', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('is a front page: under 250 lines', () => {
    expect(readme.split('\n').length).toBeLessThan(250);
  });

  it('starts with the two commands for a fresh machine', () => {
    const block = /^# caged\n\n```sh\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const commands = block![1]!
      .trim()
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim());
    expect(commands).toEqual(['bash scripts/quickstart.sh', 'npm test']);
  });

  it('tells the run sequence once: only docs/architecture.md walks through the handshake', () => {
    const tellers = DOCS.filter((doc) => /B → A `[URSXE]`/.test(fs.readFileSync(path.join(ROOT, doc), 'utf8')));
    expect(tellers).toEqual(['docs/architecture.md']);
  });

  it('links every page of docs/', () => {
    for (const f of fs.readdirSync(path.join(ROOT, 'docs')).filter((n) => n.endsWith('.md'))) expect(readme).toContain(`](docs/${f})`);
  });
});

describe('files outside the docs', () => {
  it('point only at pages of docs/ that exist (and at headings they have)', () => {
    const broken: string[] = [];
    for (const file of ['docker-compose.yml', 'worker/Dockerfile', 'worker/entrypoint.sh', '.ci/run', 'scripts/quickstart.sh']) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/docs\/[\w.-]+\.md(?:[^"\n]*"([^"]+)")?/g)) {
        const page = m[0].split(/[^\w./-]/)[0]!;
        if (!fs.existsSync(path.join(ROOT, page))) broken.push(`${file}: ${page}`);
        else if (m[1] && !new RegExp(`^#+ ${m[1]}$`, 'm').test(fs.readFileSync(path.join(ROOT, page), 'utf8')))
          broken.push(`${file}: ${page} "${m[1]}"`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    main: string;
    types: string;
    bin: Record<string, string>;
  };
  /** dist/src/x.js (the build's output) comes from src/x.ts. */
  const source = (built: string): string => built.replace(/^dist\//, '').replace(/\.d\.ts$|\.js$/, '.ts');

  it('points main, types and bin at files the build produces', () => {
    for (const built of [pkg.main, pkg.types, ...Object.values(pkg.bin)]) expect(fs.existsSync(path.join(ROOT, source(built)))).toBe(true);
  });
});
