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
import { escapeAttr, Panel, VIEW_TYPES, webviewOptions } from '../panels/base';
import { webviewStrings } from '../panels/strings';
import { type ForecastInit, type ForecastPanelModel, MAX_FORECAST_STEPS } from '../../protocol/webview';
import type { ModelCard } from '../../protocol/model';
import type { ForecastPredictResult, ForecastReport } from '../../protocol/worker';
import { log, showError, showInfo } from '../log';
import { userError } from '../modelStore';
import { predictInWorker, verdictText } from './flow';

export interface ForecastPanelDeps {
  extensionUri: vscode.Uri;
  workerPath: string;
}

export { MAX_FORECAST_STEPS };

export class ForecastPanel extends Panel<'forecast'> {
  /** open panels by model folder */
  static readonly panels = new Map<string, ForecastPanel>();
  /** the last forecast written (tests read it) */
  lastForecast?: ForecastPredictResult;
  ready = false;

  static async show(deps: ForecastPanelDeps, modelDir: string): Promise<ForecastPanel> {
    const dir = path.resolve(modelDir);
    const cur = ForecastPanel.panels.get(dir);
    const data = await loadPanelData(dir);
    if (cur) {
      cur.panel.reveal(undefined, false);
      cur.data = data;
      cur.rpc.notify('forecast/init', cur.init());
      return cur;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPES.forecast,
      vscode.l10n.t('Forecast: {0}', data.model.name),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      webviewOptions(deps.extensionUri),
    );
    return new ForecastPanel(panel, deps, dir, data);
  }

  static async revive(panel: vscode.WebviewPanel, deps: ForecastPanelDeps, state: unknown): Promise<void> {
    const dir = (state as { modelDir?: unknown } | undefined)?.modelDir;
    panel.webview.options = webviewOptions(deps.extensionUri);
    if (typeof dir !== 'string' || !existsSync(path.join(dir, 'forecast.json'))) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>${escapeAttr(vscode.l10n.t('This forecast is no longer available (its model folder was moved or deleted).'))}</p></body></html>`;
      return;
    }
    try {
      new ForecastPanel(panel, deps, path.resolve(dir), await loadPanelData(dir));
    } catch (e) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>${escapeAttr((e as Error).message)}</p></body></html>`;
    }
  }

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: ForecastPanelDeps,
    readonly modelDir: string,
    private data: { model: ForecastPanelModel; report: ForecastReport },
  ) {
    super('forecast', panel, deps.extensionUri, vscode.l10n.t('Forecast: {0}', data.model.name));
    ForecastPanel.panels.set(modelDir, this);
    this.rpc.handle('forecast/ready', () => {
      this.ready = true;
      return this.init();
    });
    this.rpc.handle('forecast/next', ({ steps, method }) => this.forecastNext(steps, method));
    this.rpc.handle('forecast/openFile', async ({ path: file }) => {
      // only forecast files of this model's input (x.forecast.csv, x.forecast-2.csv, … beside x.csv)
      const input = this.data.report.file;
      const base = path.basename(input).replace(/\.(csv|tsv|txt)$/i, '');
      const ok = path.dirname(file) === path.dirname(input) && path.basename(file).startsWith(`${base}.forecast`) && /\.forecast(-\d+)?\.csv$/.test(file);
      if (!ok || !existsSync(file)) return false;
      await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
      return true;
    });
  }

  protected override closed(): void {
    ForecastPanel.panels.delete(this.modelDir);
  }

  get title(): string {
    return this.panel.title;
  }

  private init(): ForecastInit {
    return { ...this.data, verdict: verdictText(this.data.report), strings: webviewStrings('forecast'), maxSteps: MAX_FORECAST_STEPS };
  }

  /** "Forecast next N": through model.onnx in a worker; a new CSV beside the input (never overwrites) */
  async forecastNext(steps: number, method?: string): Promise<ForecastPredictResult> {
    const file = this.data.report.file;
    try {
      if (!existsSync(file)) throw userError(vscode.l10n.t('The data file {0} is gone; the forecast needs it to know where the series ends.', file));
      const r = await predictInWorker(this.deps.workerPath, this.modelDir, file, steps, true, method);
      this.lastForecast = r;
      log().info(`[${this.data.model.name}] forecast of ${steps} step(s) written to ${r.written}`);
      void showInfo(vscode.l10n.t('Forecast of {0} steps written to {1}.', steps, path.basename(r.written ?? '')));
      return r;
    } catch (e) {
      void showError((e as Error).message);
      throw e;
    }
  }

  /** closes the panel (and releases what it holds) */
  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.panel.dispose();
  }
}

async function loadPanelData(dir: string): Promise<{ model: ForecastPanelModel; report: ForecastReport }> {
  let card: ModelCard;
  let report: ForecastReport;
  try {
    card = JSON.parse(await fsp.readFile(path.join(dir, 'card.json'), 'utf8')) as ModelCard;
  } catch {
    throw userError(vscode.l10n.t('{0} is not a Sequence Lab model folder.', dir));
  }
  try {
    report = JSON.parse(await fsp.readFile(path.join(dir, 'forecast.json'), 'utf8')) as ForecastReport;
  } catch {
    throw userError(vscode.l10n.t('"{0}" has no forecast results (it is not a forecasting model, or its training did not finish).', card.name));
  }
  const c = card.config;
  return {
    model: { name: card.name, dir, cell: c.cell, hidden: c.hidden, layers: c.layers, steps: card.steps, status: card.status, stopReason: card.stopReason },
    report,
  };
}
