/**
 * The forecast panel (webview, uPlot): the series history, actual vs predicted test values with the prediction
 * interval band, zoom and a range selector, the metrics table against the baselines with the plain-words verdict,
 * and "Forecast next N", which forecasts through the model's ONNX file (onnxruntime-node, in a worker thread) and
 * writes a new CSV beside the input (never overwriting a file).
 * Strict CSP (default-src 'none', script nonce, only dist/webview as a resource root); the webview keeps its UI
 * state with getState/setState, and a serializer restores the panel (its state names the model folder).
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { escapeAttr, panelHtml, webviewOptions } from '../panels/base';
import {
  FORECAST_VIEW_TYPE, type ForecastPanelModel, type FromForecastWebview, type ToForecastWebview, validateFromForecastWebview,
} from '../../protocol/forecastPanel';
import type { ModelCard } from '../../protocol/model';
import type { ForecastPredictResult, ForecastReport } from '../../protocol/worker';
import { log, showError, showInfo } from '../log';
import { userError } from '../modelStore';
import { baselineName, predictInWorker, verdictText } from './flow';

export interface ForecastPanelDeps {
  extensionUri: vscode.Uri;
  workerPath: string;
}

export const MAX_FORECAST_STEPS = 10000;

export class ForecastPanel {
  /** open panels by model folder */
  static readonly panels = new Map<string, ForecastPanel>();
  /** the last forecast written (tests read it) */
  lastForecast?: ForecastPredictResult;
  ready = false;
  private readonly subs: vscode.Disposable[] = [];

  static async show(deps: ForecastPanelDeps, modelDir: string): Promise<ForecastPanel> {
    const dir = path.resolve(modelDir);
    const cur = ForecastPanel.panels.get(dir);
    const data = await loadPanelData(dir);
    if (cur) { cur.panel.reveal(undefined, false); cur.data = data; void cur.post({ type: 'init', ...data, verdict: verdictText(data.report), strings: panelStrings(), maxSteps: MAX_FORECAST_STEPS }); return cur; }
    const panel = vscode.window.createWebviewPanel(FORECAST_VIEW_TYPE, vscode.l10n.t('Forecast: {0}', data.model.name),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, webviewOptions(deps.extensionUri));
    return new ForecastPanel(panel, deps, dir, data);
  }

  static async revive(panel: vscode.WebviewPanel, deps: ForecastPanelDeps, state: unknown): Promise<void> {
    const dir = (state as { modelDir?: unknown } | undefined)?.modelDir;
    panel.webview.options = webviewOptions(deps.extensionUri);
    if (typeof dir !== 'string' || !existsSync(path.join(dir, 'forecast.json'))) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>${escapeAttr(vscode.l10n.t('This forecast is no longer available (its model folder was moved or deleted).'))}</p></body></html>`;
      return;
    }
    try { new ForecastPanel(panel, deps, path.resolve(dir), await loadPanelData(dir)); } catch (e) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>${escapeAttr((e as Error).message)}</p></body></html>`;
    }
  }

  private constructor(readonly panel: vscode.WebviewPanel, private readonly deps: ForecastPanelDeps, readonly modelDir: string,
    private data: { model: ForecastPanelModel; report: ForecastReport }) {
    ForecastPanel.panels.set(modelDir, this);
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'seqlab.svg');
    panel.webview.html = panelHtml(panel.webview, deps.extensionUri, 'forecast', vscode.l10n.t('Forecast: {0}', data.model.name));
    this.subs.push(panel.webview.onDidReceiveMessage((raw: unknown) => {
      let msg: FromForecastWebview;
      try { msg = validateFromForecastWebview(raw, MAX_FORECAST_STEPS); } catch (e) {
        log().warn(`[forecast panel] rejected a message: ${(e as Error).message}`);
        return;
      }
      void this.receive(msg);
    }));
    panel.onDidDispose(() => { ForecastPanel.panels.delete(modelDir); for (const s of this.subs) s.dispose(); });
  }

  get title(): string { return this.panel.title; }

  private post(m: ToForecastWebview): Thenable<boolean> { return this.panel.webview.postMessage(m); }

  private async receive(msg: FromForecastWebview): Promise<void> {
    if (msg.type === 'ready') {
      this.ready = true;
      await this.post({ type: 'init', ...this.data, verdict: verdictText(this.data.report), strings: panelStrings(), maxSteps: MAX_FORECAST_STEPS });
    } else if (msg.type === 'forecastNext') {
      await this.forecastNext(msg.steps).catch(() => undefined);
    } else if (msg.type === 'openFile') {
      // only forecast files of this model's input (x.forecast.csv, x.forecast-2.csv, … beside x.csv)
      const input = this.data.report.file;
      const base = path.basename(input).replace(/\.(csv|tsv|txt)$/i, '');
      const ok = path.dirname(msg.path) === path.dirname(input) && path.basename(msg.path).startsWith(`${base}.forecast`) && /\.forecast(-\d+)?\.csv$/.test(msg.path);
      if (ok && existsSync(msg.path)) await vscode.window.showTextDocument(vscode.Uri.file(msg.path), { preview: false });
    }
  }

  /** "Forecast next N": through model.onnx in a worker; a new CSV beside the input (never overwrites) */
  async forecastNext(steps: number): Promise<ForecastPredictResult> {
    const file = this.data.report.file;
    await this.post({ type: 'busy', busy: true });
    try {
      if (!existsSync(file)) throw userError(vscode.l10n.t('The data file {0} is gone; the forecast needs it to know where the series ends.', file));
      const r = await predictInWorker(this.deps.workerPath, this.modelDir, file, steps, true);
      this.lastForecast = r;
      await this.post({ type: 'forecast', result: r });
      log().info(`[${this.data.model.name}] forecast of ${steps} step(s) written to ${r.written}`);
      void showInfo(vscode.l10n.t('Forecast of {0} steps written to {1}.', steps, path.basename(r.written ?? '')));
      return r;
    } catch (e) {
      const message = (e as Error).message;
      await this.post({ type: 'error', message });
      void showError(message);
      throw e;
    } finally {
      await this.post({ type: 'busy', busy: false });
    }
  }

  dispose(): void { this.panel.dispose(); }
}

async function loadPanelData(dir: string): Promise<{ model: ForecastPanelModel; report: ForecastReport }> {
  let card: ModelCard;
  let report: ForecastReport;
  try {
    card = JSON.parse(await fsp.readFile(path.join(dir, 'card.json'), 'utf8')) as ModelCard;
  } catch { throw userError(vscode.l10n.t('{0} is not a Sequence Lab model folder.', dir)); }
  try {
    report = JSON.parse(await fsp.readFile(path.join(dir, 'forecast.json'), 'utf8')) as ForecastReport;
  } catch { throw userError(vscode.l10n.t('"{0}" has no forecast results (it is not a forecasting model, or its training did not finish).', card.name)); }
  const c = card.config;
  return {
    model: { name: card.name, dir, cell: c.cell, hidden: c.hidden, layers: c.layers, steps: card.steps, status: card.status, stopReason: card.stopReason },
    report,
  };
}

/** the webview's strings, localized here (English is the key) */
export function panelStrings(): Record<string, string> {
  const keys = [
    vscode.l10n.t('Forecast'), vscode.l10n.t('History'), vscode.l10n.t('Actual (test)'), vscode.l10n.t('Predicted (test)'),
    vscode.l10n.t('Interval'), vscode.l10n.t('Forecast next'), vscode.l10n.t('steps'), vscode.l10n.t('Forecast next N'),
    vscode.l10n.t('Results on the test part'), vscode.l10n.t('model'), vscode.l10n.t('Drag on the chart to zoom; drag in the range bar to move the view; double-click to reset.'),
    vscode.l10n.t('Reset zoom'), vscode.l10n.t('Time'), vscode.l10n.t('Written to {0}'), vscode.l10n.t('Open'),
    vscode.l10n.t('{0}% prediction intervals from validation residuals; they cover {1}% of the test values.'),
    vscode.l10n.t('Target {0} · window {1} · horizon {2} · {3} rows ({4} train / {5} validation / {6} test)'),
    vscode.l10n.t('Model: {0} {1}×{2}, {3} steps ({4})'), vscode.l10n.t('Features'), vscode.l10n.t('none'),
    vscode.l10n.t('Left out'), vscode.l10n.t('Filled'), vscode.l10n.t('Working…'), vscode.l10n.t('Notes'),
    vscode.l10n.t('Forecast (next steps)'),
  ];
  const en = [
    'Forecast', 'History', 'Actual (test)', 'Predicted (test)', 'Interval', 'Forecast next', 'steps', 'Forecast next N', 'Results on the test part', 'model',
    'Drag on the chart to zoom; drag in the range bar to move the view; double-click to reset.', 'Reset zoom', 'Time', 'Written to {0}', 'Open',
    '{0}% prediction intervals from validation residuals; they cover {1}% of the test values.',
    'Target {0} · window {1} · horizon {2} · {3} rows ({4} train / {5} validation / {6} test)', 'Model: {0} {1}×{2}, {3} steps ({4})', 'Features', 'none',
    'Left out', 'Filled', 'Working…', 'Notes', 'Forecast (next steps)',
  ];
  const out: Record<string, string> = Object.fromEntries(en.map((k, i) => [k, keys[i]!]));
  for (const b of ['persistence', 'seasonal naive', 'training mean']) out[b] = baselineName(b);
  return out;
}
