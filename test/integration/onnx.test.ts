import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelCard } from '../../src/protocol/model';
import { api, EXTENSION_ID, fixture, messagesSince, modelDirs, waitFor, trainedModel } from './helpers';

const models = () => path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.seqlab', 'models');
const repo = () => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;

suite('ONNX export and import', () => {
  suiteSetup(() => trainedModel('it-base'));

  test('Export Model to ONNX… writes a standalone, parity-checked copy', async () => {
    const target = fixture('exports/it-base.onnx');
    const out = await vscode.commands.executeCommand<string>('seqlab.exportOnnx', { model: 'it-base', target });
    assert.equal(out, target);
    const bytes = fs.readFileSync(target);
    assert.ok(bytes.length > 1000, `${bytes.length} bytes`);
    assert.ok(bytes.includes(Buffer.from('seqlab.config')), 'our metadata is in the file');
  });

  test('Import ONNX Model… brings in our own export and a PyTorch-exported LSTM (with its vocabulary file)', async () => {
    const a = await api();
    const dir1 = await vscode.commands.executeCommand<string>('seqlab.importOnnx', { file: fixture('exports/it-base.onnx'), name: 'it-roundtrip' });
    assert.equal(dir1, path.join(models(), 'it-roundtrip'));
    const golden = JSON.parse(fs.readFileSync(path.join(repo(), 'test/fixtures/onnx/torch_char_lstm.json'), 'utf8')) as { vocab: string };
    fs.writeFileSync(fixture('torch_vocab.json'), JSON.stringify([...golden.vocab]));
    const dir2 = await vscode.commands.executeCommand<string>('seqlab.importOnnx', {
      file: path.join(repo(), 'test/fixtures/onnx/torch_char_lstm.onnx'),
      vocab: fixture('torch_vocab.json'),
      name: 'it-torch',
    });
    assert.equal(dir2, path.join(models(), 'it-torch'));
    const card = JSON.parse(fs.readFileSync(path.join(dir2, 'card.json'), 'utf8')) as ModelCard;
    assert.equal(card.origin, 'imported');
    assert.equal(card.vocabSize, [...golden.vocab].length);
    const e = await waitFor('the imported model in the tree', async () => (await a.tree.getChildren()).find((x) => x.name === 'it-torch'), 10_000);
    const ti = a.tree.getTreeItem(e);
    assert.equal((ti.iconPath as vscode.ThemeIcon).id, 'package');
    assert.equal(ti.contextValue, 'model-complete-char-imported');
  });

  test('the tooltip of the model used for autocomplete says so', async () => {
    const a = await api();
    await vscode.commands.executeCommand('seqlab.useModelForAutocomplete', { model: 'it-roundtrip' });
    const tip = async (name: string) => {
      const e = (await a.tree.getChildren()).find((x) => x.name === name)!;
      return (a.tree.getTreeItem(e).tooltip as vscode.MarkdownString).value;
    };
    await waitFor('the tooltip to name autocomplete', async () => /used for autocomplete in/.test(await tip('it-roundtrip')), 10_000);
    assert.doesNotMatch(await tip('it-torch'), /used for autocomplete/);
  });

  test('a foreign model without a vocabulary, and a corrupt file, are refused with a clear message and no model', async () => {
    const a = await api();
    const before = modelDirs(models());
    let since = a.messages.length;
    assert.equal(
      await vscode.commands.executeCommand('seqlab.importOnnx', { file: path.join(repo(), 'test/fixtures/onnx/torch_char_lstm.onnx'), name: 'it-novocab' }),
      undefined,
    );
    assert.ok(
      messagesSince(a, since).some((m) => /^error: .*vocabulary file/.test(m)),
      JSON.stringify(messagesSince(a, since)),
    );
    fs.writeFileSync(fixture('corrupt.onnx'), Buffer.from('this is not a protobuf model at all, just text'));
    since = a.messages.length;
    assert.equal(await vscode.commands.executeCommand('seqlab.importOnnx', { file: fixture('corrupt.onnx'), name: 'it-corrupt-onnx' }), undefined);
    const shown = messagesSince(a, since);
    assert.ok(
      shown.some((m) => /^error: .*corrupt\.onnx/.test(m)),
      JSON.stringify(shown),
    );
    assert.ok(
      shown.every((m) => !/\n\s+at /.test(m)),
      'no stack trace',
    );
    assert.deepEqual(modelDirs(models()), before);
  });
});

suite('PyTorch: export a training script, bring the result back', () => {
  suiteSetup(() => trainedModel('it-base'));

  test('Export Training Script for PyTorch… writes the script for a recipe and for a model', async () => {
    fs.writeFileSync(fixture('ddp.seqlab.json'), JSON.stringify({ name: 'it-ddp-recipe', data: 'tiny.txt', preset: 'tiny', options: { lr: 0.005 } }));
    const target = fixture('exports/train-recipe.py');
    const out = await vscode.commands.executeCommand<string>('seqlab.exportPytorchScript', { recipe: fixture('ddp.seqlab.json'), target });
    assert.equal(out, target);
    const py = fs.readFileSync(target, 'utf8');
    assert.match(py, /^ {4}'lr': 0\.005,$/m);
    assert.match(py, /^ {4}'hidden': 32,$/m, 'the tiny preset');
    assert.ok(py.includes(JSON.stringify(fixture('tiny.txt'))), 'the data, as an absolute path');
    const fromModel = await vscode.commands.executeCommand<string>('seqlab.exportPytorchScript', {
      model: 'it-base',
      target: fixture('exports/train-model.py'),
    });
    assert.match(fs.readFileSync(fromModel, 'utf8'), /^VOCAB = \[\d+(, ?\d+)*\]/m, 'a model continues with its vocabulary');
  });

  test('a model trained by the script imports with its summary, shows its run in the dashboard, and trains further', async () => {
    const a = await api();
    const src = path.join(repo(), 'test/fixtures/onnx/ddp');
    const dir = await vscode.commands.executeCommand<string>('seqlab.importOnnx', { file: path.join(src, 'model.onnx'), name: 'it-ddp' });
    const summary = JSON.parse(fs.readFileSync(path.join(src, 'summary.json'), 'utf8')) as { steps: number; best_val_loss: number };
    const card = JSON.parse(fs.readFileSync(path.join(dir, 'card.json'), 'utf8')) as ModelCard;
    assert.equal(card.steps, summary.steps);
    assert.equal(card.bestValLoss, summary.best_val_loss);
    assert.ok(fs.existsSync(path.join(dir, 'checkpoint.bin')), 'a plain LSTM stack becomes an engine checkpoint');
    assert.equal(await vscode.commands.executeCommand('seqlab.openDashboard', { model: 'it-ddp' }), true);
    const run = a.panels.history.runs.get(`log:${dir}`);
    assert.ok(run, 'the remote run is in the dashboard');
    assert.deepEqual(
      run.points.map((p) => p.step),
      [10, 20, 30, 40, 50, 60],
    );
    assert.deepEqual(
      run.points.filter((p) => p.val !== undefined).map((p) => p.step),
      [20, 40, 60],
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const ft = await vscode.commands.executeCommand<{ error?: string; result?: { steps: number; status: string } }>('seqlab.continueTraining', {
      model: 'it-ddp',
      mode: 'finetune',
      file: fixture('tiny.txt'),
      name: 'it-ddp-ft',
      steps: 5,
      wait: true,
      notify: false,
    });
    assert.equal(ft?.error, undefined, ft?.error);
    assert.equal(ft?.result?.steps, 5);
    for (const n of ['it-ddp', 'it-ddp-ft']) assert.equal(await vscode.commands.executeCommand('seqlab.deleteModel', { model: n, confirm: false }), true);
  });
});
