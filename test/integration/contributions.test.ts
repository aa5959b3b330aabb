import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, waitFor } from './helpers';

interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    views: Record<string, { id: string }[]>;
    configuration: { properties: Record<string, { default?: unknown }> };
    jsonValidation: { fileMatch: string; url: string }[];
    walkthroughs: { steps: { description: string; media: { markdown?: string } }[] }[];
  };
}

function manifest(): Manifest {
  return vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as Manifest;
}

suite('contributions', () => {
  test('every command in package.json is registered, and every registered seqlab.* command is in package.json', async () => {
    await api();
    const declared = manifest()
      .contributes.commands.map((c) => c.command)
      .sort();
    const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('seqlab.') && !c.startsWith('seqlab.models.')).sort();
    const undeclared = registered.filter((c) => !declared.includes(c)),
      unregistered = declared.filter((c) => !registered.includes(c));
    assert.deepEqual(
      { undeclared, unregistered },
      { undeclared: [], unregistered: [] },
      'every registered seqlab.* command must be declared in package.json contributes.commands (an internal one too: hide it with ' +
        'menus.commandPalette "when": "false"), and every declared command must be registered at activation',
    );
    console.log(`    ${declared.length} commands: ${declared.join(', ')}`);
  });

  test('commands have the category "Sequence Lab" and menus only name declared commands', () => {
    const m = manifest();
    const nls = JSON.parse(fs.readFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'package.nls.json'), 'utf8')) as Record<
      string,
      string
    >;
    const declared = new Set(m.contributes.commands.map((c) => c.command));
    for (const c of m.contributes.commands) {
      const cat = c.category?.startsWith('%') ? nls[c.category.slice(1, -1)] : c.category;
      assert.equal(cat, 'Sequence Lab', `${c.command} category`);
    }
    for (const [where, items] of Object.entries(m.contributes.menus)) {
      for (const it of items) assert.ok(declared.has(it.command), `${where} names undeclared ${it.command}`);
    }
  });

  test('walkthrough steps and command links only point at registered commands', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const nls = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const texts = Object.values(nls).join('\n');
    for (const [, id] of texts.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(all.has(id), `a link names ${id}, which is not registered`);
    for (const w of manifest().contributes.walkthroughs) {
      for (const s of w.steps) if (s.media.markdown) assert.ok(fs.existsSync(path.join(ext.extensionPath, s.media.markdown)), s.media.markdown);
    }
    for (const j of manifest().contributes.jsonValidation) assert.ok(fs.existsSync(path.join(ext.extensionPath, j.url)), j.url);
  });

  test('the Models view is contributed and its tree provider answers', async () => {
    const a = await api();
    assert.ok(manifest().contributes.views.seqlab.some((v) => v.id === 'seqlab.models'));
    await vscode.commands.executeCommand('seqlab.models.focus');
    const items = await a.tree.getChildren();
    assert.ok(Array.isArray(items));
    await waitFor('the Models view to become visible', () => a.treeView.visible, 10_000);
  });
});
