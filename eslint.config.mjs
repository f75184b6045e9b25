// ESLint (flat config) with typescript-eslint's type-checked rules; formatting is Prettier's
// (eslint-config-prettier turns off the rules that would fight it). `npm run lint` runs this,
// the Prettier check and the import-cycle check (madge).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Node's built-in modules, to be imported with the `node:` prefix (one spelling everywhere). */
const BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'readline',
  'stream',
  'timers',
  'tty',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'build/**',
      'node_modules/**',
      'client/dist/**',
      'test/client-project/node_modules/**',
      'native/**',
      'coverage/**',
      // Contestants' programs, not project code: the languages' self-tests and stress programs
      // (checked by compiling and running them in the sandbox at every image build).
      'images/languages/**',
      'test/fixtures/languages/**',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Type-checked rules that pay for themselves in this code base: promises and exhaustiveness.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-imports': [
        'error',
        { paths: BUILTINS.map((name) => ({ name, message: `import 'node:${name}' (one spelling of built-ins)` })) },
      ],
      eqeqeq: ['error', 'always'],
      'no-throw-literal': 'off', // @typescript-eslint/only-throw-error covers it, with types
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Tests: jest's matchers return promises the test awaits through expect(); `any` in fakes is still refused.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
      },
    },
  },
  prettier,
);
