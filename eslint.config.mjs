// ESLint flat config: `npm run lint`, run by .ci/run after the type-check.
// Syntax-only rules (no type information): a type-aware run costs minutes on the CI's two cores, and tsc already runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

export default tseslint.config(
  // What .gitignore leaves out.
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'data/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: {
      globals: {
        // Node and browser globals both appear (server, CLI, web app); tsc checks which are really there.
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: {
      // tsc (strict) already reports undefined names, with the types' knowledge of each environment's globals.
      'no-undef': 'off',
      // Layout belongs to Prettier (.prettierrc); these fight its Vue output (eslint-config-prettier turns them off too).
      'vue/max-attributes-per-line': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/attributes-order': 'off',
      // A leading underscore marks a binding kept on purpose (a parameter a signature needs, a field left out of a copy).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-require-imports': 'error',
      'no-useless-assignment': 'error',
      // Page views are named by their page (the router's names); components still take two words.
      'vue/multi-word-component-names': ['error', { ignores: ['Accounts', 'Dashboard', 'Forbidden', 'Register', 'Units', 'Workbench'] }],
      '@typescript-eslint/no-unused-expressions': 'error',
      '@typescript-eslint/no-empty-object-type': 'error',
      'prefer-const': 'error',
    },
  },
  {
    // Plain CommonJS run by node as is (the bin launcher, the dependency-free verifier, a test's child process):
    // require is their only module system.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // An eslint-disable comment that no longer silences anything is an error too.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
);
