/** The commands on a model of the Models view: delete, rename, reveal, export to ONNX, import, export a PyTorch script. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';
import { CommandGroup } from './commandGuard';
import { log, showInfo } from './log';
import { userError, type ModelStore } from './modelStore';
import { sanitizeModelName } from './names';
import type { TrainingService } from './trainingService';
import { isEntry } from './trainArgs';

export class ModelCommands extends CommandGroup {
  constructor(
    store: ModelStore,
    private readonly training: TrainingService,
  ) {
    super(store);
  }

  register(context: vscode.ExtensionContext): void {
    const reg = (id: string, fn: (...a: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
    reg(COMMANDS.deleteModel, (a) => this.deleteModel(a));
    reg(COMMANDS.renameModel, (a) => this.renameModel(a));
    reg(COMMANDS.revealModel, (a) => this.revealModel(a));
    reg(COMMANDS.exportOnnx, (a) => this.exportOnnx(a));
    reg(COMMANDS.importOnnx, (a) => this.importOnnx(a));
    reg(COMMANDS.exportPytorchScript, (a) => this.exportPytorchScript(a));
  }

  /** (ModelEntry) from the tree, or { model, confirm: false } to skip the confirmation. */
  async deleteModel(a?: unknown): Promise<boolean> {
    return (
      (await this.guard(async () => {
        this.requireTrust();
        const args = (a && typeof a === 'object' && !isEntry(a) ? a : {}) as { model?: string; confirm?: boolean };
        const entry = await this.resolveModel(isEntry(a) ? a : args.model, () => true, vscode.l10n.t('Delete which model?'));
        if (!entry) return false;
        if (this.training.isLive(entry.dir)) throw userError(vscode.l10n.t('"{0}" is training. Stop the run before deleting the model.', entry.name));
        if (args.confirm !== false) {
          const del = vscode.l10n.t('Delete');
          const ok = await vscode.window.showWarningMessage(
            vscode.l10n.t('Delete the model "{0}"? Its folder and checkpoint are removed from disk.', entry.name),
            { modal: true },
            del,
          );
          if (ok !== del) return false;
        }
        await this.store.delete(entry);
        log().info(`[${entry.name}] deleted ${entry.dir}`);
        return true;
      })) === true
    );
  }

  /** (ModelEntry) from the tree, or { model, newName }. Returns the new name. */
  async renameModel(a?: unknown): Promise<string | undefined> {
    const r = await this.guard(async () => {
      this.requireTrust();
      const args = (a && typeof a === 'object' && !isEntry(a) ? a : {}) as { model?: string; newName?: string };
      const entry = await this.resolveModel(isEntry(a) ? a : args.model, () => true, vscode.l10n.t('Rename which model?'));
      if (!entry) return undefined;
      if (this.training.isLive(entry.dir)) throw userError(vscode.l10n.t('"{0}" is training. Stop the run before renaming the model.', entry.name));
      let newName = args.newName;
      if (newName === undefined) {
        newName = await vscode.window.showInputBox({
          title: vscode.l10n.t('Rename "{0}"', entry.name),
          value: entry.name,
          validateInput: (s) =>
            !s.trim()
              ? vscode.l10n.t('Enter a name.')
              : sanitizeModelName(s) !== entry.name && this.store.exists(sanitizeModelName(s))
                ? vscode.l10n.t('A model named "{0}" already exists.', sanitizeModelName(s))
                : undefined,
        });
        if (newName === undefined) return undefined;
      }
      const dir = await this.store.rename(entry, newName);
      return path.basename(dir);
    });
    return typeof r === 'string' ? r : undefined;
  }

  async revealModel(a?: unknown): Promise<boolean> {
    return (
      (await this.guard(async () => {
        this.requireTrust();
        const args = (a && typeof a === 'object' && !isEntry(a) ? a : {}) as { model?: string };
        const entry = await this.resolveModel(isEntry(a) ? a : args.model, () => true, vscode.l10n.t('Reveal which model?'));
        if (!entry) return false;
        const uri = vscode.Uri.file(entry.dir);
        if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
        else await vscode.commands.executeCommand('revealFileInOS', uri);
        return true;
      })) === true
    );
  }

  // ONNX and PyTorch: their code is loaded on first use

  /** Export Model to ONNX…: (ModelEntry) from the tree, or { model, target }. Returns the written path. */
  async exportOnnx(a?: unknown): Promise<string | undefined> {
    const r = await this.guard(async () => {
      this.requireTrust();
      const args = (a && typeof a === 'object' && !isEntry(a) ? a : {}) as { model?: string; target?: string };
      const entry = await this.resolveModel(isEntry(a) ? a : args.model, (e) => e.hasOnnx, vscode.l10n.t('Export which model?'));
      if (!entry) return undefined;
      const { exportModel } = await import('./onnxCommands');
      const out = await exportModel(entry, args.target);
      if (out && !args.target) void showInfo(vscode.l10n.t('Exported "{0}" to {1}.', entry.name, out));
      return out;
    });
    return typeof r === 'string' ? r : undefined;
  }

  /** Import ONNX Model…: { file, vocab?, name? } or pickers. Returns the new model's folder. */
  async importOnnx(a?: unknown): Promise<string | undefined> {
    const r = await this.guard(async () => {
      this.requireTrust();
      const args = (a && typeof a === 'object' && !(a instanceof vscode.Uri) ? a : a instanceof vscode.Uri ? { file: a.fsPath } : {}) as {
        file?: string;
        vocab?: string;
        name?: string;
      };
      const { importModel } = await import('./onnxCommands');
      const dir = await importModel(this.store, args, a === undefined || a instanceof vscode.Uri);
      if (dir) void showInfo(vscode.l10n.t('Imported "{0}".', path.basename(dir)));
      return dir;
    });
    return typeof r === 'string' ? r : undefined;
  }

  /**
   * Export Training Script for PyTorch…: a recipe Uri (Explorer), a ModelEntry (Models view), { recipe | model, target }
   * (scripts), or nothing (the recipe in the active editor, else a model picked). Returns the script's path.
   */
  async exportPytorchScript(a?: unknown): Promise<string | undefined> {
    const r = await this.guard(async () => {
      this.requireTrust();
      const args = (a && typeof a === 'object' && !isEntry(a) && !(a instanceof vscode.Uri) ? a : {}) as { recipe?: string; model?: string; target?: string };
      let source: string | undefined = a instanceof vscode.Uri ? a.fsPath : isEntry(a) ? a.dir : args.recipe;
      if (!source && args.model) source = (await this.resolveModel(args.model, (e) => e.hasCheckpoint, ''))?.dir;
      if (!source) {
        const doc = vscode.window.activeTextEditor?.document;
        if (doc && /\.seqlab\.json$/i.test(doc.fileName)) {
          if (doc.isDirty) await doc.save();
          source = doc.uri.fsPath;
        }
      }
      if (!source)
        source = (await this.resolveModel(undefined, (e) => e.hasCheckpoint, vscode.l10n.t('Export a PyTorch training script for which model?')))?.dir;
      if (!source) return undefined;
      const { exportPytorchScript } = await import('./pytorchCommands');
      return exportPytorchScript(source, args.target, !args.target);
    });
    return typeof r === 'string' ? r : undefined;
  }
}
