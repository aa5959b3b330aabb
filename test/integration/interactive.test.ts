import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TrainOutcome } from '../../src/host/commands';
import { api, fixture, waitFor } from './helpers';

const accept = () => vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

suite('the interactive train flow (quick picks)', () => {
  teardown(async () => {
    await vscode.workspace.getConfiguration('seqlab').update('training.defaultPreset', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.getConfiguration('seqlab').update('training.defaultCell', undefined, vscode.ConfigurationTarget.Workspace);
  });

  test('cell → size → budget → name, accepting the defaults, starts a run that Stop Training ends', async () => {
    const a = await api();
    await vscode.workspace.getConfiguration('seqlab').update('training.defaultPreset', 'tiny', vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.getConfiguration('seqlab').update('training.defaultCell', 'rnn', vscode.ConfigurationTarget.Workspace);
    await vscode.window.showTextDocument(vscode.Uri.file(fixture('tiny.txt')));
    const flow = vscode.commands.executeCommand<TrainOutcome | undefined>('seqlab.trainCurrentFile');
    // four prompts: the defaults come first (rnn, tiny), then "1 min", then the suggested name
    for (let i = 0; i < 4; i++) {
      await pause(400);
      await accept();
    }
    const out = await flow;
    assert.ok(out?.jobId, `the flow started a run: ${JSON.stringify(out)}`);
    assert.equal(out.name, 'tiny');
    const job = a.training.get(out.jobId)!;
    assert.equal(job.spec.options.cell, 'rnn');
    assert.equal(job.spec.options.hidden, 32);
    assert.equal(job.spec.options.minutes, 1);
    await waitFor('progress', () => job.progress, 60_000, 20);
    assert.equal(await vscode.commands.executeCommand('seqlab.stopTraining', { jobId: job.id }), true);
    const r = await job.done;
    assert.equal(r.status, 'stopped');
    assert.equal(await vscode.commands.executeCommand('seqlab.deleteModel', { model: 'tiny', confirm: false }), true);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
