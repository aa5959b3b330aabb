/**
 * The hidden-state panel: runs the chosen model over the selection or the active file in the inference worker
 * (worker/hiddenStates.ts: h through onnxruntime, c and the gates computed when asked for), then the webview draws
 * the heatmap, the cell view, find-cells, the unit ranking and gate saturation, and exports PNG/CSV through
 * 'hidden/saveFile'. The insight tools (projector, saliency, ablation, probes, comparison: worker/insight) run in
 * the same worker on the same read; 'hidden/reveal' selects a position of the text in its editor.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HiddenMeta } from '../../protocol/webview';
import type { ModelStore } from '../modelStore';
import { Panel, PanelSlot } from './base';
import type { InferClient } from './inferClient';
import { checkedModel, textModels } from './models';
import { webviewStrings } from './strings';

/** characters read at most (long files are read in windows of 1,000 steps with the state carried) */
export const HIDDEN_MAX_CHARS = 50_000;

export interface HiddenDeps {
  extensionUri: vscode.Uri;
  store: ModelStore;
  infer: InferClient;
  lastEditor(): vscode.TextEditor | undefined;
}

export interface HiddenArgs {
  model?: string;
  /** text to read (default: the selection, else the active file) */
  text?: string;
  /** a file to read instead */
  file?: string;
  /** read as soon as the panel is ready (default true: the command says what the user wants; false waits for Run) */
  run?: boolean;
  /** write exports here without a save dialog (tests) */
  exportDir?: string;
}

export class HiddenPanel extends Panel<'hidden'> {
  static readonly slot = new PanelSlot<HiddenPanel>('hidden');
  static get current(): HiddenPanel | undefined {
    return HiddenPanel.slot.current;
  }
  private text = '';
  private source = '';
  /** where the read text sits in its document (for revealing positions in the editor) */
  private anchor?: { uri: vscode.Uri; offset: number };
  private readonly use: vscode.Disposable;
  lastMeta?: HiddenMeta;
  /** files written by exports (tests read it) */
  readonly exported: string[] = [];

  static async show(deps: HiddenDeps, args: HiddenArgs & { modelDir?: string }): Promise<HiddenPanel> {
    const src = await HiddenPanel.sourceText(deps, args);
    const p = HiddenPanel.slot.open(
      deps.extensionUri,
      vscode.l10n.t('Hidden States'),
      (panel) => new HiddenPanel(panel, deps, args),
      (cur) => {
        cur.args = args;
        cur.load();
      },
    );
    p.text = src.text;
    p.source = src.source;
    p.anchor = src.anchor;
    return p;
  }

  static revive(panel: vscode.WebviewPanel, deps: HiddenDeps, state: unknown): HiddenPanel {
    const p = HiddenPanel.slot.revive(panel, deps.extensionUri, (wp) => new HiddenPanel(wp, deps, {}));
    // the webview keeps the text it was showing in its state; the host takes it back (validated) after a reload
    const s = state as { text?: unknown; source?: unknown } | undefined;
    if (s && typeof s.text === 'string' && s.text.length <= 10 * HIDDEN_MAX_CHARS) {
      p.text = s.text;
      p.source = typeof s.source === 'string' ? s.source.slice(0, 500) : '';
    }
    return p;
  }

  private static async sourceText(deps: HiddenDeps, a: HiddenArgs): Promise<{ text: string; source: string; anchor?: { uri: vscode.Uri; offset: number } }> {
    if (typeof a.text === 'string') return { text: a.text, source: vscode.l10n.t('text given') };
    if (a.file) {
      const f = path.isAbsolute(a.file) ? a.file : path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', a.file);
      return { text: await fsp.readFile(f, 'utf8'), source: path.basename(f), anchor: { uri: vscode.Uri.file(f), offset: 0 } };
    }
    const ed = deps.lastEditor();
    if (!ed) return { text: '', source: '' };
    const name = path.basename(ed.document.uri.fsPath || ed.document.uri.path);
    const doc = ed.document;
    if (!ed.selection.isEmpty)
      return {
        text: doc.getText(ed.selection),
        source: vscode.l10n.t('selection in {0}', name),
        anchor: { uri: doc.uri, offset: doc.offsetAt(ed.selection.start) },
      };
    const all = doc.getText();
    if (all.length <= HIDDEN_MAX_CHARS) return { text: all, source: name, anchor: { uri: doc.uri, offset: 0 } };
    // a long file: the window the panel reads, around the cursor (the part the user is looking at)
    const at = doc.offsetAt(ed.selection.active);
    const start = Math.max(0, Math.min(all.length - HIDDEN_MAX_CHARS, at - HIDDEN_MAX_CHARS / 2));
    const from = doc.positionAt(start).line + 1,
      to = doc.positionAt(start + HIDDEN_MAX_CHARS).line + 1;
    return {
      text: all.slice(start, start + HIDDEN_MAX_CHARS),
      source: vscode.l10n.t('{0}, lines {1}–{2} around the cursor', name, from, to),
      anchor: { uri: doc.uri, offset: start },
    };
  }

  private constructor(
    panel: vscode.WebviewPanel,
    deps: HiddenDeps,
    private args: HiddenArgs & { modelDir?: string },
  ) {
    super('hidden', panel, deps.extensionUri, vscode.l10n.t('Hidden States'));
    this.use = deps.infer.acquire();
    this.rpc.handle('hidden/ready', async () => {
      const models = await textModels(deps.store);
      const a = this.args;
      const selected = a.modelDir ?? models.find((m) => m.name === a.model || m.id === a.model)?.id;
      const init = { models, selected, source: this.source, chars: [...this.text].length, autoRun: a.run !== false, strings: webviewStrings('hidden') };
      this.args = { modelDir: a.modelDir, exportDir: a.exportDir };
      return init;
    });
    this.rpc.handle('hidden/run', async ({ model }) => {
      const modelDir = await checkedModel(deps.store, model);
      if (!this.text)
        throw Object.assign(new Error(vscode.l10n.t('There is no text to read: select some text or open a file, then run "Show Hidden States" again.')), {
          code: 'user',
        });
      const meta = await deps.infer.rpc.request('infer/hidden', { modelDir, text: this.text, source: this.source, maxChars: HIDDEN_MAX_CHARS });
      this.lastMeta = meta;
      return meta;
    });
    this.rpc.handle('hidden/signal', (req) => deps.infer.rpc.request('infer/signal', req));
    this.rpc.handle('hidden/project', (req) => deps.infer.rpc.request('infer/project', req));
    this.rpc.handle('hidden/neighbours', (req) => deps.infer.rpc.request('infer/neighbours', req));
    this.rpc.handle('hidden/saliency', (req) => deps.infer.rpc.request('infer/saliency', req));
    this.rpc.handle('hidden/ablate', (req) => deps.infer.rpc.request('infer/ablate', req));
    this.rpc.handle('hidden/probe', (req) => deps.infer.rpc.request('infer/probe', req));
    this.rpc.handle('hidden/compare', async ({ model }) => {
      const modelDir = await checkedModel(deps.store, model);
      const name = (await textModels(deps.store)).find((m) => m.id === modelDir)?.name ?? path.basename(modelDir);
      return deps.infer.rpc.request('infer/compare', { modelDir, name });
    });
    this.rpc.handle('hidden/reveal', ({ start, end }) => this.reveal(start, end));
    this.rpc.handle('hidden/saveFile', (file) => this.saveFile(file));
    this.subs.push(deps.store.onDidChange(() => void textModels(deps.store).then((models) => this.rpc.notify('hidden/models', { models }))));
  }

  /** Select code points [start, end) of the read text in its document, beside the panel. */
  private async reveal(start: number, end: number): Promise<boolean> {
    if (!this.anchor) return false;
    const utf16 = (cp: number) => {
      let i = 0;
      for (let n = 0; n < cp && i < this.text.length; n++) i += (this.text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
      return i;
    };
    const doc = await vscode.workspace.openTextDocument(this.anchor.uri);
    const a = doc.positionAt(this.anchor.offset + utf16(start)),
      b = doc.positionAt(this.anchor.offset + utf16(Math.max(start, end)));
    const shown = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const ed = await vscode.window.showTextDocument(doc, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: true });
    ed.selection = new vscode.Selection(a, b);
    ed.revealRange(new vscode.Range(a, b), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return true;
  }

  protected override closed(): void {
    this.use.dispose();
  }

  /** Export PNG / CSV: to the tests' folder, or where the user picks in a save dialog. */
  private async saveFile({ kind, name, data }: { kind: 'png' | 'csv'; name: string; data: string }): Promise<boolean> {
    const base = name.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'hidden-states';
    const bytes = kind === 'png' ? Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64') : Buffer.from(data, 'utf8');
    if (kind === 'png' && !(bytes.length > 8 && bytes.readUInt32BE(0) === 0x89504e47)) throw new Error(vscode.l10n.t('The image could not be exported.'));
    let target: vscode.Uri | undefined;
    const dir = this.args.exportDir;
    if (dir) target = vscode.Uri.file(path.join(dir, `${base}.${kind}`));
    else {
      const ws = vscode.workspace.workspaceFolders?.[0]?.uri;
      target = await vscode.window.showSaveDialog({
        defaultUri: ws ? vscode.Uri.joinPath(ws, `${base}.${kind}`) : undefined,
        filters: kind === 'png' ? { [vscode.l10n.t('PNG image')]: ['png'] } : { [vscode.l10n.t('CSV table')]: ['csv'] },
        title: kind === 'png' ? vscode.l10n.t('Export the heatmap as PNG') : vscode.l10n.t('Export the activations as CSV'),
      });
    }
    if (!target) return false;
    await vscode.workspace.fs.writeFile(target, bytes);
    this.exported.push(target.fsPath);
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Saved {0}', path.basename(target.fsPath)), 4000);
    return true;
  }
}
