/**
 * Host ↔ training-worker boundary (used by the extension host and the CLI alike).
 * The worker is dist/worker.js, a worker_threads worker; see src/worker/main.ts.
 */
import type { TrainOptions } from '../engine/options';
import type { ModelStatus } from './model';
import { Rpc } from './rpc';

export interface TrainSources {
  /** files and/or directories */
  files?: string[];
  /** inline text (the editor selection); `label` names it in the card */
  text?: string;
  label?: string;
}

export interface TrainRequest {
  jobId: string;
  sources: TrainSources;
  /** the model folder to write (created; must not already hold a different model unless resuming into it) */
  outDir: string;
  name: string;
  /** 'exact': continue a run with its own data position and state; 'finetune': keep weights + vocabulary, new data */
  resume?: { from: string; mode: 'exact' | 'finetune' };
  options: Partial<TrainOptions>;
  /**
   * The training loop is synchronous inside the worker, so stopping goes through shared memory, not a message:
   * Int32Array(control)[0] = 1 asks the run to stop after the current step (it keeps its best checkpoint).
   * Make it with `createControl()`, stop with `requestStop(control)`.
   */
  control: SharedArrayBuffer;
}

export function createControl(): SharedArrayBuffer { return new SharedArrayBuffer(4); }
export function requestStop(control: SharedArrayBuffer): void { Atomics.store(new Int32Array(control), 0, 1); }
export function stopRequested(control: SharedArrayBuffer): boolean { return Atomics.load(new Int32Array(control), 0) !== 0; }

export interface TrainProgress {
  jobId: string;
  step: number;
  /** null when the run is time-bounded or open-ended */
  totalSteps: number | null;
  epoch: number;
  /** nats/char (char models) or MSE (regression) */
  trainLoss: number;
  valLoss?: number;
  bestValLoss?: number;
  charsPerSec: number;
  etaSec: number | null;
  gradNorm: number;
  lr: number;
  elapsedSec: number;
}

export interface TrainResult {
  jobId: string;
  modelDir: string;
  steps: number;
  bestValLoss: number | null;
  status: ModelStatus;
  stopReason: string;
}

export type WorkerRequests = {
  'train/start': [TrainRequest, TrainResult];
};
export type WorkerEvents = {
  'train/progress': TrainProgress;
  'train/sample': { jobId: string; step: number; text: string };
  'train/log': { jobId: string; level: 'info' | 'warn' | 'error'; message: string };
};

/** The host side: sends WorkerRequests, receives WorkerEvents. */
export type HostToWorkerRpc = Rpc<WorkerRequests, Record<string, never>, Record<string, never>, WorkerEvents>;
/** The worker side. */
export type WorkerToHostRpc = Rpc<Record<string, never>, WorkerEvents, WorkerRequests, Record<string, never>>;
