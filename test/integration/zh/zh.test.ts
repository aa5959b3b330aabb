/** Display language zh-cn: the extension's runtime strings and manifest strings are Simplified Chinese. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api } from '../helpers';

suite('Simplified Chinese (display language zh-cn)', () => {
  test('vscode.l10n uses l10n/bundle.l10n.zh-cn.json', async () => {
    const a = await api();
    console.log(
      `    vscode.env.language = ${vscode.env.language}; l10n bundle: ${vscode.l10n.bundle ? `${Object.keys(vscode.l10n.bundle).length} strings` : 'none'}`,
    );
    assert.equal(vscode.env.language, 'zh-cn');
    assert.equal(vscode.l10n.t('Delete'), '删除');
    assert.equal(vscode.l10n.t('{0} is empty: there is nothing to train on.', 'a.txt'), 'a.txt 是空的：没有可训练的内容。');
    // a user-facing error, end to end, in Chinese
    const since = a.messages.length;
    await vscode.commands.executeCommand('seqlab.trainSelection', { text: '', preset: 'tiny', steps: 5 });
    assert.deepEqual(
      a.messages.slice(since).map((m) => m.text),
      ['所选内容为空。请选择要训练的文本。'],
    );
  });

  test('the manifest strings come from package.nls.zh-cn.json', async () => {
    // VS Code localizes the manifest it hands to the extension host: titles become { value, original }
    const pj = vscode.extensions.getExtension('seqlab.seqlab')!.packageJSON as {
      contributes: { commands: { command: string; title: string | { value: string; original: string } }[] };
    };
    const title = pj.contributes.commands.find((c) => c.command === 'seqlab.train')!.title;
    console.log(`    packageJSON title of seqlab.train: ${JSON.stringify(title)}`);
    assert.deepEqual(title, { value: '用文件训练模型…', original: 'Train Model on File…' });
  });
});
