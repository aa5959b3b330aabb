/** Restricted Mode (an untrusted workspace): workspace models are not loaded, and the commands say why. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainOutcome } from '../../../src/host/commands';
import { api, fixture, messagesSince } from '../helpers';

suite('Restricted Mode', () => {
  test('the workspace is untrusted and the extension still activates (limited support)', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this pass must run in an untrusted workspace');
    const a = await api();
    assert.ok(a.activationMs < 100);
  });

  test('models in the workspace are not loaded; the view says why', async () => {
    const a = await api();
    const dir = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.seqlab', 'models', 'planted');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'card.json'),
      JSON.stringify({
        format: 1,
        name: 'planted',
        origin: 'trained',
        status: 'complete',
        config: { kind: 'char', cell: 'lstm', layers: 1, hidden: 8, vocab: 4, emb: 4, features: 0, outputs: 4, dropout: 0 },
        params: 1,
        vocabSize: 4,
        data: { files: [], chars: 0, bytes: 0 },
        steps: 1,
        bestValLoss: null,
        bestValBpc: null,
        trainSeconds: 0,
        createdAt: '',
        updatedAt: '',
        options: {},
      }),
    );
    assert.equal(a.store.blockedByTrust, true);
    assert.deepEqual(await a.tree.getChildren(), []);
    assert.match(String(a.treeView.message), /Restricted Mode/);
  });

  test('training and model commands refuse, with a message that says why, and write nothing', async () => {
    const a = await api();
    const since = a.messages.length;
    const out = await vscode.commands.executeCommand<TrainOutcome>('seqlab.train', { file: fixture('tiny.txt'), preset: 'tiny', steps: 5, name: 'nope' });
    assert.match(String(out.error), /Restricted Mode/);
    assert.equal(await vscode.commands.executeCommand('seqlab.deleteModel', { model: 'planted', confirm: false }), false);
    const shown = messagesSince(a, since);
    assert.equal(shown.filter((m) => /^error: .*Restricted Mode.*untrusted/.test(m)).length, 2, JSON.stringify(shown));
    assert.ok(!fs.existsSync(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.seqlab', 'models', 'nope')));
    assert.ok(fs.existsSync(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.seqlab', 'models', 'planted', 'card.json')));
  });
});
