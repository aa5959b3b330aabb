import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainOutcome } from '../../src/host/commands';
import type { ModelCard } from '../../src/protocol/model';
import { api, fixture, waitFor, trainedModel } from './helpers';

const cfg = () => vscode.workspace.getConfiguration('seqlab');
const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

suite('settings take effect', () => {
  suiteSetup(() => trainedModel('it-base'));

  teardown(async () => {
    for (const k of [
      'modelsLocation',
      'training.defaultCell',
      'training.defaultPreset',
      'training.maxConcurrentRuns',
      'training.presets',
      'training.threads',
    ]) {
      await cfg().update(k, undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('seqlab.modelsLocation, training.defaultCell, training.defaultPreset and training.presets', async () => {
    const a = await api();
    await cfg().update('modelsLocation', 'custom/models', vscode.ConfigurationTarget.Workspace);
    await cfg().update('training.defaultCell', 'gru', vscode.ConfigurationTarget.Workspace);
    await cfg().update('training.defaultPreset', 'tiny', vscode.ConfigurationTarget.Workspace);
    await cfg().update('training.presets', { tiny: { hidden: 24 } }, vscode.ConfigurationTarget.Workspace);
    assert.equal(a.store.root().dir, path.join(ws(), 'custom', 'models'));
    const out = await vscode.commands.executeCommand<TrainOutcome>('seqlab.train', {
      file: fixture('tiny.txt'),
      steps: 20,
      name: 'it-loc',
      options: { evalEvery: 10, sampleChars: 0 },
    });
    assert.equal(out.error, undefined, out.error);
    assert.equal(out.modelDir, path.join(ws(), 'custom', 'models', 'it-loc'));
    const card = JSON.parse(fs.readFileSync(path.join(out.modelDir!, 'card.json'), 'utf8')) as ModelCard;
    assert.equal(card.config.cell, 'gru', 'defaultCell');
    assert.equal(card.config.hidden, 24, 'the tiny preset with its override');
    assert.equal(card.config.emb, 16, 'the rest of the tiny preset');
    await waitFor('it-loc in the tree', async () => (await a.tree.getChildren()).some((e) => e.name === 'it-loc'), 10_000);
    assert.ok(!(await a.tree.getChildren()).some((e) => e.name === 'it-base'), 'models of the other location are not listed');
    await cfg().update('modelsLocation', undefined, vscode.ConfigurationTarget.Workspace);
    await waitFor(
      'the default location listed again',
      async () => {
        const names = (await a.tree.getChildren()).map((e) => e.name);
        return names.includes('it-base') && !names.includes('it-loc');
      },
      10_000,
    );
  });

  test('the tree refreshes from a file watcher when model folders change on disk (in the workspace, and in an absolute location outside it)', async () => {
    const a = await api();
    const src = path.join(ws(), '.seqlab', 'models', 'it-base');
    const fired = () =>
      new Promise<void>((resolve) => {
        const d = a.store.onDidChange(() => {
          d.dispose();
          resolve();
        });
      });
    // a listing arms the store's own watch on the models folder (fs.watch, in place when the listing returns; the
    // editor's recursive watcher beside it can take seconds to start, so the test does not rely on it): from then on
    // one folder copied in must produce one change event
    const expectEvent = async (dir: string, what: string) => {
      await a.tree.getChildren();
      await new Promise((r) => setTimeout(r, 300)); // notifications already on their way (debounced 100 ms) arrive first
      const changed = fired();
      fs.cpSync(src, path.join(dir, `it-${what}-1`), { recursive: true });
      await Promise.race([changed, new Promise((_, rej) => setTimeout(() => rej(new Error(`no change event for a folder copied into ${what}`)), 5_000))]);
    };
    await expectEvent(path.join(ws(), '.seqlab', 'models'), 'copied');
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-models-'));
    await cfg().update('modelsLocation', outside, vscode.ConfigurationTarget.Workspace);
    assert.deepEqual(a.store.root(), { dir: outside, where: 'global' });
    assert.deepEqual(await a.tree.getChildren(), []);
    await expectEvent(outside, 'outside');
    const listed = (await a.tree.getChildren()).map((e) => e.name);
    assert.deepEqual(listed, ['it-outside-1'], 'only the copy outside is listed');
    fs.rmSync(path.join(ws(), '.seqlab', 'models', 'it-copied-1'), { recursive: true, force: true });
    await cfg().update('modelsLocation', undefined, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test('seqlab.training.maxConcurrentRuns: a second run waits in the queue; seqlab.training.threads reaches the run', async () => {
    const a = await api();
    await cfg().update('training.maxConcurrentRuns', 1, vscode.ConfigurationTarget.Workspace);
    await cfg().update('training.threads', 2, vscode.ConfigurationTarget.Workspace);
    const common = { file: fixture('tiny.txt'), preset: 'tiny', steps: 1_000_000, options: { evalEvery: 10, sampleChars: 0 }, wait: false, notify: false };
    const first = await vscode.commands.executeCommand<TrainOutcome>('seqlab.train', { ...common, name: 'it-q1' });
    const second = await vscode.commands.executeCommand<TrainOutcome>('seqlab.train', { ...common, name: 'it-q2' });
    const j1 = a.training.get(first.jobId!)!,
      j2 = a.training.get(second.jobId!)!;
    await waitFor('the first run to make progress', () => j1.progress, 60_000, 20);
    assert.equal(j1.state, 'running');
    assert.equal(j1.threads, 2, 'the run was given 2 kernel threads');
    assert.equal(j2.state, 'queued');
    const queued = (await a.tree.getChildren()).find((e) => e.name === 'it-q2');
    assert.equal(queued?.status, 'queued', 'the queued run is in the tree');
    await cfg().update('training.threads', undefined, vscode.ConfigurationTarget.Workspace);
    assert.equal(a.training.stop(j1.id), true);
    await j1.done;
    await waitFor('the second run to start after the first ended', () => j2.state === 'running' && j2.progress, 60_000, 20);
    assert.equal(j2.threads, Math.max(1, os.availableParallelism() - 1), 'automatic: the cores less one');
    assert.equal(a.training.stop(j2.id), true);
    await j2.done;
    for (const n of ['it-q1', 'it-q2']) assert.equal(await vscode.commands.executeCommand('seqlab.deleteModel', { model: n, confirm: false }), true);
  });
});
