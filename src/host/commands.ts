/**
 * The training commands (train, recipes, stop, continue; the model commands are in modelCommands.ts). Each one also accepts an options object instead of prompting, so tests and
 * keybindings can run it, e.g. executeCommand('seqlab.train', { file, cell: 'lstm', preset: 'tiny', steps: 50, name }).
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';
import { resolveOptions, type TrainOptions } from '../engine/options';
import type { TrainSources } from '../protocol/worker';
import { defaultCell, defaultPreset, PRESET_NAMES, presetOptions, type PresetName } from './config';
import { checkSelectionText, checkSource, csvRoute, isCsv } from './inputs';
import { log, showFailure, showInfo } from './log';
import { userError, type ModelStore } from './modelStore';
import { statusText, type ModelsTreeProvider } from './modelsTree';
import { CommandGroup } from './commandGuard';
import { ModelCommands } from './modelCommands';
import { sanitizeModelName } from './names';
import type { TrainingService } from './trainingService';
import { asArgs, type Budget, budgetFromArgs, isEntry, pickBudget, pickCell, pickPreset, type TrainArgs, type TrainOutcome } from './trainArgs';

export type { TrainArgs, TrainOutcome } from './trainArgs';

export class Commands extends CommandGroup {
  constructor(
    store: ModelStore,
    private readonly training: TrainingService,
    private readonly tree: ModelsTreeProvider,
  ) {
    super(store);
  }

  register(context: vscode.ExtensionContext): void {
    const reg = (id: string, fn: (...a: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
    reg(COMMANDS.trainCurrentFile, (a) => this.trainCurrentFile(asArgs(a)));
    reg(COMMANDS.trainSelection, (a) => this.trainSelection(asArgs(a)));
    reg(COMMANDS.train, (a, b) => this.trainFile(a, b));
    reg(COMMANDS.trainFromExplorer, (a, b) => this.trainFile(a, b));
    reg(COMMANDS.runRecipe, (a) => this.runRecipe(a));
    reg(COMMANDS.stopTraining, (a) => this.stopTraining(a));
    reg(COMMANDS.continueTraining, (a) => this.continueTraining(a));
    reg(COMMANDS.refreshModels, () => {
      this.store.fire();
      this.tree.refresh();
    });
    reg(COMMANDS.showLog, () => log().show(true));
  }

  // ---------------------------------------------------------------- train

  async trainCurrentFile(args?: TrainArgs): Promise<TrainOutcome | undefined> {
    return this.guard(async () => {
      const routed = csvRoute(args); // a CSV file: the forecasting flow
      if (routed) return routed as Promise<TrainOutcome>;
      if (args?.file || args?.files) return this.trainFromSources(args, await this.fileSources(args));
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc) throw userError(vscode.l10n.t('Open a text file first: there is no active editor to train on.'));
      if (doc.uri.scheme === 'file' && isCsv(doc.uri.fsPath)) return csvRoute(doc.uri) as Promise<TrainOutcome>;
      const label = path.basename(doc.uri.fsPath || doc.uri.path) || 'untitled';
      if (doc.uri.scheme === 'file' && !doc.isDirty) {
        await checkSource(doc.uri.fsPath);
        return this.trainFromSources(args, { files: [doc.uri.fsPath] }, label);
      }
      // unsaved or untitled: train on what the editor shows
      const text = doc.getText();
      if (!text) throw userError(vscode.l10n.t('{0} is empty: there is nothing to train on.', label));
      checkSelectionText(text);
      return this.trainFromSources(args, { text, label }, label);
    });
  }

  async trainSelection(args?: TrainArgs): Promise<TrainOutcome | undefined> {
    return this.guard(async () => {
      let text = args?.text;
      let label = args?.label;
      if (text === undefined) {
        const ed = vscode.window.activeTextEditor;
        if (!ed) throw userError(vscode.l10n.t('Open a file and select some text to train on.'));
        text = ed.selections.map((s) => ed.document.getText(s)).join('\n');
        if (ed.selections.every((s) => s.isEmpty)) text = '';
        label = label ?? vscode.l10n.t('selection from {0}', path.basename(ed.document.uri.fsPath || ed.document.uri.path));
      }
      checkSelectionText(text);
      const base = label ?? vscode.l10n.t('selection');
      return this.trainFromSources(args, { text, label: base }, 'selection');
    });
  }

  /** "Train Model on File…" and the Explorer's "Train Sequence Model": (uri, uris) from menus, an options object, or a picker. */
  async trainFile(a?: unknown, b?: unknown): Promise<TrainOutcome | undefined> {
    return this.guard(async () => {
      const routed = csvRoute(a, b); // a CSV file: the forecasting flow
      if (routed) return routed as Promise<TrainOutcome>;
      let files: string[] | undefined;
      let args: TrainArgs | undefined;
      if (Array.isArray(b) && b.every((u) => u instanceof vscode.Uri)) files = (b as vscode.Uri[]).map((u) => u.fsPath);
      else if (a instanceof vscode.Uri) files = [a.fsPath];
      else if (a && typeof a === 'object') {
        args = a as TrainArgs;
        files = (await this.fileSources(args)).files;
      }
      if (!files || files.length === 0) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: true,
          canSelectFolders: true,
          canSelectMany: true,
          openLabel: vscode.l10n.t('Train on These'),
          title: vscode.l10n.t('Choose text files or a folder to train on'),
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        });
        if (!picked || picked.length === 0) return undefined;
        files = picked.map((u) => u.fsPath);
      }
      for (const f of files) await checkSource(f);
      const label = path.basename(files[0]).replace(/\.[^.]+$/, '');
      return this.trainFromSources(args, { files }, label);
    });
  }

  private async fileSources(args: TrainArgs): Promise<TrainSources> {
    const list = [...(args.files ?? []), ...(args.file ? [args.file] : [])].map((f) => (typeof f === 'string' ? f : f.fsPath));
    const files = list.map((f) => (path.isAbsolute(f) ? f : path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', f)));
    for (const f of files) await checkSource(f);
    return { files };
  }

  /** Prompts (unless args were given), then queues the run. */
  private async trainFromSources(args: TrainArgs | undefined, sources: TrainSources, labelHint?: string): Promise<TrainOutcome | undefined> {
    this.requireTrust();
    const label = (labelHint ?? sources.label ?? (sources.files?.[0] ? path.basename(sources.files[0]) : 'model')).replace(/\.[^.]+$/, '');
    const interactive = !args;
    let options: Partial<TrainOptions>;
    let name: string;
    if (interactive) {
      const cell = await pickCell();
      if (cell === undefined) return undefined;
      if (cell === 'advanced') {
        await this.openRecipe(sources, label);
        return undefined;
      }
      const preset = await pickPreset(cell);
      if (!preset) return undefined;
      const budget = await pickBudget();
      if (!budget) return undefined;
      const picked = await this.pickName(label);
      if (!picked) return undefined;
      name = picked;
      options = { ...presetOptions(preset), cell, ...budget };
    } else {
      const preset = args.preset ?? defaultPreset();
      if (!PRESET_NAMES.includes(preset)) throw userError(vscode.l10n.t('Unknown preset "{0}". Use one of: {1}.', String(preset), PRESET_NAMES.join(', ')));
      options = { ...presetOptions(preset), cell: args.cell ?? defaultCell(), ...budgetFromArgs(args), ...(args.options ?? {}) };
      if (args.name !== undefined) {
        name = sanitizeModelName(args.name);
        if (this.store.exists(name)) throw userError(vscode.l10n.t('A model named "{0}" already exists. Choose another name or delete it first.', name));
      } else name = this.store.freeName(label);
    }
    resolveOptions(options); // validates: throws a user-facing message for bad values
    return this.startRun({ name, outDir: this.store.dirFor(name), sources, options, notify: args?.notify }, interactive ? false : args?.wait !== false);
  }

  private async startRun(spec: Parameters<TrainingService['start']>[0], wait: boolean): Promise<TrainOutcome> {
    const job = this.training.start(spec);
    const outcome: TrainOutcome = { jobId: job.id, name: spec.name, modelDir: spec.outDir };
    const finished = job.done.then(
      (result) => {
        outcome.result = result;
        const loss = result.bestValLoss === null ? '' : ' ' + vscode.l10n.t('Best validation loss: {0} bits/char.', (result.bestValLoss / Math.LN2).toFixed(3));
        if (result.status === 'stopped')
          void showInfo(vscode.l10n.t('Training "{0}" stopped after {1} steps; the best checkpoint is kept.', spec.name, result.steps) + loss);
        else void showInfo(vscode.l10n.t('Model "{0}" is trained ({1} steps, {2}).', spec.name, result.steps, result.stopReason) + loss);
        this.store.fire();
        return outcome;
      },
      (e: Error) => {
        outcome.error = e.message;
        if (!(e as { cancelled?: boolean }).cancelled) showFailure(vscode.l10n.t('Training "{0}" failed:', spec.name), e);
        this.store.fire();
        return outcome;
      },
    );
    this.store.fire();
    return wait ? finished : outcome;
  }

  private async pickName(label: string): Promise<string | undefined> {
    const suggestion = this.store.freeName(label);
    const v = await vscode.window.showInputBox({
      title: vscode.l10n.t('Name the model'),
      value: suggestion,
      prompt: vscode.l10n.t('The model folder is named after it.'),
      validateInput: (s) => {
        if (!s.trim()) return vscode.l10n.t('Enter a name.');
        const n = sanitizeModelName(s);
        if (this.store.exists(n)) return vscode.l10n.t('A model named "{0}" already exists.', n);
        return n !== s.trim() ? { message: vscode.l10n.t('Will be saved as "{0}".', n), severity: vscode.InputBoxValidationSeverity.Info } : undefined;
      },
    });
    return v === undefined ? undefined : sanitizeModelName(v);
  }

  // ---------------------------------------------------------------- recipes (*.seqlab.json)

  /** "Advanced…": writes a recipe with every hyperparameter next to the data and opens it. */
  private async openRecipe(sources: TrainSources, label: string): Promise<void> {
    const options = { ...resolveOptions({ ...presetOptions(defaultPreset()), cell: defaultCell() }) };
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const first = sources.files?.[0];
    const dir = first ? path.dirname(first) : ws;
    const recipe: Record<string, unknown> = { name: sanitizeModelName(label), data: [] as string[], options };
    if (sources.files && dir) recipe.data = sources.files.map((f) => path.relative(dir, f) || '.');
    const content = JSON.stringify(recipe, null, 2) + '\n';
    if (!dir || !sources.files) {
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content });
      await vscode.window.showTextDocument(doc);
      void showInfo(vscode.l10n.t('Save this recipe as a *.seqlab.json file next to your data, list the files under "data", then run "Run Training Recipe".'));
      return;
    }
    let file = path.join(dir, `${sanitizeModelName(label)}.seqlab.json`);
    for (let i = 2; existsSync(file); i++) file = path.join(dir, `${sanitizeModelName(label)}-${i}.seqlab.json`);
    await fsp.writeFile(file, content);
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    void showInfo(vscode.l10n.t('Edit the hyperparameters, then run "Sequence Lab: Run Training Recipe" (the play button in the editor title).'));
  }

  /** Runs a recipe: (uri) from the editor title, or { recipe: path, name?, wait? }. */
  async runRecipe(a?: unknown): Promise<TrainOutcome | undefined> {
    return this.guard(async () => {
      let file: string | undefined;
      let extra: TrainArgs & { recipe?: string } = {};
      if (a instanceof vscode.Uri) file = a.fsPath;
      else if (a && typeof a === 'object') {
        extra = a as TrainArgs & { recipe?: string };
        file = extra.recipe;
      } else {
        const doc = vscode.window.activeTextEditor?.document;
        if (doc && /\.seqlab\.json$/i.test(doc.fileName)) {
          if (doc.isDirty) await doc.save();
          file = doc.uri.fsPath;
        }
      }
      if (!file) throw userError(vscode.l10n.t('Open a *.seqlab.json recipe first.'));
      let recipe: { name?: unknown; data?: unknown; preset?: unknown; options?: unknown };
      try {
        recipe = JSON.parse(await fsp.readFile(file, 'utf8'));
      } catch (e) {
        throw userError(vscode.l10n.t('{0} is not valid JSON: {1}', path.basename(file), (e as Error).message));
      }
      const data = typeof recipe.data === 'string' ? [recipe.data] : recipe.data;
      if (!Array.isArray(data) || data.length === 0 || !data.every((d) => typeof d === 'string')) {
        throw userError(vscode.l10n.t('The recipe needs "data": a file or folder path, or a list of them (relative to the recipe).'));
      }
      const files = (data as string[]).map((d) => path.resolve(path.dirname(file!), d));
      for (const f of files) await checkSource(f);
      const opts = (recipe.options && typeof recipe.options === 'object' ? recipe.options : {}) as Partial<TrainOptions>;
      const preset = typeof recipe.preset === 'string' ? (recipe.preset as PresetName) : undefined;
      const args: TrainArgs = {
        ...extra,
        preset,
        options: { ...(preset ? presetOptions(preset) : {}), ...opts },
        name: extra.name ?? (typeof recipe.name === 'string' ? this.store.freeName(recipe.name) : undefined),
        wait: extra.wait ?? (a instanceof vscode.Uri || a === undefined ? false : undefined),
      };
      // the recipe is the whole truth: no budget defaults on top of its options
      if (opts.steps !== undefined || opts.minutes !== undefined) {
        args.steps = opts.steps;
        args.minutes = opts.minutes;
      }
      return this.trainFromSources(args, { files }, path.basename(file).replace(/\.seqlab\.json$/i, ''));
    });
  }

  // ---------------------------------------------------------------- run control

  async stopTraining(a?: unknown): Promise<boolean> {
    const active = this.training.active();
    let jobId: string | undefined;
    if (a && typeof a === 'object' && 'jobId' in a) jobId = String((a as { jobId: unknown }).jobId);
    else if (isEntry(a)) jobId = active.find((j) => j.spec.outDir === a.dir)?.id;
    else if (typeof a === 'string') jobId = active.find((j) => j.spec.name === a || j.id === a)?.id;
    else if (active.length === 1) jobId = active[0].id;
    else if (active.length > 1) {
      const pick = await vscode.window.showQuickPick(
        active.map((j) => ({ label: j.spec.name, description: statusText({ status: j.state === 'queued' ? 'queued' : 'training' }), id: j.id })),
        { title: vscode.l10n.t('Stop which training run?') },
      );
      jobId = pick?.id;
      if (!jobId) return false;
    }
    if (!jobId || !this.training.stop(jobId)) {
      void showInfo(vscode.l10n.t('No training run is active.'));
      return false;
    }
    return true;
  }

  /** Continue Training…: (ModelEntry) from the tree, or { model, mode: 'exact' | 'finetune', file?, steps?, minutes?, name?, wait? }. */
  async continueTraining(a?: unknown): Promise<TrainOutcome | undefined> {
    return this.guard(async () => {
      this.requireTrust();
      const args = (a && typeof a === 'object' && !isEntry(a) ? a : {}) as TrainArgs & { model?: string; mode?: 'exact' | 'finetune' };
      const entry = await this.resolveModel(
        isEntry(a) ? a : args.model,
        (e) => e.hasCheckpoint && e.status !== 'training',
        vscode.l10n.t('Continue training which model?'),
      );
      if (!entry) return undefined;
      if (!entry.hasCheckpoint) throw userError(vscode.l10n.t('"{0}" has no training checkpoint, so it cannot be continued.', entry.name));
      if (this.training.isLive(entry.dir)) throw userError(vscode.l10n.t('"{0}" is already training.', entry.name));
      const interactive = isEntry(a) || a === undefined;
      let mode = args.mode;
      if (!mode) {
        const pick = await vscode.window.showQuickPick(
          [
            { label: vscode.l10n.t('Resume exactly'), description: vscode.l10n.t('continue the same run on the same data'), mode: 'exact' as const },
            {
              label: vscode.l10n.t('Fine-tune on another file…'),
              description: vscode.l10n.t('keep the weights and vocabulary, train on new text'),
              mode: 'finetune' as const,
            },
          ],
          { title: vscode.l10n.t('Continue "{0}"', entry.name) },
        );
        if (!pick) return undefined;
        mode = pick.mode;
      }
      let sources: TrainSources = { files: entry.card?.data.files ?? [] };
      let name = entry.name;
      let outDir = entry.dir;
      if (mode === 'finetune') {
        let file = args.file ? (typeof args.file === 'string' ? args.file : args.file.fsPath) : undefined;
        if (!file) {
          const picked = await vscode.window.showOpenDialog({
            canSelectFiles: true,
            canSelectFolders: true,
            canSelectMany: false,
            title: vscode.l10n.t('Fine-tune on which text?'),
          });
          if (!picked?.[0]) return undefined;
          file = picked[0].fsPath;
        }
        await checkSource(file);
        sources = { files: [file] };
        name = args.name ? sanitizeModelName(args.name) : this.store.freeName(`${entry.name}-ft`);
        if (this.store.exists(name)) throw userError(vscode.l10n.t('A model named "{0}" already exists. Choose another name or delete it first.', name));
        outDir = this.store.dirFor(name);
      }
      let budget: Partial<Budget> | undefined = interactive ? await pickBudget() : budgetFromArgs(args);
      if (!budget) return undefined;
      budget = { ...budget, ...(args.options ?? {}) };
      const options: Partial<TrainOptions> = { ...budget };
      return this.startRun({ name, outDir, sources, options, resume: { from: entry.dir, mode }, notify: args.notify }, !interactive && args.wait !== false);
    });
  }
}

/** The training commands and the model commands. */
export function registerCommands(context: vscode.ExtensionContext, deps: { store: ModelStore; training: TrainingService; tree: ModelsTreeProvider }): Commands {
  const commands = new Commands(deps.store, deps.training, deps.tree);
  commands.register(context);
  new ModelCommands(deps.store, deps.training).register(context);
  return commands;
}
