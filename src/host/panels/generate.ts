/**
 * The generation panel: model picker, prime (default: the selection), length, temperature, top-k, top-p, seed,
 * greedy/sample; the output streams in from the inference worker with each character's probability and top-5
 * candidates; Insert at Cursor, Open in New Editor, Copy, Regenerate.
 */
import * as vscode from 'vscode';
import type { GenerateSettings } from '../../protocol/webview';
import type { ModelStore } from '../modelStore';
import { Panel, PanelSlot } from './base';
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

export class GeneratePanel extends Panel<'generate'> {
  static readonly slot = new PanelSlot<GeneratePanel>('generate');
  static get current(): GeneratePanel | undefined {
    return GeneratePanel.slot.current;
  }
  private reqId: number | undefined;
  private readonly use: vscode.Disposable;
  /** the last finished generation (tests read it) */
  lastResult?: { text: string; stoppedBy: string; engine: string; ms: number };

  static show(deps: GenerateDeps, args: GenerateArgs & { modelDir?: string }): GeneratePanel {
    const create = (panel: vscode.WebviewPanel) => new GeneratePanel(panel, deps, args);
    // a new invocation (new selection, model or settings) starts the webview afresh with them
    const reuse = (cur: GeneratePanel) => {
      cur.args = { ...cur.args, ...args };
      cur.load();
    };
    return GeneratePanel.slot.open(deps.extensionUri, vscode.l10n.t('Generate Text'), create, reuse);
  }

  static revive(panel: vscode.WebviewPanel, deps: GenerateDeps): GeneratePanel {
    return GeneratePanel.slot.revive(panel, deps.extensionUri, (p) => new GeneratePanel(p, deps, {}));
  }

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: GenerateDeps,
    private args: GenerateArgs & { modelDir?: string },
  ) {
    super('generate', panel, deps.extensionUri, vscode.l10n.t('Generate Text'));
    this.use = deps.infer.acquire();
    this.handleReady();
    this.handleRun();
    this.handleOutput();
    this.subs.push(deps.store.onDidChange(() => void this.pushModels()));
  }

  protected override closed(): void {
    if (this.reqId !== undefined) {
      try {
        this.deps.infer.rpc.notify('infer/cancel', { reqId: this.reqId });
      } catch {
        /* worker gone */
      }
    }
    this.use.dispose();
  }

  /** The webview's handshake: the models, the settings (the command's, the selection as prime), auto-run. */
  private handleReady(): void {
    const deps = this.deps;
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
  }

  /** Generate (one request at a time: a new run cancels the last), streaming chunks; Cancel. */
  private handleRun(): void {
    const deps = this.deps;
    this.rpc.handle('generate/run', async ({ model, settings }) => {
      const modelDir = await checkedModel(deps.store, model);
      if (this.reqId !== undefined) deps.infer.rpc.notify('infer/cancel', { reqId: this.reqId });
      const reqId = deps.infer.reqId();
      this.reqId = reqId;
      const sub = deps.infer.on('infer/chunk', (c) => {
        if (c.reqId === reqId) this.rpc.notify('generate/chunk', { chars: c.chars });
      });
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
  }

  /** Where the text goes: insert at the cursor, a new editor, the clipboard. */
  private handleOutput(): void {
    const deps = this.deps;
    this.rpc.handle('generate/insert', async ({ text }) => {
      const ed = deps.lastEditor();
      if (!ed) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Open an editor to insert the text into.'));
        return false;
      }
      const ok = await ed.edit((b) => {
        for (const s of ed.selections) b.replace(s, text);
      });
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
  }

  private async pushModels(): Promise<void> {
    this.rpc.notify('generate/models', { models: await textModels(this.deps.store), selected: this.args.modelDir });
  }
}
