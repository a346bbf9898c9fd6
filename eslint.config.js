// Layering rules from ARCHITECTURE.md §1, enforced: `npm run lint` fails on a violation.
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import sveltePlugin from 'eslint-plugin-svelte';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Every folder of engine/ but the contract (its own rule below); the composition root reaches modules through their index.ts too.
const engineModules = readdirSync(new URL('./engine', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'contract').map((d) => d.name);

// Engine modules import each other only through their index.ts (ARCHITECTURE §1).
const crossModuleZones = engineModules.flatMap((from) => engineModules.filter((t) => t !== from).map((target) => ({
  target: `./engine/${target}`, from: `./engine/${from}`, except: ['./index.ts'], message: `import engine/${from} through its index.ts`,
})));

export default tseslint.config(
  { ignores: ['node_modules/**', '**/dist/**', '.tsbuild/**', 'bench/out/**', 'coverage/**', 'test/fixtures/sdk-samples/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { [fileURLToPath(new URL('./eslint-ts-resolver.cjs', import.meta.url))]: { extensions: ['.ts', '.js'] } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-eval': 'error',
      'no-new-func': 'error',
      'import/no-restricted-paths': ['error', {
        zones: [
          { target: './engine/contract', from: './engine', except: ['./contract'], message: 'the contract imports nothing outside itself' },
          { target: './engine', from: './renderer' , message: 'the engine never imports the renderer' },
          { target: './engine', from: './electron', message: 'the engine never imports electron' },
          { target: './renderer', from: './engine', except: ['./contract'], message: 'the renderer reaches the engine only through engine/contract' },
          { target: './electron/preload', from: './engine', except: ['./contract'], message: 'the preload sees contract types only' },
          ...crossModuleZones,
        ],
      }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron'], message: 'only electron/ may import electron' }] }],
    },
  },
  ...sveltePlugin.configs['flat/recommended'],
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }] },
  },
  // The renderer's layout (ARCHITECTURE §7a), by import path: browser code only; views never import each other nor
  // the transport (only state/ calls the client); shared components know nothing of the app.
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'electron'], message: 'the renderer is browser code' }] }] },
  },
  {
    files: ['renderer/src/features/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'electron'], message: 'the renderer is browser code' },
        { group: ['**/platform/*'], message: 'views reach the engine through state/ stores only' },
        { regex: '^\\.\\./(?!\\.\\.)[^/]+/', message: 'views never import each other: share through ui/ or state/' },
      ] }],
    },
  },
  {
    files: ['renderer/src/ui/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'electron'], message: 'the renderer is browser code' },
        { group: ['**/state/*', '**/platform/*', '**/features/*', '**/engine/*'], message: 'shared components know nothing of the app: pass data in props' },
      ] }],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // The desktop shell's unit tests import its pure modules and Electron's types, never Electron at run time (its
  // binary is not installed where tests run).
  {
    files: ['test/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: 'electron', allowTypeImports: true, message: 'tests import Electron\'s types only' }] }],
    },
  },
);
