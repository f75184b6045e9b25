/**
 * The compiler-option allow-list, checked when a job is planned: no root, no image, no
 * container (the real-compiler side is in judge-box-walk.test.ts and judge-pipeline.test.ts).
 */
import { InvalidRequestError } from '../../src/errors';
import { compilerFamily } from '../../src/judge/compiler-options';
import { LanguageRegistry, type Language } from '../../src/judge/languages';
import { compileLimitsConfig, testLimitsConfig } from '../../src/judge/limits';
import { planJob, type PlanConfig } from '../../src/judge/plan';
import { makeSubmissionSchema } from '../../src/judge/schema';

const lang = (id: string, compile: string[] | null, version = '12.2.0'): Language => ({
  id,
  name: id,
  version,
  sourceFile: compile ? (compile[0] === 'gcc' ? 'main.c' : 'main.cpp') : 'main.py',
  compile,
  run: compile ? ['./main'] : ['python3', 'main.py'],
  env: {},
  timeFactor: 1,
  memoryFactor: 1,
});

const config: PlanConfig = {
  schema: makeSubmissionSchema(),
  languages: new LanguageRegistry([
    lang('c', ['gcc', '-O2', '-std=gnu17', '-pipe', '-o', 'main', 'main.c', '-lm']),
    lang('cpp17', ['g++', '-O2', '-std=gnu++17', '-pipe', '-o', 'main', 'main.cpp']),
    lang('python3', null, '3.11.2'),
    lang('rust', ['rustc', '-O', '-o', 'main', 'main.rs'], '1.70.0'),
  ]),
  test: testLimitsConfig(),
  compile: compileLimitsConfig(),
};

function plan(language: string, compilerOptions: string[]) {
  return planJob({ language, source: 'int main(){}', compilerOptions, testcases: [{}] }, config);
}

function refusal(language: string, compilerOptions: string[]): InvalidRequestError {
  let caught: unknown;
  try {
    plan(language, compilerOptions);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidRequestError);
  return caught as InvalidRequestError;
}

describe('when a compiler option loads code or reads files', () => {
  it.each([
    '-fplugin=./p.so',
    '-fplugin-arg-p-x=1',
    '-specs=./s',
    '-wrapper',
    '-B./bin',
    '-B',
    '@opts',
    '@./opts',
    '-Wl,-rpath,.',
    '-Wa,-adhln',
    '-Wp,-imacros,x',
    '-Xlinker',
    '-Xassembler',
    '-Xpreprocessor',
    '-I.',
    '-I/etc',
    '-L.',
    '-include',
    '-includemain.h',
    '-imacros',
    '-isystem.',
    '-iquote.',
    '-idirafter.',
    '--sysroot=/',
    '-fdump-tree-all',
    '-save-temps',
    '-save-temps=obj',
    '-MD',
    '-MF',
    '-MMD',
    '-M',
    '-o',
    '-omain2',
    '-x',
    '-xc',
    '--param=max-inline-insns-single=1',
    '-fsanitize=address',
    '-march=native',
    '-mtune=native',
    '-fopenmp',
    'main.c',
    './p.so',
    '-lstdc++fs',
    '-l:p.so',
    '-Wl',
    '-Wa',
    '-Wp',
    '-Werror,x',
    '-DX=a\nb',
    '-DX=\u001b',
    '-D',
    '-U',
    '-std=c++17',
    '-std=../x',
    '-std=gnu2x\u0000',
    '--help',
    '-v',
    '-###',
    '-print-search-dirs',
    '-fprofile-generate',
    '-fprofile-use=./p',
  ])('refuses %j as a bad request naming compilerOptions[i]', (option) => {
    const err = refusal('c', ['-O2', option]);
    expect(err.field).toBe('compilerOptions[1]');
    expect(err.message).toContain('compilerOptions[1]');
    expect(err.retryable).toBe(false);
  });

  it('says why a plugin is refused', () => {
    expect(refusal('cpp17', ['-fplugin=./p.so']).message).toMatch(
      /compilerOptions\[0\]: "-fplugin=\.\/p\.so" refused \(loads a compiler plugin/,
    );
  });
});

describe('when the compiler options are on the allow-list', () => {
  it.each([
    ['c', ['-O0', '-O1', '-O2', '-O3', '-Os', '-Og', '-Ofast', '-O']],
    ['c', ['-Wall', '-Wextra', '-Werror', '-Wno-unused-result', '-Werror=format', '-Wformat=2', '-Wshadow', '-w', '-pedantic']],
    ['c', ['-std=c11', '-std=gnu17', '-std=c2x', '-std=gnu89']],
    ['cpp17', ['-std=c++20', '-std=gnu++2b', '-std=c++14']],
    ['c', ['-DONLINE_JUDGE', '-DANSWER=42', '-DMSG="a b"', '-UNDEBUG', '-g', '-g3']],
    ['c', ['-lm', '-pthread', '-static', '-fsyntax-only', '-fno-strict-aliasing', '-fwrapv', '-fmax-errors=5']],
    ['cpp17', ['-fno-exceptions', '-fno-rtti', '-ftemplate-depth=2000', '-fconstexpr-depth=100']],
  ])('accepts %s %j', (language, options) => {
    expect(plan(language, options).compilerOptions).toEqual(options);
  });
});

describe('when the option depends on the compiler or the language', () => {
  it('refuses a standard the compiler version does not know', () => {
    expect(refusal('c', ['-std=c23']).message).toContain('not a standard that gcc 12.2.0');
    expect(refusal('cpp17', ['-std=c++26']).field).toBe('compilerOptions[0]');
  });

  it('refuses C++-only options for C and C standards for C++', () => {
    expect(refusal('c', ['-fno-rtti']).field).toBe('compilerOptions[0]');
    expect(refusal('cpp17', ['-std=c11']).field).toBe('compilerOptions[0]');
  });

  it('refuses every option for a compiler with no allow-list, and for an interpreted language', () => {
    expect(refusal('rust', ['-O2']).message).toContain('accepts no compiler options');
    expect(refusal('python3', ['-O']).field).toBe('compilerOptions');
  });

  it('finds the family from the driver of the compile command', () => {
    expect(compilerFamily({ compile: ['/usr/bin/gcc-12', 'x'] })).toBe('gcc-c');
    expect(compilerFamily({ compile: ['g++'] })).toBe('gcc-c++');
    expect(compilerFamily({ compile: ['clang'] })).toBeNull();
    expect(compilerFamily({ compile: null })).toBeNull();
  });
});

describe('when there are too many or too long options', () => {
  it('refuses a 17th option and a 65-character one, naming the field', () => {
    expect(
      refusal(
        'c',
        Array.from({ length: 17 }, () => '-O2'),
      ).field,
    ).toBe('compilerOptions');
    expect(refusal('c', [`-D${'X'.repeat(63)}`]).field).toBe('compilerOptions[0]');
  });
});

describe("when a producer validates with the submission schema (the client, the worker's gate)", () => {
  it('refuses an option no language allows before the job is queued, naming it', () => {
    const parsed = makeSubmissionSchema().safeParse({
      language: 'c',
      source: 'x',
      compilerOptions: ['-O2', '-fplugin=./p.so'],
      testcases: [{}],
    });
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues[0]!;
    expect(issue.path).toEqual(['compilerOptions', 1]);
    expect(issue.message).toContain('"-fplugin=./p.so" refused (loads a compiler plugin');
  });

  it('leaves an option some language allows to the plan, which knows the language', () => {
    expect(makeSubmissionSchema().safeParse({ language: 'c', source: 'x', compilerOptions: ['-fno-rtti'], testcases: [{}] }).success).toBe(
      true,
    );
    expect(refusal('c', ['-fno-rtti']).field).toBe('compilerOptions[0]');
  });
});
