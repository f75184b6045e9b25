/**
 * A package's own programs as the loader reads them (src/problem/package-validator.ts): where its
 * output validator is, the format's code of its language by its file endings, build/run
 * scripts, and the image's language and entry each is built with (programOf, against the
 * repository's language table): no container, no root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { programOf } from '../../src/problem/package-validator';
import { loadPackage, type ProblemPackage } from '../../src/problem/problem-package';
import { repoImageLanguages } from './helpers/language-table';
import { scratchPackage } from './helpers/scratch-package';

/** The package's validator as the repository's languages run it: language, kind, file names, entry. */
function program(pkg: ProblemPackage) {
  if (!pkg.validator) throw new Error('no validator');
  const p = programOf(pkg.validator, repoImageLanguages());
  return { ...p, files: p.files.map((f) => f.name) };
}

const pkgDir = scratchPackage('caged-validator-');
const { write } = pkgDir;

function minimal(): void {
  write('problem.yaml', 'name: Minimal\n');
  write('data/secret/1.in', '1\n');
  write('data/secret/1.ans', '1\n');
}

describe("when a package's validator is loaded", () => {
  it('reads the kind of validation, the validator of custom ones, and marks submit-answer as not supported yet', () => {
    minimal();
    write('problem.yaml', 'name: X\nvalidation: custom interactive score\n');
    expect(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).toThrow(
      /problem\.yaml: validation: custom needs an output validator: no output_validators\/<name>\/ directory/,
    );
    write('output_validators/v/check.cpp', 'int main() { return 42; }\n');
    write('output_validators/v/validate.h', '\n');
    const pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(pkg.config.unsupported).toEqual([]);
    expect(pkg.config.validation).toEqual({ kind: 'interactive', interactive: true, customScore: true });
    expect(pkg.validator).toMatchObject({ dir: 'output_validators/v', code: 'cpp' });
    expect(program(pkg)).toEqual({ language: 'cpp17', program: 'source', files: ['check.cpp', 'validate.h'] });
    write('output_validators/v/other.py', '\n');
    expect(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).toThrow(
      /sources of more than one language \(check\.cpp, other\.py\)/,
    );
    write('problem.yaml', 'problem_format_version: 2023-07\nname: X\ntype: [scoring, submit-answer]\n');
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }).config.unsupported).toEqual(['type: submit-answer']);
    write('output_validator/v.py', 'import sys\nsys.exit(42)\n');
    write('problem.yaml', 'problem_format_version: 2023-07\nname: X\ntype: [scoring, multi-pass]\nlimits:\n  validation_passes: 3\n');
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }).config).toMatchObject({
      unsupported: [],
      validation: { kind: 'multi-pass', interactive: false, customScore: true },
      limits: { validationPasses: 3 },
    });
    write('problem.yaml', 'problem_format_version: 2023-07\nname: X\n');
    write('output_validator/v.py', 'import sys\nsys.exit(42)\n');
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).toMatchObject({
      config: { validation: { kind: 'custom', interactive: false, customScore: false } },
      validator: { dir: 'output_validator', code: 'python3' },
    });
  });

  it('finds the validator program where problemtools and the 2023-07 format put it: a directory, its one subdirectory, a lone source file', () => {
    minimal();
    write('problem.yaml', 'problem_format_version: 2023-07-draft\nname: X\ntype: interactive\n');
    // problemtools' own example (examples/guess): output_validator/<name>/ holds the program.
    write('output_validator/guess_validator/validate.cc', 'int main() { return 42; }\n');
    write('output_validator/guess_validator/validate.h', '\n');
    let pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(pkg.validator).toMatchObject({ dir: 'output_validator/guess_validator', code: 'cpp', program: 'source' });
    expect(program(pkg)).toEqual({ language: 'cpp17', program: 'source', files: ['validate.cc', 'validate.h'] });
    // A file beside it: output_validator/ is the program, its subdirectory's files among its own (two languages: refused).
    write('output_validator/validate.py', 'import sys\nsys.exit(42)\n');
    expect(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).toThrow(
      /more than one language \(guess_validator\/validate.cc, validate.py\)/,
    );
    // A header in a subdirectory is one of the program's files, at its path; a Python program keeps its file's name as its entry.
    fs.rmSync(path.join(pkgDir.dir(), 'output_validator/guess_validator/validate.cc'));
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toEqual({
      language: 'python3',
      program: 'source',
      files: ['guess_validator/validate.h', 'validate.py'],
      entry: 'validate.py',
    });
    // A source in a subdirectory is one of the program's sources, at its path (C++ compiles every source).
    fs.rmSync(path.join(pkgDir.dir(), 'output_validator/validate.py'));
    write('output_validator/src/validate.cc', 'int main() { return 42; }\n');
    write('output_validator/README', 'notes\n');
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toEqual({
      language: 'cpp17',
      program: 'source',
      files: ['README', 'guess_validator/validate.h', 'src/validate.cc'],
    });
    fs.rmSync(path.join(pkgDir.dir(), 'output_validator/src'), { recursive: true });
    // No source at all: refused, naming what is there.
    expect(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).toThrow(
      /holds no source file .* \(found: README, guess_validator\/validate.h\)/,
    );
    fs.rmSync(path.join(pkgDir.dir(), 'output_validator/README'));
    write('output_validator/validate.py', 'import sys\nsys.exit(42)\n');
    fs.rmSync(path.join(pkgDir.dir(), 'output_validator/guess_validator'), { recursive: true });
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }).validator).toMatchObject({ dir: 'output_validator', code: 'python3' });
    // Legacy: one source file straight in output_validators/ is a program of its own; a header beside it is none.
    fs.rmSync(path.join(pkgDir.dir(), 'output_validator'), { recursive: true });
    write('problem.yaml', 'name: X\nvalidation: custom\n');
    write('output_validators/check.c', 'int main(void) { return 42; }\n');
    write('output_validators/README', 'notes\n');
    pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(pkg.validator).toMatchObject({ dir: 'output_validators', code: 'c', program: 'source' });
    expect(program(pkg)).toEqual({ language: 'c', program: 'source', files: ['check.c'] });
    write('output_validators/v/check.py', 'import sys\nsys.exit(42)\n');
    expect(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).toThrow(/holds 2 validators \(check\.c, v\); caged runs one/);
  });

  it('reads a legacy multi-pass package as DOMjudge writes one (its example hangman): validation_passes, output_validator/', () => {
    minimal();
    write('problem.yaml', 'name: Hangman\nvalidation: custom multi-pass\nlimits:\n  validation_passes: 26\n');
    write('output_validator/validator.py', 'import sys\nsys.exit(42)\n');
    const pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(pkg.config).toMatchObject({ format: 'legacy', validation: { kind: 'multi-pass' }, limits: { validationPasses: 26 } });
    expect(pkg.validator).toMatchObject({ dir: 'output_validator', code: 'python3' });
    // The format's own place wins when both are there.
    write('output_validators/v/check.c', 'int main(void) { return 42; }\n');
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }).validator).toMatchObject({ dir: 'output_validators/v', code: 'c' });
  });

  it("reads a validator in any language of the format's table, and refuses one the image lacks", () => {
    minimal();
    write('problem.yaml', 'name: X\nvalidation: custom\n');
    // Legacy: a lone Java file in output_validators/ is a program (problemtools); its name and class are kept.
    write('output_validators/Validator.java', 'public class Validator { public static void main(String[] a) { System.exit(42); } }\n');
    write('output_validators/README.md', 'notes\n');
    let pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(pkg.validator).toMatchObject({ dir: 'output_validators', code: 'java', program: 'source' });
    expect(program(pkg)).toEqual({ language: 'java', program: 'source', files: ['Validator.java'] });
    fs.rmSync(path.join(pkgDir.dir(), 'output_validators'), { recursive: true });
    // A shell script beside another language's sources is a helper, not the program's language.
    write('output_validators/v/check.rb', 'exit 42\n');
    write('output_validators/v/gen.sh', 'echo\n');
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toEqual({
      language: 'ruby',
      program: 'source',
      files: ['check.rb', 'gen.sh'],
      entry: 'check.rb',
    });
    fs.rmSync(path.join(pkgDir.dir(), 'output_validators'), { recursive: true });
    // Go's go.mod beside a Go program is no Modula-2 source; a D program's .d alone is D.
    write('output_validators/v/go.mod', 'module check\n');
    write('output_validators/v/check.go', 'package main\nfunc main() {}\n');
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toMatchObject({
      language: 'go',
      files: ['check.go', 'go.mod'],
    });
    fs.rmSync(path.join(pkgDir.dir(), 'output_validators'), { recursive: true });
    write('output_validators/v/check.d', 'void main() {}\n');
    write('output_validators/v/gen.sh', 'echo\n');
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toMatchObject({ language: 'd' });
    // Beside C sources, a .d is make's dependency file; two languages of real sources are refused, naming them.
    write('output_validators/v/check.c', 'int main(void) { return 42; }\n');
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toMatchObject({ language: 'c' });
    write('output_validators/v/check.py', 'print()\n');
    expect(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).toThrow(
      /holds sources of more than one language \(check\.c, check\.d, check\.py, gen\.sh\)/,
    );
    fs.rmSync(path.join(pkgDir.dir(), 'output_validators'), { recursive: true });
    // .pl: Prolog when it reads as Prolog (the format's table), else Perl.
    write('output_validators/v/check.pl', 'exit 42;\n');
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toMatchObject({ language: 'perl', entry: 'check.pl' });
    write('output_validators/v/check.pl', ':- initialization(main).\nmain :- halt(42).\n');
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toMatchObject({ language: 'prolog' });
    fs.rmSync(path.join(pkgDir.dir(), 'output_validators'), { recursive: true });
    // A language of the format that the image lacks is read, and refused when it is to run.
    write('output_validators/v/check.swift', 'exit(42)\n');
    pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(pkg.validator).toMatchObject({ code: 'swift' });
    expect(() => program(pkg)).toThrow(
      /output_validators\/v: is a program in swift \(the format's code\), a language this worker's image does not have/,
    );
  });

  it('reads a build/run validator with the image layers of its sources, and refuses one with sources of two', () => {
    minimal();
    write('problem.yaml', 'name: X\nvalidation: custom\n');
    write('output_validators/v/build', '#!/bin/sh\ng++ -o run check.cc\n');
    write('output_validators/v/check.cc', 'int main() { return 42; }\n');
    const pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(pkg.validator).toMatchObject({ dir: 'output_validators/v', code: 'cpp', program: 'build-run' });
    expect(program(pkg)).toEqual({ language: 'cpp17', program: 'build-run', files: ['build', 'check.cc'] }); // not renamed
    write('output_validators/v/helper.py', '\n');
    expect(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).toThrow(
      /holds sources of cpp and python3 \(check\.cc, helper\.py\)/,
    );
    fs.rmSync(path.join(pkgDir.dir(), 'output_validators/v'), { recursive: true });
    write('output_validators/v/run', '#!/bin/sh\nexit 42\n');
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toMatchObject({ language: 'bash', program: 'build-run' });
    // A build script in Java runs on the JDK's layers.
    write('output_validators/v/Check.java', 'class Check {}\n');
    expect(program(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }))).toMatchObject({ language: 'java', program: 'build-run' });
  });
});
