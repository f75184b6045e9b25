/**
 * The address-space limit's pieces without a sandbox: the manifest field, the limit it makes
 * (src/judge/limits.ts), the ELF image size (src/judge/address-space.ts) and the verdict rule;
 * the languages whose runtimes reserve address space, refused where RLIMIT_AS is the memory limit.
 * The real runs: test/judge-address-space.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addressSpaceVerdict, artefactOf, elfLoadBytes, loadBytesOf } from '../../src/judge/address-space';
import { resolveLimits, testLimitsConfig } from '../../src/judge/limits';
import { InvalidRequestError } from '../../src/errors';
import { LanguageRegistry, refusalWarning } from '../../src/judge/languages';
import { selftestPlan } from '../../src/cli/selftest';
import { ImageLanguageSchema, parseManifest } from '../../src/rootfs/manifest';
import { languageJsons, manifestOf } from './helpers/language-table';
import type { RunResult } from '../../src/sandbox/types';
import { runResult } from '../helpers/run-result';

/** The Debian image's languages whose runtime reserves address space (`reservesAddressSpace`). */
const RESERVING = ['clojure', 'commonlisp', 'elixir', 'erlang', 'go', 'groovy', 'java', 'kotlin', 'scala'];

const MiB = 2 ** 20;

const lang = {
  id: 'c',
  name: 'C',
  version: '12',
  sourceFile: 'main.c',
  compile: ['gcc', 'main.c'],
  run: ['./main'],
  env: {},
  timeFactor: 1,
  memoryFactor: 1,
};

/** An ELF64 LE header with the given PT_LOAD (vaddr, memsz) segments and one PT_NOTE. */
function elf(segments: Array<[number, number]>): Buffer {
  const ph = 56;
  const all = [...segments.map(([v, m]) => ({ type: 1, v, m })), { type: 4, v: 0, m: 1 << 30 }];
  const b = Buffer.alloc(64 + ph * all.length);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2;
  b[5] = 1;
  b.writeBigUInt64LE(64n, 32);
  b.writeUInt16LE(ph, 54);
  b.writeUInt16LE(all.length, 56);
  all.forEach((s, i) => {
    b.writeUInt32LE(s.type, 64 + i * ph);
    b.writeBigUInt64LE(BigInt(s.v), 64 + i * ph + 16);
    b.writeBigUInt64LE(BigInt(s.m), 64 + i * ph + 40);
  });
  return b;
}

describe('addressSpaceGraceMiB', () => {
  it('is optional in a language of the manifest, a whole number ≥ 0', () => {
    expect(ImageLanguageSchema.parse(lang).addressSpaceGraceMiB).toBeUndefined();
    expect(ImageLanguageSchema.parse({ ...lang, addressSpaceGraceMiB: 16 }).addressSpaceGraceMiB).toBe(16);
    expect(ImageLanguageSchema.safeParse({ ...lang, addressSpaceGraceMiB: -1 }).success).toBe(false);
    expect(ImageLanguageSchema.safeParse({ ...lang, addressSpaceGraceMiB: 1.5 }).success).toBe(false);
  });

  it('makes RLIMIT_AS the memory limit after the factor plus the grace; absent, none', () => {
    const l = resolveLimits({ memoryBytes: 64 * MiB }, testLimitsConfig(), 'limits', {
      timeFactor: 1,
      memoryFactor: 2,
      addressSpaceGraceMiB: 16,
    });
    expect(l.memoryBytes).toBe(128 * MiB);
    expect(l.addressSpaceBytes).toBe(144 * MiB);
    expect(
      resolveLimits({ memoryBytes: 64 * MiB }, testLimitsConfig(), 'limits', { timeFactor: 1, memoryFactor: 1 }).addressSpaceBytes,
    ).toBe(0);
  });
});

describe('reservesAddressSpace', () => {
  const table = () => parseManifest(manifestOf(languageJsons()), 'test');

  it("marks the repository's JVM languages, Go and SBCL (measured not to start under RLIMIT_AS, docs/rootless.md), and no other", () => {
    const marked = table()
      .languages.filter((l) => l.reservesAddressSpace)
      .map((l) => l.id)
      .sort();
    expect(marked).toEqual(RESERVING);
  });

  it('is refused beside addressSpaceGraceMiB', () => {
    const r = ImageLanguageSchema.safeParse({ ...lang, reservesAddressSpace: true, addressSpaceGraceMiB: 16 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('cannot run under an address-space limit');
  });

  it('a worker with rlimits only refuses those languages by name and reason, and serves the others', () => {
    const rlimitsOnly = LanguageRegistry.fromManifest(table(), [], true);
    let err: unknown;
    try {
      rlimitsOnly.get('java', 'checker.language');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).field).toBe('checker.language');
    expect((err as Error).message).toMatch(/language "java" cannot run on this worker: .*RLIMIT_AS.*worker with a cgroup/);
    expect(() => rlimitsOnly.get('go')).toThrow(/"go" cannot run on this worker/);
    expect(rlimitsOnly.get('cpp17').id).toBe('cpp17');
    expect(rlimitsOnly.get('python3').id).toBe('python3');
    // With a cgroup, every language is served.
    expect(LanguageRegistry.fromManifest(table()).get('java').id).toBe('java');
  });

  it('the listing marks them as needing a cgroup, and as refused only on a worker with rlimits only', () => {
    const listed = (rlimitsOnly: boolean) => LanguageRegistry.fromManifest(table(), [], rlimitsOnly).list();
    const withCgroup = listed(false);
    expect(
      withCgroup
        .filter((l) => l.needsCgroup)
        .map((l) => l.id)
        .sort(),
    ).toEqual(RESERVING);
    expect(withCgroup.every((l) => l.refused === null)).toBe(true);
    const refused = listed(true).filter((l) => l.refused !== null);
    expect(refused.map((l) => l.id).sort()).toEqual(RESERVING);
    expect(refused.find((l) => l.id === 'java')!.refused).toMatch(/^cannot run on this worker: .*RLIMIT_AS/);
  });

  it("the worker's start warning names every refused language and the reason, and is absent with a cgroup", () => {
    const warning = refusalWarning(LanguageRegistry.fromManifest(table(), [], true).list());
    expect(warning).not.toBeNull();
    expect([...warning!.refused].sort()).toEqual(RESERVING);
    expect(warning!.message).toMatch(
      /^this worker refuses 9 languages \((\w+, ){8}\w+\): it has no cgroup .*RLIMIT_AS.*docs\/rootless\.md#rlimits-only\)$/,
    );
    for (const id of warning!.refused) expect(warning!.message).toContain(id);
    expect(refusalWarning(LanguageRegistry.fromManifest(table()).list())).toBeNull();
  });

  it('caged selftest skips them by default, naming the reason, and refuses them when asked for by name', () => {
    const all = LanguageRegistry.fromManifest(table(), [], true).list();
    const plan = selftestPlan(all, null);
    expect(plan.skipped.map((k) => k.language).sort()).toEqual(RESERVING);
    expect(plan.skipped.every((k) => /RLIMIT_AS/.test(k.reason))).toBe(true);
    expect(plan.run).toContain('c');
    expect(plan.run).not.toContain('java');
    expect(plan.run.length + plan.skipped.length).toBe(all.length);
    expect(selftestPlan(all, ['c', 'python3'])).toEqual({ run: ['c', 'python3'], skipped: [] });
    expect(() => selftestPlan(all, ['c', 'java'])).toThrow(/^--lang: language "java" cannot run on this worker: .*RLIMIT_AS/);
    expect(() => selftestPlan(all, ['swift'])).toThrow(/^--lang: the image has no language "swift"/);
    // With a cgroup nothing is skipped.
    expect(selftestPlan(LanguageRegistry.fromManifest(table()).list(), null).skipped).toEqual([]);
  });
});

describe("a program's image size", () => {
  it('sums the page-rounded PT_LOAD segments only', () => {
    expect(
      loadBytesOf(
        elf([
          [0x1000, 0x10],
          [0x2010, 128 * MiB],
        ]),
      ),
    ).toBe(4096 + (128 * MiB + 4096));
    expect(loadBytesOf(Buffer.from('#!/bin/sh\n'))).toBeNull();
  });

  it('reads the artefact in the box without following a link', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-elf-'));
    try {
      fs.writeFileSync(path.join(dir, 'main'), elf([[0, 8192]]));
      expect(elfLoadBytes(artefactOf(dir, ['./main'])!)).toBe(8192);
      fs.symlinkSync('/bin/sh', path.join(dir, 'link'));
      expect(elfLoadBytes(path.join(dir, 'link'))).toBeNull();
      expect(artefactOf(dir, ['python3', 'main.py'])).toBeNull();
      expect(artefactOf(dir, ['./../x'])).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the address-space verdict', () => {
  const run = (r: Partial<RunResult>): RunResult => runResult({ exitCode: null, signal: 'SIGSEGV', memoryBytes: 1, ...r });
  const limits = { addressSpaceBytes: 17 * MiB };

  it('is MLE for a failed run whose image exceeds the limit', () => {
    expect(addressSpaceVerdict(run({}), limits, () => 128 * MiB)?.verdict).toBe('MLE');
  });

  it('is nothing without a limit, for an image that fits, or a run that ended normally', () => {
    expect(addressSpaceVerdict(run({}), { addressSpaceBytes: 0 }, () => 128 * MiB)).toBeNull();
    expect(addressSpaceVerdict(run({}), limits, () => MiB)).toBeNull();
    expect(addressSpaceVerdict(run({ signal: null, exitCode: 0 }), limits, () => 128 * MiB)).toBeNull();
  });
});
