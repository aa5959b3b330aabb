/**
 * Sequence Lab: activate() wires things together and nothing more. No engine, no onnxruntime, no webview
 * bundle and no worker is loaded here; training starts a worker thread (dist/worker.js) per run.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { Commands } from './host/commands';
import { ModelCommands } from './host/modelCommands';
import { disposeLog, log, shownMessages } from './host/log';
import { ModelStore } from './host/modelStore';
import { ModelsTreeProvider } from './host/modelsTree';
import { TrainingService } from './host/trainingService';
import { registerCompletion } from './host/completion';
import { registerPanels } from './host/panels';
import { type ForecastApi, registerForecast } from './host/forecast';

/** What activate() returns: used by the integration tests (and by other extensions, read-only). */
export interface SeqlabApi {
  /** ms spent inside activate() */
  activationMs: number;
  /** ms from the bundle starting to load to activate() being called (VS Code's "code loading"); undefined unbundled */
  codeLoadingMs?: number;
  /** CPU ms the extension-host process spent from the bundle starting to load to the end of activate() (load-independent) */
  activationCpuMs?: number;
  /** the same for the extension host's main thread alone (Linux: /proc/thread-self/schedstat); undefined elsewhere */
  activationThreadCpuMs?: number;
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
}

let training: TrainingService | undefined;
declare const __seqlabLoadStart: number | undefined; // set by the esbuild banner
declare const __seqlabLoadCpu: NodeJS.CpuUsage | undefined; // set by the esbuild banner
declare const __seqlabLoadThreadNs: number | undefined; // set by the esbuild banner (Linux)

/** this thread's CPU time in ns (Linux), else undefined */
function threadCpuNs(): number | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const v = Number((require('node:fs') as typeof import('node:fs')).readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function activate(context: vscode.ExtensionContext): SeqlabApi {
  const t0 = performance.now();
  const codeLoadingMs = typeof __seqlabLoadStart === 'number' ? t0 - __seqlabLoadStart : undefined;
  training = new TrainingService(path.join(context.extensionPath, 'dist', 'worker.js'));
  const svc = training;
  const store = new ModelStore(context.globalStorageUri, (dir) => svc.isLive(dir));
  const tree = new ModelsTreeProvider(store, svc);
  const treeView = vscode.window.createTreeView('seqlab.models', { treeDataProvider: tree, showCollapseAll: false });
  const updateMessage = () => {
    treeView.message = store.blockedByTrust
      ? vscode.l10n.t(
          'Restricted Mode: models in this workspace are not loaded, because model files from an untrusted folder could be crafted to attack the loaders. Trust the workspace to see them.',
        )
      : undefined;
  };
  updateMessage();
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(updateMessage), store.onDidChange(updateMessage));
  const commands = new Commands(store, svc, tree);
  commands.register(context);
  new ModelCommands(store, svc).register(context);
  const completion = registerCompletion(context, { store, training: svc });
  context.subscriptions.push(tree.useAutocompleteSource(() => completion.modelDir, completion.onDidChange));
  const panels = registerPanels(context, { store, training: svc });
  const forecast = registerForecast(context, { store, training: svc });
  context.subscriptions.push(store, tree, treeView, svc, { dispose: disposeLog });
  const activationMs = performance.now() - t0;
  const cpu = typeof __seqlabLoadCpu === 'object' ? process.cpuUsage(__seqlabLoadCpu) : undefined;
  const activationCpuMs = cpu ? (cpu.user + cpu.system) / 1000 : undefined;
  const nowNs = typeof __seqlabLoadThreadNs === 'number' && Number.isFinite(__seqlabLoadThreadNs) ? threadCpuNs() : undefined;
  const activationThreadCpuMs = nowNs !== undefined ? (nowNs - __seqlabLoadThreadNs!) / 1e6 : undefined;
  // the log channel is created on first use, not here
  setTimeout(() => log().info(`Sequence Lab activated in ${activationMs.toFixed(1)} ms (code loading ${codeLoadingMs?.toFixed(1) ?? '?'} ms)`), 2000).unref?.();
  return {
    activationMs,
    codeLoadingMs,
    activationCpuMs,
    activationThreadCpuMs,
    store,
    training: svc,
    tree,
    treeView: treeView as vscode.TreeView<unknown>,
    commands,
    messages: shownMessages,
    forecast,
    panels,
  };
}

export function deactivate(): void {
  // runs still going get a stop request (they keep their last checkpoint); see TrainingService.dispose
  training = undefined;
}
