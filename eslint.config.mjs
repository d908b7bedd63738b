// ESLint flat config. `npm run lint` checks src/, `npm run lint:tests` checks test/ and bench/.
// Type-aware: typescript-eslint's recommendedTypeChecked on every .ts file, through tsconfig.json (project service).
// A rule is turned off here only where it fights a deliberate pattern; each such line says why.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'out/', '.threadlanes-tmp/', 'test-results/', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Off: the trace and the timeline model are columnar — states and kinds are read from Uint8Array/Int32Array
      // columns (plain numbers) and compared with the numeric const enums of trace/format.ts by design.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // Configured, not off: a leading underscore marks a deliberately unused binding (rest-destructuring to drop
      // a key, an overridable method's parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // The worker entry loads dist/runtime.js and the bundled snippet with require() at paths known only at run time
    // (so a snippet and its worker share one runtime), and keeps the real process.exit/performance.now to restore them.
    files: ['src/harness/worker.ts'],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Tests and benchmarks read JSON.parse output, child-process reports and page.evaluate() results as untyped data;
    // a wrong shape fails the assertion that reads it, so the no-unsafe-* rules would only add casts.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // The conformance helpers hand the snippets' JSON lines to the tests as `any` for the same reason.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
