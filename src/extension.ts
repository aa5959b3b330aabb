/**
 * Sequence Lab: activate() wires things together and nothing more. No engine, no onnxruntime, no webview
 * bundle and no worker is loaded here; training starts a worker thread (dist/worker.js) per run.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { activationTimes, type ActivationTimes } from './host/activationTiming';
import { type Commands, registerCommands } from './host/commands';
import { registerCompletion } from './host/completion';
import { type ForecastApi, registerForecast } from './host/forecast';
import { disposeLog, log, shownMessages } from './host/log';
import { ModelStore } from './host/modelStore';
import { type ModelsTreeProvider, registerModelsView } from './host/modelsTree';
import { registerPanels } from './host/panels';
import { TrainingService } from './host/trainingService';

/** What activate() returns: used by the integration tests (and by other extensions, read-only). */
export interface SeqlabApi extends ActivationTimes {
  store: ModelStore;
  training: TrainingService;
  tree: ModelsTreeProvider;
  treeView: vscode.TreeView<unknown>;
  commands: Commands;
  /** the last error/warning/info messages shown to the user */
  messages: typeof shownMessages;
  /** CSV forecasting: the open forecast panels */
  forecast: ForecastApi;
  /** the webview panels: the dashboard's run history, the open panels */
  panels: ReturnType<typeof registerPanels>;
  /** autocomplete: its state and its inline-completion provider */
  completion: ReturnType<typeof registerCompletion>;
}

let training: TrainingService | undefined;

export function activate(context: vscode.ExtensionContext): SeqlabApi {
  const t0 = performance.now();
  training = new TrainingService(path.join(context.extensionPath, 'dist', 'worker.js'));
  const store = new ModelStore(context.globalStorageUri, (dir) => training!.isLive(dir));
  context.subscriptions.push(store, training, { dispose: disposeLog });
  const deps = { store, training };
  // every feature registers itself the same way: registerX(context, deps) subscribes what it creates and returns its API
  const { tree, treeView } = registerModelsView(context, store, training);
  const commands = registerCommands(context, { ...deps, tree });
  const completion = registerCompletion(context, deps);
  context.subscriptions.push(tree.useAutocompleteSource(() => completion.ctrl.modelDir, completion.ctrl.onDidChange));
  const panels = registerPanels(context, deps);
  const forecast = registerForecast(context, deps);
  const times = activationTimes(t0);
  // the log channel is created on first use, not here
  const line = `Sequence Lab activated in ${times.activationMs.toFixed(1)} ms (code loading ${times.codeLoadingMs?.toFixed(1) ?? '?'} ms)`;
  setTimeout(() => log().info(line), 2000).unref?.();
  return { ...times, ...deps, tree, treeView, commands, messages: shownMessages, forecast, panels, completion };
}

export function deactivate(): void {
  // runs still going get a stop request (they keep their last checkpoint); see TrainingService.dispose
  training = undefined;
}
