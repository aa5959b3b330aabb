/**
 * Inline ghost-text autocomplete from a trained char model. `registerCompletion(context, deps)` is the
 * only entry point (called from extension.ts); everything else lives in this folder. Commands:
 *   seqlab.useModelForAutocomplete      (ModelEntry from the Models view | { model: name or folder } | name)
 *   seqlab.toggleAutocomplete           (optional boolean) → the new on/off state
 *   seqlab.showAutocompleteStatistics   → the statistics shown
 *   seqlab.trainAutocompleteModel       (optional TrainWorkspaceArgs) → files/characters used and the run
 * and, not in the palette: seqlab.completion.menu (status-bar menu), seqlab.completion.accepted (item command),
 * seqlab.completion.snooze (minutes; 0 resumes), seqlab.completion.state (diagnostics for tests); and
 *   seqlab.completion.trigger (Alt+\: a suggestion now; the only way in manual mode)
 *   seqlab.completion.acceptLine (Ctrl+Alt+Enter: the next line of a multi-line suggestion)
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMPLETION_COMMANDS } from '../commandIds';
import { ONNX_FILE } from '../../protocol/model';
import { log, showFailure, showInfo } from '../log';
import { type ModelEntry, type ModelStore, userError } from '../modelStore';
import type { TrainingService } from '../trainingService';
import { withLanguage } from './languages';
import { CompletionController, SNOOZE_MS } from './controller';
import { SeqlabInlineProvider } from './provider';
import { SECTION } from './settings';
import { trainOnWorkspace, type TrainWorkspaceArgs } from './trainWorkspace';

export interface CompletionDeps {
  store: ModelStore;
  training: TrainingService;
}

export function registerCompletion(context: vscode.ExtensionContext, deps: CompletionDeps): { ctrl: CompletionController; provider: SeqlabInlineProvider } {
  const ctrl = new CompletionController(context, deps.store);
  const provider = new SeqlabInlineProvider(ctrl);
  const reg = (id: string, fn: (...a: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  context.subscriptions.push(
    ctrl,
    vscode.languages.registerInlineCompletionItemProvider([{ scheme: 'file' }, { scheme: 'untitled' }], provider),
    vscode.workspace.onDidChangeTextDocument((e) => ctrl.documentChanged(e)),
    vscode.workspace.onDidCloseTextDocument((d) => ctrl.documentClosed(d)),
  );

  const cmds = new CompletionCommands(ctrl, deps);
  reg(COMPLETION_COMMANDS.useModel, (a) => cmds.useModel(a));
  reg(COMPLETION_COMMANDS.toggle, (a) => cmds.toggle(a));
  reg(COMPLETION_COMMANDS.showStats, () => cmds.showStats());
  reg(COMPLETION_COMMANDS.train, (a) => cmds.train(a));
  reg(COMPLETION_COMMANDS.menu, () => cmds.menu());
  reg(COMPLETION_COMMANDS.accepted, (n) => {
    ctrl.recordAccepted(typeof n === 'number' ? n : 0);
  });
  reg(COMPLETION_COMMANDS.trigger, () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger'));
  reg(COMPLETION_COMMANDS.acceptLine, () => vscode.commands.executeCommand('editor.action.inlineSuggest.acceptNextLine'));
  reg(COMPLETION_COMMANDS.snooze, (m) => ctrl.snooze(typeof m === 'number' ? m * 60_000 : SNOOZE_MS));
  reg(COMPLETION_COMMANDS.state, () => ({
    model: ctrl.modelDir,
    enabled: ctrl.enabled,
    snoozedUntil: ctrl.snoozedUntil,
    active: ctrl.active,
    engine: ctrl.engine,
    adapted: ctrl.adapter.count,
    adaptedHere: (() => {
      const doc = vscode.window.activeTextEditor?.document;
      return !!(doc && ctrl.modelDir && ctrl.adapter.completerFor(doc.uri, ctrl.modelDir));
    })(),
    error: ctrl.lastError,
    statusText: ctrl.statusText,
    last: provider.last,
    lastQuiet: provider.lastQuiet,
    heldBack: ctrl.heldBack,
    mixture: ctrl.mixture,
    stats: ctrl.stats.snapshot(),
  }));
  // the model in use may be deleted or renamed from the Models view
  context.subscriptions.push(
    deps.store.onDidChange(() => {
      const dir = ctrl.modelDir;
      if (dir && !existsSync(path.join(dir, ONNX_FILE)) && !deps.training.isLive(dir)) void ctrl.setModel(undefined);
    }),
  );
  return { ctrl, provider };
}

/** The autocomplete commands a user runs: choose the model, turn it on or off, statistics, the menu, train a model. */
export class CompletionCommands {
  constructor(
    private readonly ctrl: CompletionController,
    private readonly deps: CompletionDeps,
  ) {}

  async useModel(a?: unknown): Promise<string | undefined> {
    try {
      let entry: ModelEntry | undefined;
      if (isEntry(a)) entry = (await this.deps.store.get(a.dir)) ?? a;
      else {
        const ref =
          typeof a === 'string'
            ? a
            : a && typeof a === 'object' && typeof (a as { model?: unknown }).model === 'string'
              ? (a as { model: string }).model
              : undefined;
        if (ref !== undefined) {
          entry = await this.deps.store.get(ref);
          if (!entry) throw userError(vscode.l10n.t('There is no model named "{0}".', ref));
        } else {
          const usable = (await this.deps.store.list()).filter(usableForCompletion);
          if (usable.length === 0) {
            void showInfo(vscode.l10n.t('There is no trained character model yet. Train one first, e.g. with "Train Autocomplete Model on Workspace…".'));
            return undefined;
          }
          const current = this.ctrl.modelDir;
          const pick = await vscode.window.showQuickPick(
            usable.map((e) => ({
              label: e.name,
              entry: e,
              description: [
                e.card ? `${e.card.config.cell.toUpperCase()} ${e.card.config.layers}×${e.card.config.hidden}` : '',
                e.card?.bestValBpc != null ? vscode.l10n.t('{0} bits/char', e.card.bestValBpc.toFixed(2)) : '',
                e.dir === current ? vscode.l10n.t('in use') : '',
              ]
                .filter(Boolean)
                .join(' · '),
            })),
            { title: vscode.l10n.t('Use which model for autocomplete?') },
          );
          if (!pick) return undefined;
          entry = pick.entry;
        }
      }
      if (!usableForCompletion(entry)) {
        throw userError(
          entry.card?.config.kind === 'regression'
            ? vscode.l10n.t('"{0}" is a forecasting model; autocomplete needs a character model.', entry.name)
            : vscode.l10n.t('"{0}" has no {1} yet, so it cannot be used for autocomplete.', entry.name, ONNX_FILE),
        );
      }
      await this.ctrl.setModel(entry.dir);
      log().info(`[autocomplete] model: ${entry.dir}`);
      if (!this.ctrl.enabled) void showInfo(vscode.l10n.t('Autocomplete will use "{0}". It is switched off; turn it on from the status bar.', entry.name));
      return entry.name;
    } catch (e) {
      showFailure('', e);
      return undefined;
    }
  }

  async toggle(a?: unknown): Promise<boolean> {
    const on = typeof a === 'boolean' ? a : !(this.ctrl.enabled && !this.ctrl.snoozedUntil);
    await this.ctrl.setEnabled(on);
    return on;
  }

  showStats(): Record<string, unknown> {
    const s = this.ctrl.stats;
    const ms = (v: number | null) => (v === null ? '–' : v.toFixed(1));
    const rate = s.acceptRate === null ? '–' : `${(100 * s.acceptRate).toFixed(0)}%`;
    const text = vscode.l10n.t(
      'Autocomplete statistics (local only, since {0}): {1} suggestions shown, {2} accepted ({3}), {4} characters saved; latency p50 {5} ms, p95 {6} ms over {7} requests.',
      new Date(s.snapshot().since).toLocaleString(),
      s.shown,
      s.accepted,
      rate,
      s.charsSaved,
      ms(s.p50),
      ms(s.p95),
      s.requests,
    );
    const reset = vscode.l10n.t('Reset');
    void showInfo(text, reset).then((r) => {
      if (r === reset) void this.ctrl.resetStats();
    });
    return { text, shown: s.shown, accepted: s.accepted, charsSaved: s.charsSaved, requests: s.requests, p50: s.p50, p95: s.p95 };
  }

  async menu(): Promise<void> {
    const lang = vscode.window.activeTextEditor?.document.languageId;
    const snoozed = this.ctrl.snoozedUntil;
    type Item = vscode.QuickPickItem & { run(): unknown };
    const items: Item[] = [
      this.ctrl.enabled
        ? { label: '$(circle-slash) ' + vscode.l10n.t('Turn Autocomplete Off'), run: () => this.toggle(false) }
        : { label: '$(check) ' + vscode.l10n.t('Turn Autocomplete On'), run: () => this.toggle(true) },
      snoozed
        ? {
            label: '$(play) ' + vscode.l10n.t('Resume Now'),
            description: vscode.l10n.t('snoozed until {0}', new Date(snoozed).toLocaleTimeString()),
            run: () => this.ctrl.snooze(0),
          }
        : { label: '$(clock) ' + vscode.l10n.t('Snooze for 30 Minutes'), run: () => this.ctrl.snooze(SNOOZE_MS) },
    ];
    if (lang) {
      const on = this.ctrl.activeFor(lang) || !this.ctrl.active;
      const cfg = vscode.workspace.getConfiguration(SECTION);
      items.push({
        label: '$(symbol-misc) ' + (on ? vscode.l10n.t('Turn Off for {0}', lang) : vscode.l10n.t('Turn On for {0}', lang)),
        run: () => cfg.update('languages', withLanguage(cfg.get('languages'), lang, !on), vscode.ConfigurationTarget.Global),
      });
    }
    items.push(
      { label: '$(symbol-text) ' + vscode.l10n.t('Choose Model…'), description: this.ctrl.modelName, run: () => this.useModel() },
      { label: '$(graph) ' + vscode.l10n.t('Show Statistics'), run: () => this.showStats() },
      { label: '$(gear) ' + vscode.l10n.t('Open Settings'), run: () => vscode.commands.executeCommand('workbench.action.openSettings', SECTION) },
    );
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Sequence Lab Autocomplete') });
    await pick?.run();
  }

  async train(a?: unknown): Promise<unknown> {
    try {
      const args = a && typeof a === 'object' && !(a instanceof vscode.Uri) ? (a as TrainWorkspaceArgs) : undefined;
      if (this.deps.store.blockedByTrust)
        throw userError(vscode.l10n.t('This workspace is in Restricted Mode, so Sequence Lab does not train on its files. Trust the workspace first.'));
      return await trainOnWorkspace(args, {
        exists: (n) => this.deps.store.exists(n),
        done: (id) => this.deps.training.get(id)?.done,
        onTrained: async (dir, name) => {
          if (!this.ctrl.modelDir) {
            await this.ctrl.setModel(dir);
            void showInfo(vscode.l10n.t('"{0}" is trained and now used for autocomplete.', name));
            return;
          }
          const use = vscode.l10n.t('Use for Autocomplete');
          // not awaited: the question stays open as long as the user likes
          void showInfo(vscode.l10n.t('"{0}" is trained. Use it for autocomplete instead of "{1}"?', name, this.ctrl.modelName ?? ''), use).then((r) =>
            r === use ? this.ctrl.setModel(dir) : undefined,
          );
        },
      });
    } catch (e) {
      showFailure('', e);
      return { error: (e as Error).message };
    }
  }
}

function isEntry(a: unknown): a is ModelEntry {
  return !!a && typeof a === 'object' && typeof (a as ModelEntry).dir === 'string' && typeof (a as ModelEntry).status === 'string';
}

function usableForCompletion(e: ModelEntry): boolean {
  return e.hasOnnx && (e.card?.config.kind ?? 'char') === 'char' && e.status !== 'unreadable';
}
