/**
 * Autocomplete inside a real VS Code extension host: a tiny model trained on a repeated sentence, chosen with
 * "Use Model for Autocomplete", answers VS Code's own inline-suggest trigger, the suggestion is committed like Tab,
 * toggling off / a language switched off stops suggestions, statistics count it, and "Train Autocomplete Model on
 * Workspace" honours .gitignore, files.exclude and the size caps. (The ghost text itself is checked in the browser by
 * test/e2e/autocomplete.mjs.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainOutcome } from '../../src/host/commands';
import { api, waitFor, workspaceDir } from './helpers';

interface State {
  model?: string;
  enabled: boolean;
  active: boolean;
  engine?: string;
  error?: string;
  statusText?: string;
  last?: { text: string; ms: number; cold: boolean; uri?: string };
  lastQuiet?: { reason: string; uri: string };
  heldBack?: { confidence: number; threshold: number };
  mixture?: { gate: number; lstm: number; ngram: number; fixed: number; chars: number; source: 'file' | 'text' };
  stats: { shown: number; accepted: number; charsSaved: number; requests: number };
  adapted: number;
  adaptedHere: boolean;
}
const state = () => vscode.commands.executeCommand<State>('seqlab.completion.state');
const SENTENCE = 'the quick brown fox jumps over the lazy dog\n';

async function editorWith(text: string, language = 'plaintext'): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ language, content: text });
  const ed = await vscode.window.showTextDocument(doc);
  const end = doc.positionAt(text.length);
  ed.selection = new vscode.Selection(end, end);
  return ed;
}

/** trigger VS Code's inline suggestions (again every second) until our provider answered, or `ms` passed */
async function trigger(before: number, ms = 8000): Promise<State> {
  const end = Date.now() + ms;
  for (;;) {
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    const next = Date.now() + 1000;
    while (Date.now() < Math.min(next, end)) {
      const s = await state();
      if (s.stats.requests > before) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (Date.now() >= end) return state();
  }
}

suite('autocomplete', () => {
  let modelName = '';

  suiteSetup(async function () {
    this.timeout(180_000);
    await api();
    const out = await vscode.commands.executeCommand<TrainOutcome>('seqlab.trainSelection', {
      text: SENTENCE.repeat(120),
      label: 'fox',
      name: 'it-autocomplete',
      preset: 'tiny',
      steps: 250,
      options: { hidden: 32, emb: 16, batch: 8, seq: 32, lr: 0.01, evalEvery: 250, sampleChars: 0 },
    });
    assert.equal(out.error, undefined, out.error);
    modelName = out.name!;
    await vscode.workspace.getConfiguration('seqlab.completion').update('confidenceThreshold', 0.3, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    const cfg = vscode.workspace.getConfiguration('seqlab.completion');
    for (const k of ['confidenceThreshold', 'enabled', 'languages']) await cfg.update(k, undefined, vscode.ConfigurationTarget.Global);
  });

  test('Use Model for Autocomplete: the status bar shows the model; a forecasting-free char model loads through onnxruntime', async () => {
    const name = await vscode.commands.executeCommand<string>('seqlab.useModelForAutocomplete', { model: modelName });
    assert.equal(name, modelName);
    const s = await state();
    assert.equal(path.basename(s.model!), modelName);
    assert.ok(s.active);
    assert.match(s.statusText!, new RegExp(`\\$\\(sparkle\\) ${modelName}$`));
    const missing = await vscode.commands.executeCommand<string | undefined>('seqlab.useModelForAutocomplete', { model: 'no-such-model' });
    assert.equal(missing, undefined);
    assert.equal(path.basename((await state()).model!), modelName, 'a bad choice keeps the model in use');
  });

  test('the LSTM + 5-gram mixture comes from the model folder (mixture.bin, written by training), or is rebuilt from the training text without it, and then suggests', async () => {
    // the model loads on the first request; the mixture follows in the background
    await editorWith(SENTENCE + 'the quick b');
    await trigger((await state()).stats.requests);
    const m = await waitFor('the mixture', async () => (await state()).mixture, 30_000);
    assert.equal(m.source, 'file', 'read from mixture.bin');
    assert.ok(m.chars >= 100 && m.gate <= Math.min(m.lstm, m.ngram) + 0.05, JSON.stringify(m));
    // without the file (a model trained before it existed), the mixture is built from the training text again
    const file = path.join((await state()).model!, 'mixture.bin');
    await fs.promises.rename(file, `${file}.off`);
    try {
      await vscode.commands.executeCommand('seqlab.useModelForAutocomplete', { model: modelName });
      await editorWith(SENTENCE + 'the quick b');
      await trigger((await state()).stats.requests);
      const rebuilt = await waitFor('the rebuilt mixture', async () => (await state()).mixture, 30_000);
      assert.equal(rebuilt.source, 'text');
      assert.ok(Math.abs(rebuilt.gate - m.gate) < 1e-6, `the same mixture as the saved one: ${rebuilt.gate} vs ${m.gate}`);
    } finally {
      await fs.promises.rename(`${file}.off`, file);
    }
    await editorWith(SENTENCE + 'the quick b');
    const s = await trigger((await state()).stats.requests);
    assert.ok(s.last && s.last.text.startsWith('rown fox'), `suggestion from the mixture: ${JSON.stringify(s.last)}`);
  });

  test('dynamic evaluation (seqlab.completion.dynamicEvaluation): after a pause in typing, the model adapts to the document in the worker and suggests from the adapted copy', async () => {
    const cfg = vscode.workspace.getConfiguration('seqlab.completion');
    await cfg.update('dynamicEvaluation', true, vscode.ConfigurationTarget.Global);
    try {
      const before = (await state()).adapted;
      const ed = await editorWith(SENTENCE.repeat(6) + 'the quick');
      await ed.edit((e) => e.insert(ed.document.positionAt(ed.document.getText().length), ' b'));
      const end = ed.document.positionAt(ed.document.getText().length);
      ed.selection = new vscode.Selection(end, end);
      await waitFor('the adapted model', async () => (await state()).adapted > before, 20_000);
      const s = await trigger((await state()).stats.requests);
      assert.equal(s.error, undefined, s.error);
      assert.ok(s.adaptedHere, 'this document has its adapted model');
      assert.ok(s.last && s.last.text.startsWith('rown fox'), `a suggestion from the adapted model: ${JSON.stringify(s.last)}`);
      const model = (await state()).model!;
      assert.ok(fs.existsSync(path.join(model, 'model.onnx')), 'the saved model is untouched');
    } finally {
      await cfg.update('dynamicEvaluation', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('typing: VS Code asks the provider, the suggestion completes the sentence, committing it (Tab) inserts it and counts as accepted', async () => {
    const ed = await editorWith(SENTENCE + 'the quick b');
    const before = (await state()).stats;
    const s = await trigger(before.requests);
    assert.equal(s.error, undefined, s.error);
    assert.equal(s.engine, 'onnx', 'inference runs through onnxruntime-node');
    assert.ok(s.stats.requests > before.requests, 'the provider was called');
    assert.ok(s.last && s.last.text.startsWith('rown fox'), `suggestion: ${JSON.stringify(s.last)}`);
    console.log(`    suggestion after "the quick b": ${JSON.stringify(s.last!.text)} in ${s.last!.ms.toFixed(1)} ms (${s.last!.cold ? 'cold' : 'warm'})`);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
    await waitFor('the suggestion in the document', () => ed.document.lineAt(1).text.startsWith('the quick brown fox'), 5000);
    const after = await waitFor(
      'the accept to be counted',
      async () => {
        const x = await state();
        return x.stats.accepted > before.accepted && x;
      },
      5000,
    );
    assert.equal(after.stats.charsSaved - before.charsSaved, s.last!.text.length);
    // keep typing on a new line: the state cache continues (warm)
    await ed.edit((e) => e.insert(ed.document.positionAt(ed.document.getText().length), '\nthe lazy'));
    const end = ed.document.positionAt(ed.document.getText().length);
    ed.selection = new vscode.Selection(end, end);
    const s2 = await trigger(after.stats.requests);
    assert.ok(s2.stats.requests > after.stats.requests);
    assert.equal(s2.last!.cold, false, 'the cached state was advanced, not rebuilt');
    assert.ok(s2.last!.text.startsWith(' dog'), JSON.stringify(s2.last));
  });

  test('Toggle Autocomplete off stops suggestions; on again brings them back', async () => {
    assert.equal(await vscode.commands.executeCommand('seqlab.toggleAutocomplete'), false);
    const s0 = await state();
    assert.equal(s0.active, false);
    assert.match(s0.statusText!, /circle-slash/);
    await editorWith(SENTENCE + 'the quick b');
    const s1 = await trigger(s0.stats.requests, 1500);
    assert.equal(s1.stats.requests, s0.stats.requests, 'no model call while off');
    assert.equal(await vscode.commands.executeCommand('seqlab.toggleAutocomplete'), true);
    await editorWith(SENTENCE + 'the quick br');
    const s2 = await trigger(s1.stats.requests);
    assert.ok(s2.stats.requests > s1.stats.requests, 'suggestions again once on');
  });

  test('a language switched off in seqlab.completion.languages gets nothing; the others keep working', async () => {
    const cfg = vscode.workspace.getConfiguration('seqlab.completion');
    await cfg.update('languages', { plaintext: false }, vscode.ConfigurationTarget.Global);
    await editorWith(SENTENCE + 'the quick b', 'plaintext');
    const s0 = await state();
    const s1 = await trigger(s0.stats.requests, 1500);
    assert.equal(s1.stats.requests, s0.stats.requests);
    await editorWith(SENTENCE + 'the quick b', 'markdown');
    const s2 = await trigger(s1.stats.requests);
    assert.ok(s2.stats.requests > s1.stats.requests, 'markdown was not listed, so it stays on');
    await cfg.update('languages', undefined, vscode.ConfigurationTarget.Global);
  });

  test('quiet where a suggestion would be in the way: the suggest widget, a selection, text right of the cursor; never a repeat of what follows', async () => {
    const a = await api();
    // the suggest widget: VS Code asks with the item the widget has selected; the provider keeps quiet
    const ed = await editorWith(SENTENCE + 'the quick b');
    const pos = ed.selection.active;
    const tok = new vscode.CancellationTokenSource().token;
    const withWidget = await a.completion.provider.provideInlineCompletionItems(
      ed.document,
      pos,
      { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: { range: new vscode.Range(pos, pos), text: 'brown' } },
      tok,
    );
    assert.equal(withWidget, undefined);
    assert.equal((await state()).lastQuiet?.reason, 'suggest-widget');
    // a selection
    const line = ed.document.lineAt(1);
    ed.selection = new vscode.Selection(line.range.start, line.range.end);
    const s0 = await state();
    await trigger(s0.stats.requests, 1500);
    assert.equal((await state()).stats.requests, s0.stats.requests, 'no model call while text is selected');
    assert.equal((await state()).lastQuiet?.reason, 'selection');
    // text right of the cursor (more than seqlab.completion.maxCharsRightOfCursor = 0)
    const mid = await editorWith(SENTENCE + 'the quick b fox');
    mid.selection = new vscode.Selection(new vscode.Position(1, 11), new vscode.Position(1, 11));
    await trigger(s0.stats.requests, 1500);
    assert.equal((await state()).lastQuiet?.reason, 'text-right');
    // up to seqlab.completion.maxCharsRightOfCursor characters may follow, and they are not suggested again
    const cfg = vscode.workspace.getConfiguration('seqlab.completion');
    await cfg.update('maxCharsRightOfCursor', 3, vscode.ConfigurationTarget.Global);
    try {
      const before = await editorWith(SENTENCE + 'the quick bdog');
      before.selection = new vscode.Selection(new vscode.Position(1, 11), new vscode.Position(1, 11));
      const s1 = await trigger((await state()).stats.requests);
      assert.equal(s1.last?.uri, before.document.uri.toString(), JSON.stringify(s1));
      assert.ok(s1.last!.text.startsWith('rown fox'), JSON.stringify(s1.last));
      assert.ok(!s1.last!.text.endsWith('dog'), `repeats the text after the cursor: ${JSON.stringify(s1.last!.text)}`);
    } finally {
      await cfg.update('maxCharsRightOfCursor', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('manual mode: typing asks nothing, Trigger Autocomplete (Alt+\\) does', async () => {
    const cfg = vscode.workspace.getConfiguration('seqlab.completion');
    await cfg.update('trigger', 'manual', vscode.ConfigurationTarget.Global);
    try {
      const ed = await editorWith(SENTENCE + 'the quick b');
      const s0 = await state();
      // what VS Code asks as the user types (an automatic trigger): nothing, no model call
      const typing = await (
        await api()
      ).completion.provider.provideInlineCompletionItems(
        ed.document,
        ed.selection.active,
        { triggerKind: vscode.InlineCompletionTriggerKind.Automatic, selectedCompletionInfo: undefined },
        new vscode.CancellationTokenSource().token,
      );
      assert.equal(typing, undefined);
      assert.equal((await state()).stats.requests, s0.stats.requests, 'typing asked for nothing');
      assert.equal((await state()).lastQuiet?.reason, 'manual');
      // the command VS Code runs for Alt+\\; asked again every second, as trigger() does, until the provider answered
      let asked = 0;
      const s1 = await waitFor(
        'the trigger command to ask',
        async () => {
          if (Date.now() - asked > 1000) {
            asked = Date.now();
            await vscode.commands.executeCommand('seqlab.completion.trigger');
          }
          const x = await state();
          return x.stats.requests > s0.stats.requests && x;
        },
        15_000,
      );
      assert.ok(s1.last?.text.startsWith('rown'), JSON.stringify(s1.last));
    } finally {
      await cfg.update('trigger', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a suggestion held back for low confidence: the status-bar tooltip says so, with the confidence', async () => {
    const cfg = vscode.workspace.getConfiguration('seqlab.completion');
    await cfg.update('confidenceThreshold', 0.999, vscode.ConfigurationTarget.Global);
    try {
      await editorWith(SENTENCE + 'zq');
      const s0 = await state();
      const s1 = await trigger(s0.stats.requests);
      assert.ok(s1.stats.requests > s0.stats.requests);
      assert.ok(s1.heldBack && s1.heldBack.confidence < 0.999, JSON.stringify(s1.heldBack));
      const ctrl = (await api()).completion.ctrl as unknown as { item: vscode.StatusBarItem };
      const tip = (ctrl.item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
      assert.match(tip, new RegExp(`held back: the model was ${Math.round(100 * s1.heldBack!.confidence)}% sure, below the threshold of 100%`));
    } finally {
      await cfg.update('confidenceThreshold', 0.3, vscode.ConfigurationTarget.Global);
    }
  });

  test('snooze stops suggestions until resumed; statistics are shown', async () => {
    await vscode.commands.executeCommand('seqlab.completion.snooze', 30);
    const s0 = await state();
    assert.equal(s0.active, false);
    assert.match(s0.statusText!, /\$\(clock\)/);
    await vscode.commands.executeCommand('seqlab.completion.snooze', 0);
    assert.equal((await state()).active, true);
    const shown = await vscode.commands.executeCommand<{ text: string; shown: number; accepted: number; p50: number | null }>(
      'seqlab.showAutocompleteStatistics',
    );
    assert.ok(shown.shown >= 2 && shown.accepted >= 1, JSON.stringify(shown));
    assert.ok(shown.p50 !== null && shown.p50 > 0);
    assert.match(shown.text, /suggestions shown/);
  });

  test('Train Autocomplete Model on Workspace: one language, .gitignore, files.exclude and the size cap apply; files and characters are reported', async () => {
    const ws = workspaceDir();
    const dir = path.join(ws, 'ac');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.txt'), SENTENCE.repeat(20));
    fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'a lazy dog sleeps\n'.repeat(20));
    fs.writeFileSync(path.join(dir, 'ignored.txt'), 'ignored by .gitignore\n');
    fs.writeFileSync(path.join(dir, 'sub', 'excluded.txt'), 'excluded by files.exclude\n');
    fs.writeFileSync(path.join(dir, 'big.txt'), 'x'.repeat(3 * 1024));
    fs.writeFileSync(path.join(dir, 'code.md'), '# not plaintext\n');
    fs.writeFileSync(path.join(dir, '.gitignore'), 'ignored.txt\n');
    const cfg = vscode.workspace.getConfiguration();
    await cfg.update('files.exclude', { '**/excluded.txt': true }, vscode.ConfigurationTarget.Workspace);
    await cfg.update('seqlab.completion.trainMaxFileKB', 2, vscode.ConfigurationTarget.Workspace);
    try {
      const r = await vscode.commands.executeCommand<{ files: string[]; chars: number; skipped: number; name?: string; modelDir?: string; error?: string }>(
        'seqlab.trainAutocompleteModel',
        {
          language: 'plaintext',
          glob: 'ac/**/*.txt',
          steps: 20,
          wait: true,
          notify: false,
          options: { hidden: 16, emb: 8, batch: 4, seq: 16, evalEvery: 20 },
        },
      );
      assert.equal(r.error, undefined, r.error);
      assert.deepEqual(r.files.map((f) => path.relative(ws, f).split(path.sep).join('/')).sort(), ['ac/a.txt', 'ac/sub/b.txt']);
      assert.equal(r.chars, SENTENCE.length * 20 + 'a lazy dog sleeps\n'.length * 20);
      assert.ok(r.skipped >= 2, 'ignored.txt (.gitignore) and big.txt (size cap); excluded.txt never reaches us (files.exclude)');
      assert.ok(r.name && fs.existsSync(path.join(r.modelDir!, 'model.onnx')), 'the run went through the training service and wrote a model');
      const card = JSON.parse(fs.readFileSync(path.join(r.modelDir!, 'card.json'), 'utf8')) as { options: { valSplit?: string } };
      assert.equal(card.options.valSplit, 'spread', 'validation spread over the files, so every file is trained on');
      // the default glob of a language comes from the extensions VS Code knows for it
      const md = await vscode.commands.executeCommand<{ files?: string[]; error?: string }>('seqlab.trainAutocompleteModel', {
        language: 'markdown',
        steps: 5,
        wait: true,
        notify: false,
        options: { hidden: 8, emb: 4, batch: 2, seq: 8 },
      });
      assert.ok(
        md.files?.some((f) => f.endsWith('code.md')),
        JSON.stringify(md),
      );
    } finally {
      await cfg.update('files.exclude', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg.update('seqlab.completion.trainMaxFileKB', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
