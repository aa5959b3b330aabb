/**
 * Export Model to ONNX… / Import ONNX Model…, over src/onnx/models.ts. The ONNX code (and onnxruntime-node) loads
 * only when one of these runs.
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ONNX_FILE } from '../protocol/model';
import { log } from './log';
import { userError, type ModelEntry, type ModelStore } from './modelStore';
import { sanitizeModelName } from './names';

const ONNX_ERRORS = new Set(['ModelImportError', 'ModelLoadError', 'ExportParityError', 'InferenceInputError']);
/** errors of the ONNX layer are plain-language messages for the user */
function asUser(e: unknown): Error {
  return e instanceof Error && ONNX_ERRORS.has(e.name) ? userError(e.message) : (e as Error);
}

/**
 * Writes a standalone copy of a model's ONNX file to `target` (or where the user picks). A trained model is
 * re-exported from its checkpoint with the parity check against onnxruntime; an imported one is copied.
 */
export async function exportModel(entry: ModelEntry, target: string | undefined): Promise<string | undefined> {
  if (!entry.hasCheckpoint && !existsSync(path.join(entry.dir, ONNX_FILE))) {
    throw userError(vscode.l10n.t('"{0}" has neither a checkpoint nor {1}: there is nothing to export.', entry.name, ONNX_FILE));
  }
  if (!target) {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(entry.dir));
    const picked = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Export "{0}" to ONNX', entry.name),
      saveLabel: vscode.l10n.t('Export'),
      defaultUri: vscode.Uri.joinPath(base, `${entry.name}.onnx`),
      filters: { ONNX: ['onnx'] },
    });
    if (!picked) return undefined;
    target = picked.fsPath;
  }
  await fsp.mkdir(path.dirname(target), { recursive: true });
  if (entry.hasCheckpoint) {
    const { exportModelFolder } = await import('../onnx/models');
    try {
      const r = await exportModelFolder(entry.dir, { out: target });
      log().info(`[${entry.name}] exported ${r.out} (${r.bytes} bytes); onnxruntime agrees with the engine to ${r.parity.maxDiff.toExponential(1)}`);
      return r.out;
    } catch (e) {
      throw asUser(e);
    }
  }
  await fsp.copyFile(path.join(entry.dir, ONNX_FILE), target);
  log().info(`[${entry.name}] copied ${ONNX_FILE} → ${target}`);
  return target;
}

/** Imports an ONNX character model (and its vocabulary) as a new model folder. Returns the folder. */
export async function importModel(
  store: ModelStore,
  args: { file?: string; vocab?: string; name?: string },
  interactive: boolean,
): Promise<string | undefined> {
  let file = args.file;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { ONNX: ['onnx'] },
      title: vscode.l10n.t('Import an ONNX model'),
      openLabel: vscode.l10n.t('Import'),
    });
    if (!picked?.[0]) return undefined;
    file = picked[0].fsPath;
  }
  const fileName = path.basename(file);
  let vocabFile = args.vocab;
  const { prepareModel } = await import('../onnx/import');
  const { importOnnxFile } = await import('../onnx/models');
  try {
    if (!vocabFile) {
      let bytes: Uint8Array;
      try {
        bytes = await fsp.readFile(file);
      } catch {
        throw userError(vscode.l10n.t('{0} does not exist.', file));
      }
      let needsVocab = false;
      try {
        const { info } = prepareModel(bytes, { name: fileName });
        needsVocab = info.signature.kind === 'char' && !info.vocab;
      } catch (e) {
        // a foreign model that fits except for its vocabulary: ask for one (the only problem listed is the vocabulary)
        const problems = (e as { problems?: string[] }).problems ?? [];
        if (!(problems.length > 0 && problems.every((p) => /vocabulary/i.test(p)))) throw e;
        needsVocab = true;
      }
      if (needsVocab) {
        if (!interactive)
          throw userError(
            vscode.l10n.t(
              '{0} does not say which character each token id stands for. Give a vocabulary file: a JSON list of characters or code points in id order, or a text file whose distinct characters define it.',
              fileName,
            ),
          );
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          title: vscode.l10n.t('{0} has no vocabulary: choose a vocabulary file (JSON list, or the training text)', fileName),
        });
        if (!picked?.[0]) return undefined;
        vocabFile = picked[0].fsPath;
      }
    }
    const name = args.name !== undefined ? sanitizeModelName(args.name) : store.freeName(fileName.replace(/\.onnx$/i, ''));
    if (store.exists(name)) throw userError(vscode.l10n.t('A model named "{0}" already exists. Choose another name or delete it first.', name));
    const r = await importOnnxFile(file, { modelsDir: store.root().dir, name, vocabFile });
    const from = !r.info
      ? ' (a forecaster from the PyTorch script)'
      : r.info.ours
        ? ''
        : ` (from ${r.info.producer || 'an unknown producer'}, opset ${r.info.opset})`;
    log().info(`[${name}] imported ${file}${from}`);
    store.fire();
    return r.dir;
  } catch (e) {
    throw asUser(e);
  }
}
