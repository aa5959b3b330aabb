import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { SeqlabApi } from '../../src/extension';
import { EXTENSION_ID } from './helpers';

suite('activation', () => {
  test('activates lazily, in under 100 ms (code loading + activate(), as VS Code counts it)', async () => {
    const ext = vscode.extensions.getExtension<SeqlabApi>(EXTENSION_ID);
    assert.ok(ext, 'extension is loaded in development mode');
    const wasActive = ext.isActive;
    assert.equal(wasActive, false, 'the extension was activated before anything asked for it: activation is not lazy');
    const t0 = performance.now();
    const api = await ext.activate();
    const endToEnd = performance.now() - t0;
    assert.ok(api.codeLoadingMs !== undefined, 'the bundle stamps its load start (esbuild banner)');
    const activation = api.codeLoadingMs + api.activationMs;
    console.log(`    activation: ${activation.toFixed(1)} ms (code loading ${api.codeLoadingMs.toFixed(1)} ms + activate() ${api.activationMs.toFixed(1)} ms); ` +
      `extensions.activate() end to end ${endToEnd.toFixed(1)} ms (adds VS Code's own context and storage set-up)`);
    assert.ok(activation < 100, `activation took ${activation.toFixed(1)} ms`);
  });

  test('nothing heavy is loaded at activation', () => {
    const loaded = Object.keys(require.cache);
    const heavy = loaded.filter((m) => /onnxruntime|[\\/]dist[\\/]worker\.js$|[\\/]webview[\\/]/.test(m));
    assert.deepEqual(heavy, [], `loaded at activation: ${heavy.join(', ')}`);
  });
});
