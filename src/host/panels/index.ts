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

export interface PanelDeps { store: ModelStore; training: TrainingService }

export interface PanelsApi {
  history: DashboardHistory;
  infer: InferClient;
  dashboard(): DashboardPanel | undefined;
  generate(): GeneratePanel | undefined;
  hidden(): HiddenPanel | undefined;
}

const obj = (a: unknown): Record<string, unknown> => (a && typeof a === 'object' && !(a instanceof vscode.Uri) ? a as Record<string, unknown> : {});

export function registerPanels(context: vscode.ExtensionContext, deps: PanelDeps): PanelsApi {
  const extensionUri = context.extensionUri;
  const history = new DashboardHistory(deps.training, context.workspaceState);
  const infer = new InferClient(path.join(context.extensionPath, 'dist', 'infer-worker.js'));
  let lastEditor = vscode.window.activeTextEditor;
  const subs: vscode.Disposable[] = [history, infer];
  subs.push(vscode.window.onDidChangeActiveTextEditor((e) => { if (e) lastEditor = e; }));
  const editor = () => vscode.window.activeTextEditor ?? (lastEditor && !lastEditor.document.isClosed ? lastEditor : undefined);

  const genDeps: GenerateDeps = { extensionUri, store: deps.store, infer, lastEditor: editor };
  const hidDeps: HiddenDeps = { extensionUri, store: deps.store, infer, lastEditor: editor };
  const dashDeps: DashboardDeps = {
    extensionUri, history, training: deps.training,
    generate: (modelDir) => vscode.commands.executeCommand(PANEL_COMMANDS.generateText, { model: modelDir }),
    revealModel: (modelDir) => vscode.commands.executeCommand(COMMANDS.revealModel, { model: path.basename(modelDir) }),
  };

  subs.push(vscode.commands.registerCommand(PANEL_COMMANDS.openDashboard, async (a?: unknown) => {
    const o = obj(a);
    let runId = typeof o.runId === 'string' ? o.runId : undefined;
    // a model (from the Models view, or { model }) trained elsewhere: the curves of its run's log
    if (!runId && ((a as { dir?: unknown })?.dir !== undefined || typeof o.model === 'string')) {
      const dir = await resolveModelRef(deps.store, (a as { dir?: unknown }).dir !== undefined ? a : o.model);
      const entry = dir ? await deps.store.get(dir) : undefined;
      if (dir) runId = history.addLog(dir, entry?.name ?? path.basename(dir), plainValues(entry?.card?.options));
    }
    return DashboardPanel.show(dashDeps, runId) !== undefined;
  }));
  subs.push(vscode.commands.registerCommand(PANEL_COMMANDS.generateText, async (a?: unknown) => {
    const o = obj(a);
    const modelDir = await resolveModelRef(deps.store, (o as { dir?: unknown }).dir !== undefined ? a : o.model);
    GeneratePanel.show(genDeps, { ...(o as GenerateArgs), modelDir });
    return true;
  }));
  subs.push(vscode.commands.registerCommand(PANEL_COMMANDS.showHiddenStates, async (a?: unknown) => {
    const o = obj(a);
    const modelDir = await resolveModelRef(deps.store, (o as { dir?: unknown }).dir !== undefined ? a : o.model);
    await HiddenPanel.show(hidDeps, { ...(o as HiddenArgs), modelDir });
    return true;
  }));

  subs.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.dashboard, {
    async deserializeWebviewPanel(panel) { DashboardPanel.revive(panel, dashDeps); },
  }));
  subs.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.generate, {
    async deserializeWebviewPanel(panel) { GeneratePanel.revive(panel, genDeps); },
  }));
  subs.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.hidden, {
    async deserializeWebviewPanel(panel, state) { HiddenPanel.revive(panel, hidDeps, state); },
  }));
  context.subscriptions.push(...subs);
  return {
    history, infer,
    dashboard: () => DashboardPanel.current, generate: () => GeneratePanel.current, hidden: () => HiddenPanel.current,
  };
}
