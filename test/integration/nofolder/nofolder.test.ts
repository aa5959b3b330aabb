/** No folder open: models go to the extension's global storage. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainOutcome } from '../../../src/host/commands';
import { api, EXTENSION_ID, waitFor } from '../helpers';

suite('no folder open', () => {
  test('a model trained with no folder open lives in global storage and is listed', async () => {
    assert.equal(vscode.workspace.workspaceFolders, undefined, 'this pass must run in an empty window');
    const a = await api();
    const root = a.store.root();
    assert.equal(root.where, 'global');
    assert.match(root.dir, /seqlab\.seqlab[\\/]models$/);
    const text = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test/integration/fixtures/workspace/tiny.txt');
    const out = await vscode.commands.executeCommand<TrainOutcome>('seqlab.train', {
      file: text,
      preset: 'tiny',
      steps: 20,
      name: 'global-model',
      options: { evalEvery: 10, sampleChars: 0 },
    });
    assert.equal(out.error, undefined, out.error);
    assert.equal(out.modelDir, path.join(root.dir, 'global-model'));
    assert.ok(fs.existsSync(path.join(out.modelDir!, 'card.json')));
    await waitFor('the model in the tree', async () => (await a.tree.getChildren()).some((e) => e.name === 'global-model'), 10_000);
  });
});
