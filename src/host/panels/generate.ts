/**
 * The generation panel: model picker, prime (default: the selection), length, temperature, top-k, top-p, seed,
 * greedy/sample; the output streams in from the inference worker with each character's probability and top-5
 * candidates; Insert at Cursor, Open in New Editor, Copy, Regenerate.
 */
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import type { GenerateSettings, HostPanelRpc } from '../../protocol/webview';
import type { ModelStore } from '../modelStore';
import { attachRpc, panelHtml, VIEW_TYPES, webviewOptions } from './base';
import type { InferClient } from './inferClient';
import { checkedModel, textModels } from './models';
import { webviewStrings } from './strings';

export interface GenerateDeps {
  extensionUri: vscode.Uri;
  store: ModelStore;
  infer: InferClient;
  /** the text editor the user was in before the panel took focus */
  lastEditor(): vscode.TextEditor | undefined;
}

export interface GenerateArgs extends Partial<GenerateSettings> {
  /** model name or folder */
  model?: string;
  /** start generating as soon as the panel is ready */
  run?: boolean;
}

export const DEFAULT_SETTINGS: GenerateSettings = { prime: '', length: 300, temperature: 0.8, topK: 0, topP: 1, seed: 1, greedy: false };

export class GeneratePanel extends Disposable {
  static current: GeneratePanel | undefined;
  readonly rpc: HostPanelRpc<'generate'>;
  private reqId: number | undefined;
  /** the last finished generation (tests read it) */
  lastResult?: { text: string; stoppedBy: string; engine: string; ms: number };

  static show(deps: GenerateDeps, args: GenerateArgs & { modelDir?: string }): GeneratePanel {
    const cur = GeneratePanel.current;
    if (cur) {
      // a new invocation (new selection, model or settings) starts the webview afresh with them
      cur.args = { ...cur.args, ...args };
      cur.panel.webview.html = panelHtml(cur.panel.webview, deps.extensionUri, 'generate', vscode.l10n.t('Generate Text'));
      cur.panel.reveal(undefined, false);
      return cur;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPES.generate, vscode.l10n.t('Generate Text'),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, webviewOptions(deps.extensionUri));
    return new GeneratePanel(panel, deps, args);
  }

  static revive(panel: vscode.WebviewPanel, deps: GenerateDeps): GeneratePanel {
    GeneratePanel.current?.panel.dispose();
    panel.webview.options = webviewOptions(deps.extensionUri);
    return new GeneratePanel(panel, deps, {});
  }

  private constructor(readonly panel: vscode.WebviewPanel, private readonly deps: GenerateDeps, private args: GenerateArgs & { modelDir?: string }) {
    super();
    GeneratePanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'seqlab.svg');
    panel.webview.html = panelHtml(panel.webview, deps.extensionUri, 'generate', vscode.l10n.t('Generate Text'));
    this.rpc = attachRpc('generate', panel);
    const use = deps.infer.acquire();
    this.rpc.handle('generate/ready', async () => {
      const models = await textModels(deps.store);
      const a = this.args;
      const settings: GenerateSettings = {
        ...DEFAULT_SETTINGS,
        ...Object.fromEntries(Object.entries(a).filter(([k, v]) => k in DEFAULT_SETTINGS && v !== undefined)),
      };
      if (a.prime === undefined) {
        const ed = deps.lastEditor();
        const sel = ed && !ed.selection.isEmpty ? ed.document.getText(ed.selection) : '';
        settings.prime = sel.slice(-2000);
      }
      const selected = a.modelDir ?? models.find((m) => m.name === a.model || m.id === a.model)?.id;
      const init = { models, selected, settings, autoRun: a.run === true, strings: webviewStrings('generate') };
      this.args = { modelDir: a.modelDir }; // a reload restores the webview's own state, not the command's
      return init;
    });
    this.rpc.handle('generate/run', async ({ model, settings }) => {
      const modelDir = await checkedModel(deps.store, model);
      if (this.reqId !== undefined) deps.infer.rpc.notify('infer/cancel', { reqId: this.reqId });
      const reqId = deps.infer.reqId();
      this.reqId = reqId;
      const sub = deps.infer.on('infer/chunk', (c) => { if (c.reqId === reqId) this.rpc.notify('generate/chunk', { chars: c.chars }); });
      try {
        const r = await deps.infer.rpc.request('infer/generate', { reqId, modelDir, settings, chunk: 8 });
        this.lastResult = r;
        return r;
      } finally {
        sub.dispose();
        if (this.reqId === reqId) this.reqId = undefined;
      }
    });
    this.rpc.handle('generate/cancel', () => {
      if (this.reqId === undefined) return false;
      deps.infer.rpc.notify('infer/cancel', { reqId: this.reqId });
      return true;
    });
    this.rpc.handle('generate/insert', async ({ text }) => {
      const ed = deps.lastEditor();
      if (!ed) { void vscode.window.showInformationMessage(vscode.l10n.t('Open an editor to insert the text into.')); return false; }
      const ok = await ed.edit((b) => { for (const s of ed.selections) b.replace(s, text); });
      await vscode.window.showTextDocument(ed.document, ed.viewColumn);
      return ok;
    });
    this.rpc.handle('generate/openEditor', async ({ text }) => {
      const doc = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside });
      return true;
    });
    this.rpc.handle('generate/copy', async ({ text }) => {
      await vscode.env.clipboard.writeText(text);
      void vscode.window.setStatusBarMessage(vscode.l10n.t('Generated text copied.'), 3000);
      return true;
    });
    this.subs.push(deps.store.onDidChange(() => void this.pushModels()));
    panel.onDidDispose(() => {
      if (this.reqId !== undefined) { try { deps.infer.rpc.notify('infer/cancel', { reqId: this.reqId }); } catch { /* worker gone */ } }
      this.dispose();
      use.dispose();
      if (GeneratePanel.current === this) GeneratePanel.current = undefined;
    });
  }

  private async pushModels(): Promise<void> {
    this.rpc.notify('generate/models', { models: await textModels(this.deps.store), selected: this.args.modelDir });
  }
}
