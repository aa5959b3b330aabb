import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ForecastOutcome } from '../../src/host/forecast';
import { api, fixture, messagesSince, modelDirs, waitFor } from './helpers';

const modelsRoot = () => path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.seqlab', 'models');

suite('CSV forecasting (Forecast CSV…, forecast panel)', () => {
  test('Forecast CSV… with an options object: a regression model in the Models view, the forecast panel, Forecast next N writes a new CSV', async () => {
    const a = await api();
    const since = a.messages.length;
    const running = vscode.commands.executeCommand<ForecastOutcome>('seqlab.forecastCsv', {
      file: fixture('sales.csv'),
      target: 'sales',
      features: [],
      window: 12,
      hidden: 16,
      steps: 300,
      name: 'it-forecast',
    });
    // while it trains, the Models view lists it as training (not as an interrupted run)
    await waitFor(
      'the forecaster training in the tree',
      async () => (await a.tree.getChildren()).find((e) => e.name === 'it-forecast' && e.status === 'training'),
      30_000,
      20,
    );
    const outcome = await running;
    assert.equal(outcome?.error, undefined, outcome?.error);
    const dir = outcome!.modelDir!;
    assert.equal(path.basename(dir), 'it-forecast');
    for (const f of ['card.json', 'checkpoint.bin', 'model.onnx', 'forecast.json']) assert.ok(fs.existsSync(path.join(dir, f)), f);
    const card = JSON.parse(fs.readFileSync(path.join(dir, 'card.json'), 'utf8'));
    assert.equal(card.config.kind, 'regression');
    assert.deepEqual(card.forecast.targets, ['sales']);
    const r = outcome!.report!;
    const pers = r.baselines.find((b) => b.name === 'persistence')!;
    assert.ok(r.model.rmse < pers.metrics.rmse, `model ${r.model.rmse} vs persistence ${pers.metrics.rmse}`);
    // the message says how it went, in plain words
    assert.ok(
      messagesSince(a, since).some((m) => /it-forecast.*test RMSE/.test(m)),
      JSON.stringify(messagesSince(a, since)),
    );
    // the Models view: a graph icon, RMSE in the description, a context value for regression models
    const entry = await waitFor(
      'the forecaster in the tree',
      async () => (await a.tree.getChildren()).find((e) => e.name === 'it-forecast' && e.status === 'complete'),
      10_000,
    );
    const item = a.tree.getTreeItem(entry);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'graph-line');
    assert.match(String(item.description), /^LSTM · 1×16 · .* · test RMSE [\d.]+$/);
    assert.equal(item.contextValue, 'model-complete-regression-trained');
    // the panel opened on the results and its webview said ready
    const panel = await waitFor('the forecast panel', () => a.forecast.panel(dir), 10_000);
    assert.match(panel.title, /it-forecast/);
    await waitFor('the forecast webview to load', () => panel.ready, 20_000);
    // Forecast next N: through ONNX in a worker, a new CSV beside the input, never overwriting
    const f1 = await panel.forecastNext(6);
    assert.equal(f1.written, fixture('sales.forecast.csv'));
    const text = fs.readFileSync(f1.written!, 'utf8').trim().split('\n');
    assert.equal(text[0], 'month,sales,sales lower,sales upper');
    assert.equal(text.length, 7);
    assert.match(text[1]!, /^2020-01-01,/, 'the month after the last row');
    const f2 = await panel.forecastNext(3);
    assert.equal(f2.written, fixture('sales.forecast-2.csv'));
    assert.equal(fs.readFileSync(f1.written!, 'utf8').trim().split('\n').length, 7, 'the first file is untouched');
    fs.rmSync(f1.written!);
    fs.rmSync(f2.written!);
    // Open Forecast from the Models view reveals the same panel
    assert.equal(await vscode.commands.executeCommand('seqlab.openForecast', entry), true);
    assert.equal(a.forecast.panel(dir), panel);
    panel.dispose();
  });

  test('"Train Model on …" with a CSV file goes to the forecasting flow (defaults: detected target, other numeric columns as features)', async () => {
    const a = await api();
    const outcome = await vscode.commands.executeCommand<ForecastOutcome>('seqlab.train', {
      file: fixture('sales.csv'),
      steps: 40,
      name: 'it-forecast-routed',
    });
    assert.equal(outcome?.error, undefined, outcome?.error);
    const card = JSON.parse(fs.readFileSync(path.join(outcome!.modelDir!, 'card.json'), 'utf8'));
    assert.equal(card.config.kind, 'regression');
    assert.deepEqual(card.forecast.targets, ['sales']);
    assert.deepEqual(card.forecast.features, ['promo']);
    a.forecast.panel(outcome!.modelDir!)?.dispose();
  });

  test('the interactive flow: "Train Model on Current File" on a CSV asks target → features → window → horizon → cell → budget, defaults accepted', async () => {
    const a = await api();
    await vscode.window.showTextDocument(vscode.Uri.file(fixture('sales.csv')));
    const flow = vscode.commands.executeCommand<ForecastOutcome | undefined>('seqlab.trainCurrentFile');
    const accept = () => vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    // six prompts; the defaults: target sales (detected), no extra features, window 24 (two seasons), horizon 1, LSTM, until validation stops improving
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 900));
      await accept();
    }
    const out = await flow;
    assert.equal(out?.error, undefined, out?.error);
    assert.ok(out?.modelDir, JSON.stringify(out));
    const card = JSON.parse(fs.readFileSync(path.join(out.modelDir, 'card.json'), 'utf8'));
    assert.deepEqual(card.forecast.targets, ['sales']);
    assert.deepEqual(card.forecast.features, []);
    assert.equal(card.forecast.window, 24);
    assert.equal(card.forecast.horizon, 1);
    assert.equal(card.config.cell, 'lstm');
    a.forecast.panel(out.modelDir)?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Continue Training on a forecaster resumes its forecasting run exactly (through the training service)', async () => {
    const a = await api();
    const first = await vscode.commands.executeCommand<ForecastOutcome>('seqlab.forecastCsv', {
      file: fixture('sales.csv'),
      target: 'sales',
      features: [],
      window: 12,
      hidden: 8,
      steps: 30,
      name: 'it-fc-cont',
      openPanel: false,
    });
    assert.equal(first?.error, undefined, first?.error);
    assert.equal(first!.result!.steps, 30);
    const out = await vscode.commands.executeCommand<{ error?: string; result?: { steps: number; status: string } }>('seqlab.continueTraining', {
      model: 'it-fc-cont',
      mode: 'exact',
      steps: 20,
    });
    assert.equal(out?.error, undefined, out?.error);
    assert.equal(out?.result?.steps, 50);
    const card = JSON.parse(fs.readFileSync(path.join(first!.modelDir!, 'card.json'), 'utf8'));
    assert.equal(card.steps, 50);
    assert.equal(card.forecast.window, 12);
    assert.ok(card.forecast.test.rmse > 0);
    void a;
  });

  test('a CSV with no numeric column: one clear message, nothing written', async () => {
    const a = await api();
    fs.writeFileSync(fixture('words.csv'), 'date,word\n2020-01-01,a\n2020-01-02,b\n2020-01-03,c\n');
    const before = modelDirs(modelsRoot());
    const since = a.messages.length;
    const outcome = await vscode.commands.executeCommand<ForecastOutcome>('seqlab.forecastCsv', { file: fixture('words.csv'), steps: 10 });
    assert.match(String(outcome?.error), /no numeric column/);
    const shown = messagesSince(a, since);
    assert.ok(
      shown.some((m) => m.startsWith('error: ') && /no numeric column/.test(m)),
      JSON.stringify(shown),
    );
    assert.deepEqual(modelDirs(modelsRoot()), before);
    assert.deepEqual(
      fs.readdirSync(path.dirname(fixture('words.csv'))).filter((f) => f.startsWith('words.forecast')),
      [],
    );
  });

  test('a forecasting run waits in the same queue as text runs (seqlab.training.maxConcurrentRuns), and Stop Training reaches it', async () => {
    const a = await api();
    const cfg = vscode.workspace.getConfiguration('seqlab');
    await cfg.update('training.maxConcurrentRuns', 1, vscode.ConfigurationTarget.Workspace);
    try {
      const text = await vscode.commands.executeCommand<{ jobId?: string }>('seqlab.train', {
        file: fixture('tiny.txt'),
        preset: 'tiny',
        steps: 1_000_000,
        name: 'it-queue-text',
        options: { evalEvery: 10, sampleChars: 0 },
        wait: false,
        notify: false,
      });
      const first = a.training.get(text.jobId!)!;
      await waitFor('the text run to make progress', () => first.progress, 60_000, 20);
      const fc = vscode.commands.executeCommand<ForecastOutcome>('seqlab.forecastCsv', {
        file: fixture('sales.csv'),
        target: 'sales',
        features: [],
        window: 12,
        hidden: 8,
        steps: 40,
        name: 'it-queue-fc',
        notify: false,
        openPanel: false,
      });
      const queued = await waitFor('the forecasting run in the queue', () => a.training.active().find((j) => j.spec.name === 'it-queue-fc'), 20_000, 20);
      assert.equal(queued.state, 'queued', 'the forecaster waits for the running text model');
      assert.ok(queued.spec.forecast, 'a forecasting job of the training service');
      assert.equal(a.training.stop(first.id), true);
      const out = await fc;
      assert.equal(out?.result?.steps !== undefined && out.result.steps > 0, true, JSON.stringify(out?.error));
      assert.equal(queued.state, 'finished');
    } finally {
      await cfg.update('training.maxConcurrentRuns', undefined, vscode.ConfigurationTarget.Workspace);
      for (const n of ['it-queue-text', 'it-queue-fc']) await vscode.commands.executeCommand('seqlab.deleteModel', { model: n, confirm: false });
    }
  });
});
