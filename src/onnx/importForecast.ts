/**
 * A forecaster trained by our PyTorch script (`seqlab export-pytorch` of a forecasting model) → a Sequence Lab model
 * folder. Its graph is PyTorch's (float rows [T,B,F] → RNN → Linear); the weights are read back into the engine
 * (toEngine.ts) and written again as our own graph, checked against onnxruntime (exportVerified), with the forecasting
 * settings the script computed (seqlab.norm: columns, scaling, intervals). So the folder forecasts, continues
 * training (its checkpoint holds the run's request), and exports like a forecaster trained here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../data/atomic';
import { writeCard } from '../data/card';
import { validateForecastSpec } from '../data/csv/prepare';
import type { TrainOptions } from '../engine/options';
import { paramCount } from '../engine/params';
import { CHECKPOINT_FILE, type ModelCard, ONNX_FILE, REMOTE_LOG_FILE } from '../protocol/model';
import { META } from './export';
import { ModelImportError } from './import';
import { engineWeightsOf, freshCheckpoint, NotConvertibleError } from './toEngine';
import { exportVerified } from './verify';

/** What the script writes beside the weights of a forecaster. */
interface ScriptMeta {
  norm: Record<string, unknown> & { kind: 'forecast'; targets: string[]; window: number; horizon: number };
  forecast: { request: Record<string, unknown>; rows: number };
  recipe?: { name?: string; options?: Partial<TrainOptions> };
  summary?: { steps?: number; best_val_loss?: number | null; train_seconds?: number; data?: string[] };
}

/** The forecaster's metadata when `meta` (an ONNX file's metadata_props) is one our script wrote, else null. */
export function scriptForecaster(meta: Record<string, string>): ScriptMeta | null {
  if (meta[META.format] !== undefined || meta[META.norm] === undefined) return null;
  const json = (k: string) => {
    try {
      return meta[k] === undefined ? undefined : JSON.parse(meta[k]);
    } catch {
      throw new ModelImportError(`the file's ${k} metadata is not valid JSON`);
    }
  };
  const norm = json(META.norm);
  if (norm?.kind !== 'forecast') return null;
  validateForecastSpec(norm);
  const forecast = json('seqlab.forecast');
  if (!forecast?.request) throw new ModelImportError('the forecaster carries no seqlab.forecast metadata (the run it came from)');
  return { norm, forecast, recipe: json('seqlab.recipe'), summary: json('seqlab.summary') };
}

/** Write the folder `dir` for the script's forecaster in `file` (`bytes`); nothing is written when a check fails. */
export async function importForecaster(
  file: string,
  bytes: Uint8Array,
  m: ScriptMeta,
  o: { dir: string; name: string; now: string },
): Promise<{ card: ModelCard; trainable: boolean }> {
  let w: ReturnType<typeof engineWeightsOf>;
  try {
    w = engineWeightsOf(bytes, null);
  } catch (e) {
    if (e instanceof NotConvertibleError) throw new ModelImportError(`${file} is not a forecaster Sequence Lab can read: ${e.message}`);
    throw e;
  }
  const { config, params } = w;
  const F = (m.norm.stats as { columns: string[] }).columns.length;
  if (config.features !== F || config.outputs !== m.norm.targets.length * m.norm.horizon) {
    throw new ModelImportError(
      `${file}: its weights take ${config.features} columns to ${config.outputs} outputs; its settings say ${F} to ${m.norm.targets.length * m.norm.horizon}`,
    );
  }
  const { bytes: ours } = await exportVerified(config, params, { norm: m.norm });
  const options = m.recipe?.options ?? {};
  const { kind: _kind, intervals: _iv, ...spec } = m.norm;
  const meta = {
    forecast: { spec, request: { ...m.forecast.request, cell: config.cell, hidden: config.hidden, layers: config.layers }, rows: m.forecast.rows },
    name: o.name,
  };
  const checkpoint = freshCheckpoint(config, params, null, { ...options, batch: options.batch, seq: m.norm.window }, { ...meta, importedFrom: resolve(file) });
  const best = typeof m.summary?.best_val_loss === 'number' ? m.summary.best_val_loss : null;
  const card: ModelCard = {
    ...{ format: 2, name: o.name, origin: 'imported', status: 'complete', config, params: paramCount(config), vocabSize: 0 },
    data: { files: m.summary?.data ?? [String(m.forecast.request.file)], chars: 0, bytes: bytes.length },
    ...{ steps: m.summary?.steps ?? 0, bestValLoss: best, bestValBpc: null, trainSeconds: m.summary?.train_seconds ?? 0 },
    ...{ createdAt: o.now, updatedAt: o.now },
    options: { ...options, importedFrom: resolve(file), producer: 'pytorch' },
  };
  writeFileAtomic(join(o.dir, ONNX_FILE), ours);
  writeFileAtomic(join(o.dir, CHECKPOINT_FILE), checkpoint);
  const remoteLog = join(dirname(resolve(file)), REMOTE_LOG_FILE);
  if (existsSync(remoteLog)) writeFileAtomic(join(o.dir, REMOTE_LOG_FILE), readFileSync(remoteLog));
  writeCard(o.dir, card);
  return { card, trainable: true };
}
