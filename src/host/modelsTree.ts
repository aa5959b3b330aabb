/** The "Models" view: one item per model folder, plus queued runs that have no folder yet. */
import * as vscode from 'vscode';
import { Disposable } from './disposable';
import { bits, fmtCount, fmtDuration } from './format';
import type { ModelEntry, ModelStore } from './modelStore';
import { progressLine, type TrainingService } from './trainingService';

export class ModelsTreeProvider extends Disposable implements vscode.TreeDataProvider<ModelEntry> {
  private readonly changed = new vscode.EventEmitter<ModelEntry | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private last: ModelEntry[] = [];
  private hasModels: boolean | undefined;

  constructor(
    private readonly store: ModelStore,
    private readonly training: TrainingService,
  ) {
    super();
    this.subs.push(store.onDidChange(() => this.changed.fire()));
    this.subs.push(training.onDidChange(() => this.changed.fire()));
  }

  refresh(): void {
    this.changed.fire();
  }

  private autocompleteDir: () => string | undefined = () => undefined;
  /** Where the autocomplete model comes from (the completion controller); the tooltip names the model in use. */
  useAutocompleteSource(get: () => string | undefined, onChange: vscode.Event<void>): vscode.Disposable {
    this.autocompleteDir = get;
    let last = get();
    return onChange(() => {
      const now = get();
      if (now !== last) {
        last = now;
        this.changed.fire();
      }
    });
  }

  /** The items the view shows now (what the last getChildren returned, recomputed). */
  async entries(): Promise<ModelEntry[]> {
    const onDisk = await this.store.list();
    const seen = new Set(onDisk.map((e) => e.dir));
    const queued: ModelEntry[] = this.training
      .active()
      .filter((j) => !seen.has(j.spec.outDir))
      .map((j) => ({ name: j.spec.name, dir: j.spec.outDir, status: j.state === 'queued' ? 'queued' : 'training', hasCheckpoint: false, hasOnnx: false }));
    this.last = [...onDisk, ...queued];
    return this.last;
  }

  async getChildren(element?: ModelEntry): Promise<ModelEntry[]> {
    if (element) return [];
    const items = await this.entries();
    if (items.length > 0 !== this.hasModels) {
      this.hasModels = items.length > 0;
      void vscode.commands.executeCommand('setContext', 'seqlab.hasModels', this.hasModels);
    }
    return items;
  }

  getTreeItem(e: ModelEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.None);
    item.id = e.dir;
    item.resourceUri = vscode.Uri.file(e.dir);
    const kind = e.card?.config.kind ?? 'char';
    const origin = e.card?.origin ?? 'trained';
    item.contextValue = `model-${e.status}-${kind}-${origin}`;
    const job = this.training.active().find((j) => j.spec.outDir === e.dir);
    if (job) {
      item.description = job.state === 'queued' ? vscode.l10n.t('queued') : job.progress ? progressLine(job.progress) : vscode.l10n.t('starting…');
      item.iconPath = new vscode.ThemeIcon('loading~spin');
      item.contextValue = `model-training-${kind}-${origin}`;
    } else {
      item.description = describe(e);
      item.iconPath = e.elsewhere ? new vscode.ThemeIcon('loading~spin') : icon(e);
      if (e.elsewhere) item.contextValue = `model-elsewhere-${kind}-${origin}`;
    }
    item.tooltip = tooltip(e, this.autocompleteDir() === e.dir);
    item.command = undefined;
    return item;
  }

  override dispose(): void {
    this.changed.dispose();
    super.dispose();
  }
}

export function describe(e: ModelEntry): string {
  const c = e.card;
  if (e.status === 'unreadable') return vscode.l10n.t('unreadable: {0}', e.error ?? '');
  if (!c) return statusText(e);
  const parts = [c.config.cell.toUpperCase(), `${c.config.layers}×${c.config.hidden}`, vscode.l10n.t('{0} params', fmtCount(c.params))];
  if (c.config.kind === 'char' && c.bestValLoss !== null) parts.push(vscode.l10n.t('{0} bits/char', (c.bestValBpc ?? bits(c.bestValLoss)).toFixed(2)));
  else if ((c as { forecast?: { test?: { rmse: number } | null } }).forecast?.test) {
    parts.push(vscode.l10n.t('test RMSE {0}', (c as { forecast?: { test?: { rmse: number } | null } }).forecast!.test!.rmse.toPrecision(4))); // CSV forecasters: original units
  } else if (c.bestValLoss !== null) parts.push(vscode.l10n.t('RMSE {0}', Math.sqrt(c.bestValLoss).toFixed(3)));
  if (e.elsewhere) parts.push(vscode.l10n.t('training in another window'));
  else if (e.status === 'interrupted') parts.push(vscode.l10n.t('interrupted'));
  else if (e.status === 'stopped') parts.push(vscode.l10n.t('stopped'));
  else if (e.status === 'failed') parts.push(vscode.l10n.t('failed'));
  return parts.join(' · ');
}

function icon(e: ModelEntry): vscode.ThemeIcon {
  if (e.status === 'unreadable') return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  if (e.status === 'failed') return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
  if (e.status === 'interrupted') return new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  const kind = e.card?.config.kind ?? 'char';
  if (e.card?.origin === 'imported') return new vscode.ThemeIcon(kind === 'char' ? 'package' : 'graph');
  return new vscode.ThemeIcon(kind === 'char' ? 'symbol-text' : 'graph-line');
}

function tooltip(e: ModelEntry, autocomplete = false): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(e.name)}**\n\n`);
  const c = e.card;
  if (!c) {
    md.appendMarkdown(e.error ? escapeMd(e.error) : escapeMd(statusText(e)));
    return md;
  }
  const rows: [string, string][] = [
    [vscode.l10n.t('Status'), statusText(e)],
    [vscode.l10n.t('Model'), `${c.config.cell.toUpperCase()} ${c.config.layers}×${c.config.hidden}${c.config.kind === 'char' ? `, emb ${c.config.emb}` : ''}`],
    [vscode.l10n.t('Parameters'), c.params.toLocaleString('en-US')],
  ];
  if (c.config.kind === 'char') rows.push([vscode.l10n.t('Vocabulary'), String(c.vocabSize)]);
  if (c.bestValLoss !== null) {
    rows.push([
      vscode.l10n.t('Best validation loss'),
      c.config.kind === 'char'
        ? vscode.l10n.t('{0} bits/char', (c.bestValBpc ?? bits(c.bestValLoss)).toFixed(3))
        : vscode.l10n.t('RMSE {0}', Math.sqrt(c.bestValLoss).toFixed(4)),
    ]);
  }
  rows.push([vscode.l10n.t('Data'), c.data.files.length ? c.data.files.map((f) => `\`${f}\``).join(', ') : '–']);
  rows.push([vscode.l10n.t('Characters'), fmtCount(c.data.chars)]);
  rows.push([vscode.l10n.t('Steps'), String(c.steps)]);
  rows.push([vscode.l10n.t('Training time'), fmtDuration(c.trainSeconds)]);
  rows.push([vscode.l10n.t('Date'), new Date(c.updatedAt || c.createdAt).toLocaleString()]);
  if (c.stopReason) rows.push([vscode.l10n.t('Ended'), escapeMd(c.stopReason)]);
  if (!e.hasOnnx) rows.push(['ONNX', vscode.l10n.t('not exported yet')]);
  if (autocomplete)
    rows.push([vscode.l10n.t('Autocomplete'), vscode.l10n.t('used for autocomplete in {0}', escapeMd(vscode.workspace.name ?? vscode.l10n.t('this window')))]);
  md.appendMarkdown(rows.map(([k, v]) => `${k}: ${v}`).join('  \n'));
  return md;
}

export function statusText(e: Pick<ModelEntry, 'status'>): string {
  switch (e.status) {
    case 'complete':
      return vscode.l10n.t('complete');
    case 'stopped':
      return vscode.l10n.t('stopped (best checkpoint kept)');
    case 'interrupted':
      return vscode.l10n.t('interrupted — use Continue Training to resume');
    case 'failed':
      return vscode.l10n.t('failed');
    case 'training':
      return vscode.l10n.t('training');
    case 'queued':
      return vscode.l10n.t('queued');
    default:
      return vscode.l10n.t('unreadable');
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The Models view: its tree, and the Restricted Mode message on it. */
export function registerModelsView(
  context: vscode.ExtensionContext,
  store: ModelStore,
  training: TrainingService,
): { tree: ModelsTreeProvider; treeView: vscode.TreeView<unknown> } {
  const tree = new ModelsTreeProvider(store, training);
  const treeView = vscode.window.createTreeView('seqlab.models', { treeDataProvider: tree, showCollapseAll: false });
  const updateMessage = () => {
    treeView.message = store.blockedByTrust
      ? vscode.l10n.t(
          'Restricted Mode: models in this workspace are not loaded, because model files from an untrusted folder could be crafted to attack the loaders. Trust the workspace to see them.',
        )
      : undefined;
  };
  updateMessage();
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(updateMessage), store.onDidChange(updateMessage), tree, treeView);
  return { tree, treeView: treeView as vscode.TreeView<unknown> };
}
