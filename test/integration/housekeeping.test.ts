import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainOutcome } from '../../src/host/commands';
import type { ModelCard } from '../../src/protocol/model';
import { api, fixture, waitFor, trainedModel } from './helpers';

const models = () => path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.seqlab', 'models');

suite('recipes and housekeeping', () => {
  suiteSetup(() => trainedModel('it-base'));

  test("Run Training Recipe reproduces the recipe's hyperparameters", async () => {
    const recipe = fixture('rnn.seqlab.json');
    fs.writeFileSync(
      recipe,
      JSON.stringify({
        name: 'it-recipe',
        data: 'tiny.txt',
        preset: 'tiny',
        options: { cell: 'rnn', steps: 20, evalEvery: 10, sampleChars: 0, seed: 7, lr: 0.003 },
      }),
    );
    const out = await vscode.commands.executeCommand<TrainOutcome>('seqlab.runRecipe', { recipe });
    assert.equal(out.error, undefined, out.error);
    const card = JSON.parse(fs.readFileSync(path.join(models(), 'it-recipe', 'card.json'), 'utf8')) as ModelCard;
    assert.equal(card.config.cell, 'rnn');
    assert.equal(card.steps, 20);
    assert.equal(card.options.seed, 7);
    assert.equal(card.options.lr, 0.003);
  });

  test('Rename Model sanitizes the name and rewrites the card; Reveal works; Delete (confirmation skipped) removes it from disk and the tree', async () => {
    const a = await api();
    const renamed = await vscode.commands.executeCommand<string>('seqlab.renameModel', { model: 'it-recipe', newName: 'it 模型/a:b' });
    assert.equal(renamed, 'it 模型-a-b');
    const dir = path.join(models(), renamed);
    assert.equal((JSON.parse(fs.readFileSync(path.join(dir, 'card.json'), 'utf8')) as ModelCard).name, renamed);
    assert.ok(!fs.existsSync(path.join(models(), 'it-recipe')));
    await waitFor('the renamed model in the tree', async () => (await a.tree.getChildren()).some((e) => e.name === renamed), 10_000);
    assert.equal(await vscode.commands.executeCommand('seqlab.revealModel', { model: renamed }), true);
    assert.equal(await vscode.commands.executeCommand('seqlab.deleteModel', { model: renamed, confirm: false }), true);
    assert.ok(!fs.existsSync(dir));
    await waitFor('the model gone from the tree', async () => !(await a.tree.getChildren()).some((e) => e.name === renamed), 10_000);
  });

  test('a folder whose card.json is corrupt shows as unreadable, without breaking the tree', async () => {
    const a = await api();
    const dir = path.join(models(), 'it-corrupt');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'card.json'), '{ not json');
    const e = await waitFor('the corrupt model in the tree', async () => (await a.tree.getChildren()).find((x) => x.name === 'it-corrupt'), 10_000);
    assert.equal(e.status, 'unreadable');
    assert.match(String(a.tree.getTreeItem(e).description), /unreadable/);
    assert.ok(
      (await a.tree.getChildren()).some((x) => x.name === 'it-base'),
      'the other models are still listed',
    );
  });
});
