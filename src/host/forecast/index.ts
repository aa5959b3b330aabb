/**
 * registerForecast(): the CSV forecasting commands and the forecast panel's serializer. Called once from activate().
 *   seqlab.forecastCsv    (uri) from menus, or { file, target(s), features, window, horizon, cell, hidden, steps, minutes, name, openPanel, notify }
 *   seqlab.openForecast   (ModelEntry) from the Models view, or { model: name or folder }
 * "Train Model on …" with a CSV file routes here (src/host/inputs.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { VIEW_TYPES } from '../panels/base';
import type { ModelStore } from '../modelStore';
import type { TrainingService } from '../trainingService';
import { userError } from '../modelStore';
import { showFailure } from '../log';
import { FORECAST_COMMANDS } from '../commandIds';
import { forecastCsv, type ForecastOutcome } from './flow';
import { ForecastPanel, type ForecastPanelDeps } from './panel';

export { ForecastPanel };

export type { ForecastArgs, ForecastOutcome } from './flow';

export interface ForecastApi {
  panel(modelDir: string): ForecastPanel | undefined;
}

export function registerForecast(context: vscode.ExtensionContext, deps: { store: ModelStore; training: TrainingService }): ForecastApi {
  const workerPath = path.join(context.extensionPath, 'dist', 'worker.js');
  const panelDeps: ForecastPanelDeps = { extensionUri: context.extensionUri, workerPath };
  const openPanel = (dir: string) => ForecastPanel.show(panelDeps, dir);
  context.subscriptions.push(
    vscode.commands.registerCommand(FORECAST_COMMANDS.forecastCsv, (a?: unknown, b?: unknown): Promise<ForecastOutcome | undefined> =>
      forecastCsv({ store: deps.store, training: deps.training, workerPath, openPanel }, a, b),
    ),
    vscode.commands.registerCommand(FORECAST_COMMANDS.openForecast, async (a?: unknown) => {
      try {
        const o = a as { dir?: unknown; model?: unknown } | undefined;
        let dir = typeof o?.dir === 'string' ? o.dir : typeof o?.model === 'string' ? o.model : undefined;
        if (!dir) {
          const models = (await deps.store.list()).filter((e) => e.card?.config.kind === 'regression');
          if (models.length === 0) throw userError(vscode.l10n.t('There are no forecasting models yet. Use "Forecast CSV…" to train one.'));
          const pick = await vscode.window.showQuickPick(
            models.map((e) => ({ label: e.name, dir: e.dir })),
            { title: vscode.l10n.t('Open the forecast of which model?') },
          );
          if (!pick) return false;
          dir = pick.dir;
        }
        if (!path.isAbsolute(dir)) dir = deps.store.dirFor(dir);
        await ForecastPanel.show(panelDeps, dir);
        return true;
      } catch (e) {
        showFailure('', e);
        return false;
      }
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.forecast, {
      async deserializeWebviewPanel(panel, state) {
        await ForecastPanel.revive(panel, panelDeps, state);
      },
    }),
  );
  return { panel: (dir) => ForecastPanel.panels.get(path.resolve(dir)) };
}
