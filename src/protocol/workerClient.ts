/**
 * The host side of the host↔worker boundary: one worker thread per training run, wrapped in the typed Rpc.
 * Used by the extension host and the CLI. A worker that exits or crashes rejects its pending request.
 */
import { Worker } from 'node:worker_threads';
import { Rpc } from './rpc';
import { createControl, requestStop, type TrainRequest, type TrainResult, type WorkerEvents, type WorkerRequests } from './worker';

export class TrainingWorker {
  readonly rpc: Rpc<WorkerRequests, Record<string, never>, Record<string, never>, WorkerEvents>;
  private readonly worker: Worker;
  readonly control = createControl();
  private exited = false;

  constructor(workerJs: string, opts: { resourceLimits?: { maxOldGenerationSizeMb?: number } } = {}) {
    this.worker = new Worker(workerJs, { resourceLimits: opts.resourceLimits });
    this.rpc = new Rpc(this.worker);
    this.worker.on('message', (m) => this.rpc.receive(m));
    this.worker.on('error', (e) => this.rpc.dispose(`the training worker crashed: ${e.message}`));
    this.worker.on('exit', (code) => { this.exited = true; this.rpc.dispose(`the training worker exited (code ${code})`); });
  }

  /** Run one job on this worker. Resolves with the result; rejects with a RemoteError (code 'user' for bad input). */
  train(req: Omit<TrainRequest, 'control'>): Promise<TrainResult> {
    return this.rpc.request('train/start', { ...req, control: this.control });
  }

  on<M extends keyof WorkerEvents & string>(event: M, fn: (p: WorkerEvents[M]) => void): { dispose(): void } {
    return this.rpc.on(event, fn);
  }

  /** Ask the run to stop after its current step; it keeps its best checkpoint. */
  stop(): void { requestStop(this.control); }

  async terminate(): Promise<void> {
    if (this.exited) return;
    this.rpc.dispose('the training worker was terminated');
    await this.worker.terminate();
  }
}
