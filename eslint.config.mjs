// Lint: the recommended TypeScript rules, and the layer rules of DEVELOPERS.md.
//   - eslint/layers.mjs: each layer of src/ imports only the layers below it and the packages on its allow-list
//     (engine imports only engine; only host/ and the entry points import vscode; only onnx/runtime.ts imports
//     onnxruntime-node; webview/ imports no Node module). test/unit/lint-layers.test.ts proves that breaking probes fail.
//   - no-restricted-globals: only webview/ touches the DOM.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './eslint/layers.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'media/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['src/**/*.ts'], plugins: { layers: layersPlugin }, rules: { 'layers/imports': 'error' } },
  { files: ['src/**/*.ts'], ignores: ['src/webview/**'], rules: { 'no-restricted-globals': ['error', 'document', 'window', 'navigator'] } },
);
