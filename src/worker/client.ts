/**
 * The one client for our worker threads (host↔worker boundary), used by the CLI and the extension host alike:
 * starts the thread, wraps it in the typed Rpc, and rejects every pending request when the thread crashes, exits or
 * is terminated. `TrainingWorker` adds a training run's stop flag. protocol/ only defines the messages; starting a
 * thread is this layer's job.
 */
import { Worker } from 'node:worker_threads';
import type { HostToInferRpc } from '../protocol/infer';
import { Rpc } from '../protocol/rpc';
import { createControl, requestStop, type HostToWorkerRpc, type TrainRequest, type TrainResult, type WorkerEvents } from '../protocol/worker';

export interface WorkerClientOptions {
  /** the words for a crash and an unexpected exit (the host passes translated ones) */
  crashed?: (message: string) => string;
  exited?: (code: number) => string;
  /** told about a crash, with its stack (the host's log) */
  onError?: (e: Error) => void;
  /** told when the thread is gone, however it ended */
  onExit?: () => void;
  resourceLimits?: { maxOldGenerationSizeMb?: number };
}

/** A worker thread and its Rpc (`R`: HostToWorkerRpc for training, HostToInferRpc for inference). */
export class WorkerClient<R extends HostToWorkerRpc | HostToInferRpc> {
  readonly rpc: R;
  private readonly worker: Worker;
  private gone = false;

  constructor(workerJs: string, opts: WorkerClientOptions = {}) {
    this.worker = new Worker(workerJs, { resourceLimits: opts.resourceLimits });
    const rpc = new Rpc(this.worker) as unknown as R;
    this.rpc = rpc;
    this.worker.on('message', (m) => rpc.receive(m));
    this.worker.on('error', (e) => {
      opts.onError?.(e);
      rpc.dispose(opts.crashed?.(e.message) ?? `the worker crashed: ${e.message}`);
    });
    this.worker.on('exit', (code) => {
      this.gone = true;
      rpc.dispose(opts.exited?.(code) ?? `the worker exited (code ${code})`);
      opts.onExit?.();
    });
  }

  get exited(): boolean {
    return this.gone;
  }

  /** Reject what is pending with `reason` and stop the thread. */
  async terminate(reason = 'the worker was terminated'): Promise<void> {
    if (this.gone) return;
    this.rpc.dispose(reason);
    await this.worker.terminate();
  }
}

/** One training run's worker: the run, its events, and its stop flag. */
export class TrainingWorker extends WorkerClient<HostToWorkerRpc> {
  readonly control = createControl();

  /** Run one job. Resolves with the result; rejects with a RemoteError (code 'user' for bad input). */
  train(req: Omit<TrainRequest, 'control'>): Promise<TrainResult> {
    return this.rpc.request('train/start', { ...req, control: this.control });
  }

  on<M extends keyof WorkerEvents & string>(event: M, fn: (p: WorkerEvents[M]) => void): { dispose(): void } {
    return this.rpc.on(event, fn);
  }

  /** Ask the run to stop after its current step; it keeps its best checkpoint. */
  stop(): void {
    requestStop(this.control);
  }
}
