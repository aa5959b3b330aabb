import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainOutcome } from '../../src/host/commands';
import { api, fixture, messagesSince, modelDirs } from './helpers';

const modelsRoot = () => path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.seqlab', 'models');

async function expectRefused(run: () => Thenable<TrainOutcome | undefined>, message: RegExp): Promise<void> {
  const a = await api();
  const before = modelDirs(modelsRoot());
  const since = a.messages.length;
  const outcome = await run();
  assert.match(String(outcome?.error), message);
  const shown = messagesSince(a, since);
  assert.ok(
    shown.some((m) => m.startsWith('error: ') && message.test(m)),
    `an error message was shown: ${JSON.stringify(shown)}`,
  );
  assert.ok(
    shown.every((m) => !/\n\s+at /.test(m)),
    'no stack trace in the message',
  );
  assert.deepEqual(modelDirs(modelsRoot()), before, 'no model folder was created');
}

suite('bad input: a clear error, and no model', () => {
  test('an empty file', async () => {
    fs.writeFileSync(fixture('empty.txt'), '');
    await expectRefused(
      () => vscode.commands.executeCommand('seqlab.train', { file: fixture('empty.txt'), preset: 'tiny', steps: 10, name: 'it-empty' }),
      /empty/,
    );
  });

  test('a binary file', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    fs.writeFileSync(fixture('data.bin'), bytes);
    await expectRefused(
      () => vscode.commands.executeCommand('seqlab.train', { file: fixture('data.bin'), preset: 'tiny', steps: 10, name: 'it-binary' }),
      /binary/,
    );
  });

  test('a 0-byte selection', async () => {
    const ed = await vscode.window.showTextDocument(vscode.Uri.file(fixture('tiny.txt')));
    ed.selection = new vscode.Selection(3, 5, 3, 5);
    await expectRefused(() => vscode.commands.executeCommand('seqlab.trainSelection', { preset: 'tiny', steps: 10, name: 'it-sel' }), /selection is empty/i);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('a text too short to train on is refused by the worker, and its half-made folder is removed', async () => {
    fs.writeFileSync(fixture('short.txt'), 'hi\n');
    await expectRefused(
      () => vscode.commands.executeCommand('seqlab.train', { file: fixture('short.txt'), preset: 'tiny', steps: 10, name: 'it-short' }),
      /too short/,
    );
  });

  test('a file that is not UTF-8 (Latin-1) is refused by the worker', async () => {
    fs.writeFileSync(fixture('latin1.txt'), Buffer.from("Un caf\xe9 cr\xe8me, s'il vous pla\xeet.\n".repeat(50), 'latin1'));
    await expectRefused(
      () => vscode.commands.executeCommand('seqlab.train', { file: fixture('latin1.txt'), preset: 'tiny', steps: 10, name: 'it-latin1' }),
      /UTF-8/,
    );
  });

  test('a CSV file goes to the forecasting flow, which refuses a series too short for a window, said plainly', async () => {
    await expectRefused(
      () => vscode.commands.executeCommand('seqlab.train', { file: fixture('series.csv'), preset: 'tiny', steps: 10, name: 'it-csv' }),
      /series has 4 rows.*window/,
    );
  });

  test('a bad option value', async () => {
    await expectRefused(
      () => vscode.commands.executeCommand('seqlab.train', { file: fixture('tiny.txt'), preset: 'tiny', steps: 10, name: 'it-badopt', options: { lr: -1 } }),
      /lr must be > 0/,
    );
  });
});
