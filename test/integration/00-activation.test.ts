import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { SeqlabApi } from '../../src/extension';
import { EXTENSION_ID } from './helpers';

suite('activation', () => {
  test('activates lazily, in under 100 ms', async () => {
    const ext = vscode.extensions.getExtension<SeqlabApi>(EXTENSION_ID);
    assert.ok(ext, 'extension is loaded in development mode');
    const wasActive = ext.isActive;
    const t0 = performance.now();
    const api = await ext.activate();
    const total = performance.now() - t0;
    if (!wasActive) {
      console.log(`    activation: ${total.toFixed(1)} ms (extension host: require + activate()), ${api.activationMs.toFixed(1)} ms inside activate()`);
      assert.ok(total < 100, `activation took ${total.toFixed(1)} ms`);
    } else {
      // something activated us before this test (it must not: activation is lazy); activate() itself is still timed
      console.log(`    activation: already active before the first test; ${api.activationMs.toFixed(1)} ms inside activate()`);
    }
    assert.equal(wasActive, false, 'the extension was activated before anything asked for it: activation is not lazy');
    assert.ok(api.activationMs < 100);
  });

  test('nothing heavy is loaded at activation', () => {
    const loaded = Object.keys(require.cache);
    const heavy = loaded.filter((m) => /onnxruntime|[\\/]dist[\\/]worker\.js$|[\\/]webview[\\/]/.test(m));
    assert.deepEqual(heavy, [], `loaded at activation: ${heavy.join(', ')}`);
  });
});
