/**
 * The inference worker (dist/infer-worker.js): generation (onnxruntime-node through openInference, the TS engine
 * as fallback) and hidden-state extraction (TS engine: ONNX's LSTM op outputs only h, the panel needs c and the
 * gates too). Runs off the extension host's thread; see src/protocol/infer.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { loadTsModel } from '../data/modelFolder';
import { Vocab } from '../data/vocab';
import { EngineStepper, openInference, type InferenceHandle } from '../onnx/fallback';
import type { InferRequests, InferHostEvents, InferWorkerEvents } from '../protocol/infer';
import { CHECKPOINT_FILE, ONNX_FILE } from '../protocol/model';
import { Rpc } from '../protocol/rpc';
import { generateChars } from './inferCore';
import { hiddenModel, maxStepsFor, readHidden } from './hiddenStates';
import { insightHandlers, userError, type HiddenSession } from './insight/handlers';
import { adaptedWeights } from './completion/dynamicEval';
import { exportOnnx } from '../onnx/export';
import { pickKernels } from './kernels';

if (!parentPort) throw new Error('infer-worker.js must run as a worker thread');
const port = parentPort;
const rpc = new Rpc<Record<string, never>, InferWorkerEvents, InferRequests, InferHostEvents>(port);
port.on('message', (m) => rpc.receive(m));

const cancelled = new Set<number>();
rpc.on('infer/cancel', ({ reqId }) => cancelled.add(reqId));

let gen: { key: string; handle: InferenceHandle; vocab: Vocab } | undefined;

async function openForGeneration(dir: string, engine?: 'onnx' | 'ts'): Promise<{ handle: InferenceHandle; vocab: Vocab }> {
  const onnx = join(dir, ONNX_FILE);
  if (existsSync(onnx)) {
    const key = `${onnx}:${statSync(onnx).mtimeMs}:${engine ?? 'onnx'}`;
    if (gen?.key === key) return gen;
    await gen?.handle.dispose();
    gen = undefined;
    const handle = await openInference(readFileSync(onnx), { engine, name: ONNX_FILE, warn: () => undefined });
    if (handle.info.config?.kind === 'regression' || !handle.info.vocab) throw userError('This is a forecasting model: it does not generate text.');
    gen = { key, handle, vocab: Vocab.fromJSON(handle.info.vocab) };
    return gen;
  }
  const ckpt = join(dir, CHECKPOINT_FILE);
  if (!existsSync(ckpt)) throw userError(`The model folder ${dir} has neither ${ONNX_FILE} nor ${CHECKPOINT_FILE}.`);
  const key = `${ckpt}:${statSync(ckpt).mtimeMs}:ts`;
  if (gen?.key === key) return gen;
  const { model, vocab } = loadTsModel(dir, pickKernels());
  if (!vocab) throw userError('This is a forecasting model: it does not generate text.');
  const handle: InferenceHandle = {
    engine: 'ts',
    ts: model,
    stepper: () => new EngineStepper(model),
    dispose: async () => undefined,
    info: { vocab: vocab.toJSON(), config: model.config, vocabSize: model.config.outputs },
  };
  gen = { key, handle, vocab };
  return gen;
}

rpc.handle('infer/generate', async (req) => {
  const t0 = performance.now();
  const { handle, vocab } = await openForGeneration(req.modelDir, req.engine);
  try {
    const r = await generateChars(
      handle.stepper(),
      vocab,
      req.settings,
      (chars) => rpc.notify('infer/chunk', { reqId: req.reqId, chars }),
      () => cancelled.has(req.reqId),
      req.chunk ?? 8,
    );
    return { ...r, engine: handle.engine, ms: performance.now() - t0 };
  } finally {
    cancelled.delete(req.reqId);
  }
});

let session: HiddenSession | undefined;

rpc.handle('infer/hidden', async (req) => {
  const t0 = performance.now();
  session = undefined;
  const { model, vocab } = hiddenModel(req.modelDir);
  const c = model.config;
  const chars = Array.from(req.text);
  if (chars.length === 0) throw userError('There is no text to read: select some text or open a file with text in it.');
  const limit = Math.max(1, Math.min(req.maxChars ?? 50_000, maxStepsFor(c.hidden, c.layers, c.cell)));
  const used = chars.slice(0, limit);
  const text = used.join('');
  const ids = vocab.encode(text);
  const hidden = await readHidden(model, ids);
  session = { model, vocab, text, ids, store: hidden };
  return {
    chars: used,
    T: hidden.T,
    H: hidden.H,
    layers: hidden.layers,
    cell: hidden.cell,
    signals: hidden.signals,
    truncated: chars.length - used.length,
    source: req.source,
    ms: performance.now() - t0,
  };
});

rpc.handle('infer/signal', ({ layer, signal, of }) => {
  const store = of === 'b' ? session?.b?.store : session?.store;
  if (!store) throw userError(of === 'b' ? 'Compare with a second model first.' : 'Run the model over a text first.');
  const d = store.signal(layer, signal);
  if (!d) throw userError(`This model has no signal ${signal} in layer ${layer + 1}.`);
  return d;
});

let adaptModel: { dir: string; model: ReturnType<typeof hiddenModel> } | undefined;
rpc.handle('infer/adapt', ({ modelDir, text }) => {
  const t0 = performance.now();
  if (adaptModel?.dir !== modelDir) adaptModel = { dir: modelDir, model: hiddenModel(modelDir) };
  const { model, vocab } = adaptModel.model;
  const ids = vocab.encode(text);
  if (ids.length < 2) throw userError('There is no text to adapt to.');
  const params = adaptedWeights(model, ids);
  return { onnx: exportOnnx(model.config, params, { vocab: vocab.codePoints }), chars: Math.min(ids.length, 20_000), ms: performance.now() - t0 };
});

for (const [method, handler] of Object.entries(insightHandlers(() => session, readHidden))) rpc.handle(method as 'infer/project', handler as never);
