/**
 * registerPanels(): the three webview panels, their commands and serializers. Called once from activate().
 *
 * Commands (each takes an options object so tests and keybindings run them without prompts; from the Models
 * view they get the ModelEntry):
 *   seqlab.openDashboard      { runId? }
 *   seqlab.generateText       { model?, prime?, length?, temperature?, topK?, topP?, seed?, greedy?, run? }
 *   seqlab.showHiddenStates   { model?, text?, file?, run?, exportDir? }
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, PANEL_COMMANDS } from '../commandIds';
import type { ModelStore } from '../modelStore';
import type { TrainingService } from '../trainingService';
import { VIEW_TYPES } from './base';
import { DashboardHistory, DashboardPanel, type DashboardDeps, plainValues } from './dashboard';
import { GeneratePanel, type GenerateArgs, type GenerateDeps } from './generate';
import { HiddenPanel, type HiddenArgs, type HiddenDeps } from './hidden';
import { InferClient } from './inferClient';
import { resolveModelRef } from './models';

export interface PanelDeps {
  store: ModelStore;
  training: TrainingService;
}

export interface PanelsApi {
  history: DashboardHistory;
  infer: InferClient;
  dashboard(): DashboardPanel | undefined;
  generate(): GeneratePanel | undefined;
  hidden(): HiddenPanel | undefined;
}

/** The three panel commands; each takes an options object, or the ModelEntry from the Models view. */
function panelCommands(
  store: ModelStore,
  history: DashboardHistory,
  d: { dashDeps: DashboardDeps; genDeps: GenerateDeps; hidDeps: HiddenDeps },
): vscode.Disposable[] {
  const modelOf = (a: unknown) => resolveModelRef(store, (a as { dir?: unknown } | undefined)?.dir !== undefined ? a : obj(a).model);
  return [
    vscode.commands.registerCommand(PANEL_COMMANDS.openDashboard, async (a?: unknown) => {
      const o = obj(a);
      let runId = typeof o.runId === 'string' ? o.runId : undefined;
      // a model (from the Models view, or { model }) trained elsewhere: the curves of its run's log
      if (!runId && ((a as { dir?: unknown })?.dir !== undefined || typeof o.model === 'string')) {
        const dir = await modelOf(a);
        const entry = dir ? await store.get(dir) : undefined;
        if (dir) runId = history.addLog(dir, entry?.name ?? path.basename(dir), plainValues(entry?.card?.options));
      }
      return DashboardPanel.show(d.dashDeps, runId) !== undefined;
    }),
    vscode.commands.registerCommand(PANEL_COMMANDS.generateText, async (a?: unknown) => {
      GeneratePanel.show(d.genDeps, { ...(obj(a) as GenerateArgs), modelDir: await modelOf(a) });
      return true;
    }),
    vscode.commands.registerCommand(PANEL_COMMANDS.showHiddenStates, async (a?: unknown) => {
      await HiddenPanel.show(d.hidDeps, { ...(obj(a) as HiddenArgs), modelDir: await modelOf(a) });
      return true;
    }),
  ];
}

const obj = (a: unknown): Record<string, unknown> => (a && typeof a === 'object' && !(a instanceof vscode.Uri) ? (a as Record<string, unknown>) : {});

export function registerPanels(context: vscode.ExtensionContext, deps: PanelDeps): PanelsApi {
  const extensionUri = context.extensionUri;
  const history = new DashboardHistory(deps.training, context.workspaceState);
  const infer = new InferClient(path.join(context.extensionPath, 'dist', 'infer-worker.js'));
  let lastEditor = vscode.window.activeTextEditor;
  const subs: vscode.Disposable[] = [history, infer];
  subs.push(
    vscode.window.onDidChangeActiveTextEditor((e) => {
      if (e) lastEditor = e;
    }),
  );
  const editor = () => vscode.window.activeTextEditor ?? (lastEditor && !lastEditor.document.isClosed ? lastEditor : undefined);

  const genDeps: GenerateDeps = { extensionUri, store: deps.store, infer, lastEditor: editor };
  const hidDeps: HiddenDeps = { extensionUri, store: deps.store, infer, lastEditor: editor };
  const dashDeps: DashboardDeps = {
    extensionUri,
    history,
    training: deps.training,
    generate: (modelDir) => vscode.commands.executeCommand(PANEL_COMMANDS.generateText, { model: modelDir }),
    revealModel: (modelDir) => vscode.commands.executeCommand(COMMANDS.revealModel, { model: path.basename(modelDir) }),
  };

  subs.push(...panelCommands(deps.store, history, { dashDeps, genDeps, hidDeps }));
  const revivers: [string, (panel: vscode.WebviewPanel, state: unknown) => unknown][] = [
    [VIEW_TYPES.dashboard, (panel) => DashboardPanel.revive(panel, dashDeps)],
    [VIEW_TYPES.generate, (panel) => GeneratePanel.revive(panel, genDeps)],
    [VIEW_TYPES.hidden, (panel, state) => HiddenPanel.revive(panel, hidDeps, state)],
  ];
  for (const [viewType, revive] of revivers) {
    subs.push(vscode.window.registerWebviewPanelSerializer(viewType, { deserializeWebviewPanel: async (panel, state) => void revive(panel, state) }));
  }
  context.subscriptions.push(...subs);
  return {
    history,
    infer,
    dashboard: () => DashboardPanel.current,
    generate: () => GeneratePanel.current,
    hidden: () => HiddenPanel.current,
  };
}
