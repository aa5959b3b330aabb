// @vscode/test-cli configuration, for machines that can download VS Code (`npx vscode-test`).
// Here (offline) the same suite runs inside code-server instead: `npm run test:integration` (scripts/run-integration.mjs).
// Build first (`node esbuild.mjs`): the suite is compiled to out/integration/.
import { defineConfig } from '@vscode/test-cli';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// the tests create and delete models: give them a throwaway copy of the fixture workspace
const workspace = join(mkdtempSync(join(tmpdir(), 'seqlab-it-')), 'workspace');
cpSync('test/integration/fixtures/workspace', workspace, { recursive: true });

export default defineConfig({
  // the main suite; restricted/, zh/ and nofolder/ need an untrusted folder, a zh-cn language pack, an empty window:
  // scripts/run-integration.mjs sets those up
  label: 'main',
  files: 'out/integration/*.test.js',
  workspaceFolder: workspace,
  version: 'stable',
  env: { SEQLAB_IT: '1', SEQLAB_IT_WORKSPACE: workspace },
  mocha: { ui: 'tdd', timeout: 120000, slow: 5000 },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
});
