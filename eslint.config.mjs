// Layer rules from DEVELOPERS.md, enforced with no-restricted-imports.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NO_VSCODE = { name: 'vscode', message: "Only src/host/ and src/extension.ts may import 'vscode'." };
const NO_ORT = { name: 'onnxruntime-node', message: "Only src/onnx/runtime.ts may import onnxruntime-node." };
const NO_NATIVE = ['worker_threads', 'node:worker_threads', 'child_process', 'node:child_process'];
const pure = (extra = []) => ({
  'no-restricted-imports': ['error', {
    paths: [NO_VSCODE, NO_ORT, ...extra],
    patterns: [
      { group: ['**/host/**', '**/host'], message: 'Lower layers must not import host/.' },
      { group: ['**/webview/**'], message: 'Only webview/ code may import webview/.' },
      { group: ['**/worker/**'], message: 'Lower layers must not import worker/.' },
    ],
  }],
  'no-restricted-globals': ['error', 'document', 'window', 'navigator'],
});

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
  // engine/ and data/: pure math and data, no vscode, no DOM, no native modules, no node I/O in engine.
  { files: ['src/engine/**/*.ts'], rules: pure([...NO_NATIVE.map((name) => ({ name, message: 'engine/ is pure TypeScript.' })),
    { name: 'fs', message: 'engine/ does no I/O.' }, { name: 'node:fs', message: 'engine/ does no I/O.' }]) },
  { files: ['src/data/**/*.ts', 'src/protocol/**/*.ts', 'src/onnx/export.ts'], rules: pure() },
  { files: ['src/onnx/**/*.ts'], ignores: ['src/onnx/runtime.ts'], rules: pure() },
  { files: ['src/worker/**/*.ts', 'src/cli.ts'], rules: pure() },
  // host/ may import vscode but never touches the DOM.
  { files: ['src/host/**/*.ts', 'src/extension.ts'], rules: {
    'no-restricted-imports': ['error', { paths: [NO_ORT], patterns: [{ group: ['**/webview/**'], message: 'host/ talks to webviews through protocol/ only.' }] }],
    'no-restricted-globals': ['error', 'document', 'window', 'navigator'],
  } },
  // webview/: browser only.
  { files: ['src/webview/**/*.ts'], rules: {
    'no-restricted-imports': ['error', { paths: [NO_VSCODE, NO_ORT, ...NO_NATIVE.map((name) => ({ name, message: 'webview/ runs in a browser.' })),
      { name: 'fs', message: 'webview/ runs in a browser.' }, { name: 'node:fs', message: 'webview/ runs in a browser.' }],
      patterns: [{ group: ['**/host/**', '**/engine/**', '**/worker/**', '**/onnx/**'], message: 'webview/ may import protocol/ and its own code only (plus pure helpers).' }] }],
  } },
);
