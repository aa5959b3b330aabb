/**
 * The host's handle on the inference worker (dist/infer-worker.js): started on first use, shared by the panels,
 * stopped when the last panel closes (or the extension deactivates), restarted after a crash.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { HostToInferRpc, InferWorkerEvents } from '../../protocol/infer';
import { WorkerClient } from '../../worker/client';
import { log } from '../log';

export class InferClient implements vscode.Disposable {
  private worker?: WorkerClient<HostToInferRpc>;
  private users = 0;
  private nextReq = 1;

  constructor(private readonly workerPath: string) {}

  get rpc(): HostToInferRpc {
    if (this.worker && !this.worker.rpc.isClosed) return this.worker.rpc;
    if (!existsSync(this.workerPath)) throw new Error(vscode.l10n.t('The inference worker is missing ({0}). Rebuild the extension.', this.workerPath));
    const w: WorkerClient<HostToInferRpc> = new WorkerClient<HostToInferRpc>(this.workerPath, {
      crashed: (m) => vscode.l10n.t('The inference worker crashed: {0}', m),
      exited: (code) => vscode.l10n.t('The inference worker exited (code {0}).', code),
      onError: (e) => log().error(`inference worker error: ${e.stack ?? e.message}`),
      onExit: () => {
        if (this.worker === w) this.worker = undefined;
      },
    });
    this.worker = w;
    return w.rpc;
  }

  reqId(): number {
    return this.nextReq++;
  }

  on<M extends keyof InferWorkerEvents & string>(m: M, fn: (p: InferWorkerEvents[M]) => void): { dispose(): void } {
    return this.rpc.on(m, fn);
  }

  /** a panel starts using the worker; the returned disposable ends that use */
  acquire(): vscode.Disposable {
    this.users++;
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        if (--this.users <= 0) {
          this.users = 0;
          this.stop();
        }
      },
    };
  }

  private stop(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate(vscode.l10n.t('The inference worker was stopped.')).catch(() => undefined);
  }

  dispose(): void {
    this.stop();
  }
}
