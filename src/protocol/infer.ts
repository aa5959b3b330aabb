/**
 * Host ↔ inference-worker boundary (dist/infer-worker.js, src/worker/infer.ts): text generation for the
 * Generate panel and hidden-state extraction for the Hidden States panel, off the extension host's thread.
 */
import type { AblationRequest, AblationView, CompareView, GenChar, GenerateSettings, HiddenMeta, ProbeView, Projection, SaliencyView, Signal } from './webview';
import { Rpc } from './rpc';

export interface InferGenerateRequest {
  reqId: number;
  /** model folder (model.onnx is used through onnxruntime when present; else the checkpoint with the TS engine) */
  modelDir: string;
  settings: GenerateSettings;
  /** characters per 'infer/chunk' event */
  chunk?: number;
  engine?: 'onnx' | 'ts';
}

export interface InferHiddenRequest {
  modelDir: string;
  text: string;
  source: string;
  /** at most this many characters are read (windows of `window` steps, state carried) */
  maxChars?: number;
  window?: number;
}

export type InferRequests = {
  'infer/generate': [InferGenerateRequest, { text: string; stoppedBy: string; engine: string; ms: number }];
  'infer/hidden': [InferHiddenRequest, HiddenMeta];
  /** (T,H) of the last 'infer/hidden' run (of: 'b', the compared model's) */
  'infer/signal': [{ layer: number; signal: Signal; of?: 'a' | 'b' }, Float32Array];
  // the insight tools, on the text and model of the last 'infer/hidden' run (src/worker/insight)
  'infer/project': [{ layer: number; signal: Signal; method: 'pca' | 'umap' }, Projection];
  'infer/neighbours': [{ layer: number; signal: Signal; positions: number[]; k: number }, { t: number; dist: number }[]];
  'infer/saliency': [{ position: number; method: 'gradient' | 'integrated' }, SaliencyView];
  'infer/ablate': [AblationRequest, AblationView];
  'infer/probe': [{ layer: number; signal: Signal; feature: Float32Array }, ProbeView];
  'infer/compare': [{ modelDir: string; name: string }, CompareView];
  /** dynamic evaluation: the model's ONNX file after adapting to `text` (autocomplete, per document) */
  'infer/adapt': [{ modelDir: string; text: string }, { onnx: Uint8Array; chars: number; ms: number }];
};
export type InferHostEvents = {
  'infer/cancel': { reqId: number };
};
export type InferWorkerEvents = {
  'infer/chunk': { reqId: number; chars: GenChar[] };
};

export type HostToInferRpc = Rpc<InferRequests, InferHostEvents, Record<string, never>, InferWorkerEvents>;
export type InferToHostRpc = Rpc<Record<string, never>, InferWorkerEvents, InferRequests, InferHostEvents>;

/** Signals available per cell type, in display order. */
export function signalsFor(cell: 'lstm' | 'gru' | 'rnn'): Signal[] {
  return cell === 'lstm' ? ['h', 'c', 'i', 'f', 'o'] : cell === 'gru' ? ['h', 'z', 'r'] : ['h'];
}
