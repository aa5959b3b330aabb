/**
 * Export Training Script for PyTorch…: a recipe (*.seqlab.json, from the Explorer or the active editor) or a model
 * (from the Models view, or picked) → train.py beside it (or where the user saves it), opened in an editor. The
 * script itself is written by worker/pytorchScript.ts, the same code as `seqlab export-pytorch`; this module is loaded
 * on first use, so none of it costs anything at activation.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../data/atomic';
import { log } from './log';
import { userError } from './modelStore';

/** Writes the script for `source` (a recipe file or a model folder). `target` skips the save dialog. */
export async function exportPytorchScript(source: string, target: string | undefined, interactive: boolean): Promise<string | undefined> {
  const { pytorchScript, readTemplate, recipeFrom } = await import('../worker/pytorchScript');
  let recipe;
  try {
    recipe = recipeFrom(source);
  } catch (e) {
    throw userError((e as Error).message);
  }
  if (!target) {
    // beside a recipe; for a model folder, in the workspace (the script is for another machine, not for the model folder)
    const dir = /\.json$/i.test(source) ? path.dirname(source) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(path.dirname(source)));
    const picked = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Export a PyTorch training script for "{0}"', recipe.name),
      saveLabel: vscode.l10n.t('Export'),
      defaultUri: vscode.Uri.file(path.join(dir, `train-${recipe.name}.py`)),
      filters: { Python: ['py'] },
    });
    if (!picked) return undefined;
    target = picked.fsPath;
  }
  writeFileAtomic(target, pytorchScript(recipe, readTemplate()));
  log().info(`[${recipe.name}] PyTorch training script written to ${target}`);
  if (interactive) {
    await vscode.window.showTextDocument(vscode.Uri.file(target), { preview: false });
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Wrote {0}. Run it with: torchrun --standalone --nproc_per_node=N {1}, then import its model.onnx.',
        path.basename(target),
        path.basename(target),
      ),
    );
  }
  return target;
}
