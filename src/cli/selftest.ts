/**
 * `caged selftest [--manifest MANIFEST] [--lang ID...] [--languages-dir DIR] [--json]`: judges
 * each language's self-tests from caged's language table (images/languages/<id>/selftest.* and,
 * when present, stress.*) in the real sandbox, through the Judge the worker uses, with the
 * default limits and seccomp policy: each must print `OK` (the default checker compares tokens)
 * and get AC. One line per language and program with its verdict and times; exit 0 when every
 * one passed, 1 otherwise (a failed self-test fails the image build that runs this).
 *
 * Languages: those given (`--lang c cpp17`, or comma-separated), default every language of the
 * manifest. A language without a selftest.* in the table fails; one the manifest does not carry
 * is a bad request. A language this worker refuses (rlimits only: docs/rootless.md) is skipped by
 * default, named with the reason, and refused when given.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { defaultLanguagesDir } from '../judge/language-table';
import { Judge } from '../judge/judge';
import type { JudgeResult } from '../judge/schema';
import { languageRefused, type LanguageInfo } from '../judge/languages';
import { Sandbox } from '../sandbox/sandbox';
import { parseArgs, stringFlag } from './args';
import { judgeOptionsFromEnv } from './run';
import { writeSafe } from './terminal-safe';
import { SELFTEST_USAGE } from './usage';

/** The programs a language's table directory holds: selftest.* first, then stress.*. */
export function selfTestFiles(dir: string): string[] {
  const names = fs.readdirSync(dir).filter((f) => /^(selftest|stress)\.[^.]+$/.test(f));
  const rank = (f: string): number => (f.startsWith('selftest.') ? 0 : 1);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export interface SelfTestLine {
  language: string;
  /** The program's file name, or null when the language has no self-test. */
  program: string | null;
  passed: boolean;
  verdict: string;
  message: string;
  compileMs: number;
  runMs: number;
  totalMs: number;
}

function line(language: string, file: string, r: JudgeResult): SelfTestLine {
  const test = r.tests[0];
  const passed = r.verdict === 'AC';
  const message = passed ? '' : r.verdict === 'CE' ? r.message : (test?.message ?? r.message);
  return {
    language,
    program: file,
    passed,
    verdict: r.verdict,
    message,
    compileMs: Math.round(r.timing.compileMs),
    runMs: Math.round((test?.wallTimeMs ?? 0) * 10) / 10,
    totalMs: Math.round(r.timing.totalMs),
  };
}

/**
 * Which languages a self-test judges: those wanted (each must be in the image and run on this
 * worker, else a bad request naming it and the reason), default every language of the image
 * except those this worker refuses (rlimits only), which are `skipped` with the reason.
 */
export function selftestPlan(
  listed: readonly Pick<LanguageInfo, 'id' | 'refused'>[],
  wanted: readonly string[] | null,
): { run: string[]; skipped: Array<{ language: string; reason: string }> } {
  if (wanted === null)
    return {
      run: listed.filter((l) => l.refused === null).map((l) => l.id),
      skipped: listed.flatMap((l) => (l.refused === null ? [] : [{ language: l.id, reason: l.refused }])),
    };
  for (const id of wanted) {
    const l = listed.find((k) => k.id === id);
    if (l === undefined)
      throw new InvalidRequestError(
        `the image has no language ${JSON.stringify(id)} (it has: ${listed.map((k) => k.id).join(', ')})`,
        '--lang',
      );
    if (l.refused !== null) throw languageRefused(id, l.refused, '--lang');
  }
  return { run: [...wanted], skipped: [] };
}

export async function selftestCommand(
  argv: readonly string[],
  out: NodeJS.WritableStream,
  ctx: { signal?: AbortSignal } = {},
): Promise<number> {
  const args = parseArgs(argv, ['manifest', 'lang', 'languages-dir'], ['json']);
  const langFlag = stringFlag(args, 'lang');
  if (langFlag === undefined && args.positional.length)
    throw new InvalidRequestError(`unexpected ${args.positional.join(' ')} (${SELFTEST_USAGE})`, 'arguments');
  const wanted = langFlag === undefined ? null : [langFlag, ...args.positional].flatMap((s) => s.split(',')).filter(Boolean);
  const dir = stringFlag(args, 'languages-dir') ?? defaultLanguagesDir();
  if (dir === null || !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidRequestError(
      `no language table at ${dir ?? "this caged's images/languages"} (give --languages-dir)`,
      '--languages-dir',
    );

  const manifestPath = stringFlag(args, 'manifest');
  const judge = await Judge.create({
    ...judgeOptionsFromEnv(),
    ...(manifestPath ? { manifestPath } : {}),
    // Every self-test compiles for real: a cached artefact would not test the compiler.
    compileCacheBytes: 0,
    sandbox: await Sandbox.create(),
    closeSandbox: true,
  });
  const lines: SelfTestLine[] = [];
  try {
    const listed = judge.languages();
    const { run, skipped } = selftestPlan(listed, wanted);
    const json = args.flags.has('json');
    const width = Math.max(...listed.map((l) => l.id.length));
    for (const k of json ? [] : skipped) writeSafe(out, `${k.language.padEnd(width)}  -              SKIP  ${k.reason}\n`);
    for (const id of run) {
      const langDir = path.join(dir, id);
      const files = fs.existsSync(langDir) ? selfTestFiles(langDir) : [];
      if (!files.some((f) => f.startsWith('selftest.'))) {
        const missing = { language: id, program: null, passed: false, verdict: 'MISSING', message: `no selftest.* in ${langDir}` };
        lines.push({ ...missing, compileMs: 0, runMs: 0, totalMs: 0 });
        if (!json) writeSafe(out, `${id.padEnd(width)}  -              FAIL  ${missing.message}\n`);
        continue;
      }
      for (const file of files) {
        const source = fs.readFileSync(path.join(langDir, file), 'utf8');
        const result = await judge.judge(
          {
            id: `selftest-${id}-${file}`,
            language: id,
            source,
            testcases: [{ stdin: '', expected: 'OK\n' }],
          },
          ctx.signal ? { signal: ctx.signal } : {},
        );
        const l = line(id, file, result);
        lines.push(l);
        if (!json) {
          const times = `compile ${l.compileMs} ms, run ${l.runMs} ms, total ${l.totalMs} ms`;
          writeSafe(
            out,
            `${id.padEnd(width)}  ${file.padEnd(13)}  ${l.passed ? 'ok  ' : 'FAIL'}  ${result.verdict}  ${times}${l.message ? `  ${l.message}` : ''}\n`,
          );
        }
      }
    }
    const failed = lines.filter((l) => !l.passed);
    if (json) out.write(`${JSON.stringify({ image: judge.image.name, passed: failed.length === 0, results: lines, skipped }, null, 2)}\n`);
    else
      writeSafe(
        out,
        `selftest: ${lines.length - failed.length} of ${lines.length} passed${failed.length ? `; failed: ${failed.map((l) => `${l.language}/${l.program ?? '-'}`).join(', ')}` : ''}` +
          `${skipped.length ? `; skipped, refused on this worker: ${skipped.map((k) => k.language).join(', ')}` : ''}\n`,
      );
    return failed.length ? 1 : 0;
  } finally {
    await judge.close();
  }
}
