/**
 * Training runs: a queue with a concurrent-run limit (`seqlab.training.maxConcurrentRuns`), one worker thread
 * (dist/worker.js) per run, a cancellable progress notification per run, a status-bar item and the log channel.
 * Nothing here runs the engine on the extension host's thread.
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PANEL_COMMANDS } from './commandIds';
import type { TrainOptions } from '../engine/options';
import { CHECKPOINT_FILE } from '../protocol/model';
import {
  createControl,
  type ForecastTrainRequest,
  requestStop,
  type HostToWorkerRpc,
  type TrainProgress,
  type TrainRequest,
  type TrainResult,
  type TrainSources,
} from '../protocol/worker';
import { maxConcurrentRuns, trainingThreads } from './config';
import { bits, fmtCount, fmtDuration } from './format';
import { log } from './log';
import { removeRunLock } from '../data/runLock';
import { WorkerClient } from '../worker/client';

export interface JobSpec {
  name: string;
  outDir: string;
  sources: TrainSources;
  options: Partial<TrainOptions>;
  resume?: TrainRequest['resume'];
  /** show the cancellable notification (default true) */
  notify?: boolean;
  /** a CSV forecasting run (its request less what the service fills in); the queue and the limits are the same */
  forecast?: Omit<ForecastTrainRequest, 'jobId' | 'outDir' | 'name' | 'control'>;
}

export type JobState = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

export interface Job {
  readonly id: string;
  readonly spec: JobSpec;
  state: JobState;
  progress?: TrainProgress;
  result?: TrainResult;
  error?: Error;
  stopRequested: boolean;
  /** kernel threads the run was given (seqlab.training.threads), once it starts */
  threads?: number;
  readonly control: SharedArrayBuffer;
  /** settles when the run ends: the TrainResult, or rejects with the run's error */
  readonly done: Promise<TrainResult>;
}

interface JobInternal extends Job {
  resolve(r: TrainResult): void;
  reject(e: Error): void;
  worker?: WorkerClient<HostToWorkerRpc>;
  existedBefore: boolean;
}

let counter = 0;

export class TrainingService implements vscode.Disposable {
  private readonly jobs: JobInternal[] = [];
  private readonly changed = new vscode.EventEmitter<Job | undefined>();
  /** fires on state changes and (throttled) progress */
  readonly onDidChange = this.changed.event;
  private readonly sampled = new vscode.EventEmitter<{ job: Job; step: number; text: string }>();
  /** the text sample the run generates at each evaluation (shown by the training dashboard) */
  readonly onDidSample = this.sampled.event;
  private statusItem?: vscode.StatusBarItem;
  private lastUiUpdate = 0;
  private uiTimer?: ReturnType<typeof setTimeout>;
  private busy = false;

  constructor(private readonly workerPath: string) {}

  /** the status-bar item, created with the first run */
  private get status(): vscode.StatusBarItem {
    if (!this.statusItem) {
      this.statusItem = vscode.window.createStatusBarItem('seqlab.training', vscode.StatusBarAlignment.Left, 10);
      this.statusItem.name = vscode.l10n.t('Sequence Lab Training');
      this.statusItem.command = PANEL_COMMANDS.openDashboard;
    }
    return this.statusItem;
  }

  list(): readonly Job[] {
    return this.jobs;
  }
  /** what the status-bar item shows now (undefined when hidden) */
  get statusBarText(): string | undefined {
    return this.busy ? this.status.text : undefined;
  }
  active(): Job[] {
    return this.jobs.filter((j) => j.state === 'queued' || j.state === 'running');
  }
  get(id: string): Job | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  /** Is a run of ours writing into this folder right now? */
  isLive(dir: string): boolean {
    const d = path.resolve(dir);
    return this.jobs.some((j) => (j.state === 'queued' || j.state === 'running') && path.resolve(j.spec.outDir) === d);
  }

  start(spec: JobSpec): Job {
    if (this.isLive(spec.outDir)) throw Object.assign(new Error(vscode.l10n.t('"{0}" is already training.', spec.name)), { userFacing: true });
    let resolve!: (r: TrainResult) => void, reject!: (e: Error) => void;
    const done = new Promise<TrainResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined); // callers that do not wait must not cause unhandled rejections
    const job: JobInternal = {
      id: `run-${Date.now().toString(36)}-${++counter}`,
      spec,
      state: 'queued',
      stopRequested: false,
      control: createControl(),
      done,
      resolve,
      reject,
      existedBefore: existsSync(spec.outDir),
    };
    this.jobs.push(job);
    if (this.jobs.length > 50) this.jobs.splice(0, this.jobs.findIndex((j) => j.state !== 'queued' && j.state !== 'running') + 1);
    log().info(`[${spec.name}] queued`);
    if (spec.notify !== false) this.showNotification(job);
    this.changed.fire(job);
    this.pump();
    return job;
  }

  /** Stops a run after its current step (it keeps its best checkpoint); a queued run is dropped. */
  stop(id: string): boolean {
    const job = this.jobs.find((j) => j.id === id);
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return false;
    job.stopRequested = true;
    if (job.state === 'queued') {
      job.state = 'cancelled';
      log().info(`[${job.spec.name}] removed from the queue`);
      job.reject(
        Object.assign(new Error(vscode.l10n.t('Training "{0}" was cancelled before it started.', job.spec.name)), { userFacing: true, cancelled: true }),
      );
      this.changed.fire(job);
      this.updateStatusBar();
    } else {
      log().info(`[${job.spec.name}] stop requested; the run ends after its current step`);
      requestStop(job.control);
      this.changed.fire(job);
    }
    return true;
  }

  private pump(): void {
    const limit = maxConcurrentRuns();
    while (this.jobs.filter((j) => j.state === 'running').length < limit) {
      const next = this.jobs.find((j) => j.state === 'queued');
      if (!next) break;
      void this.run(next);
    }
    this.updateStatusBar();
  }

  private async run(job: JobInternal): Promise<void> {
    job.state = 'running';
    this.changed.fire(job);
    const { spec } = job;
    log().info(`[${spec.name}] started → ${spec.outDir}`);
    let worker: WorkerClient<HostToWorkerRpc> | undefined;
    try {
      if (!existsSync(this.workerPath)) throw new Error(vscode.l10n.t('The training worker is missing ({0}). Rebuild the extension.', this.workerPath));
      worker = new WorkerClient<HostToWorkerRpc>(this.workerPath, {
        crashed: (m) => vscode.l10n.t('The training worker crashed: {0}', m),
        exited: (code) => vscode.l10n.t('The training worker exited unexpectedly (code {0}).', code),
        onError: (e) => log().error(`[${spec.name}] worker error: ${e.stack ?? e.message}`),
      });
      job.worker = worker;
      const rpc = worker.rpc;
      rpc.on('train/progress', (p) => {
        if (p.jobId === job.id) {
          job.progress = p;
          this.progressChanged(job);
        }
      });
      rpc.on('train/log', (l) => {
        if (l.jobId !== job.id) return;
        const line = `[${spec.name}] ${l.message}`;
        if (l.level === 'error') log().error(line);
        else if (l.level === 'warn') log().warn(line);
        else log().info(line);
      });
      rpc.on('train/sample', (s) => {
        if (s.jobId !== job.id) return;
        log().info(`[${spec.name}] sample at step ${s.step}: ${JSON.stringify(s.text.slice(0, 300))}`);
        this.sampled.fire({ job, step: s.step, text: s.text });
      });
      await fsp.mkdir(path.dirname(spec.outDir), { recursive: true });
      job.threads = trainingThreads();
      const req: TrainRequest = {
        jobId: job.id,
        sources: spec.sources,
        outDir: spec.outDir,
        name: spec.name,
        resume: spec.resume,
        options: spec.options,
        control: job.control,
        threads: job.threads,
      };
      // the worker creates the model folder (and its run lock) only once the data and options pass every check
      const result: TrainResult = spec.forecast
        ? await rpc.request('forecast/train', { ...spec.forecast, jobId: job.id, outDir: spec.outDir, name: spec.name, control: job.control })
        : await rpc.request('train/start', req);
      job.result = result;
      job.state = 'finished';
      const loss = result.bestValLoss === null ? '' : ` best val ${bits(result.bestValLoss).toFixed(3)} bits/char`;
      log().info(`[${spec.name}] ${result.status} after ${result.steps} steps (${result.stopReason})${loss}`);
      job.resolve(result);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      job.error = err;
      job.state = 'failed';
      log().error(`[${spec.name}] failed: ${err.message}`);
      await this.cleanupFailed(job);
      job.reject(err);
    } finally {
      removeRunLock(spec.outDir, job.id);
      job.worker = undefined;
      if (worker) void worker.terminate().catch(() => undefined);
      this.changed.fire(job);
      this.pump();
    }
  }

  /** A failed run that left nothing usable (no checkpoint) in a folder it created leaves no model behind. */
  private async cleanupFailed(job: JobInternal): Promise<void> {
    const dir = job.spec.outDir;
    if (job.existedBefore || !existsSync(dir) || existsSync(path.join(dir, CHECKPOINT_FILE))) return;
    await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private progressChanged(job: JobInternal): void {
    // throttle UI work (status bar, tree) to ~4 updates/s however fast the worker reports
    const now = Date.now();
    if (now - this.lastUiUpdate >= 250) {
      this.lastUiUpdate = now;
      this.updateStatusBar();
      this.changed.fire(job);
      return;
    }
    if (!this.uiTimer) {
      this.uiTimer = setTimeout(() => {
        this.uiTimer = undefined;
        this.lastUiUpdate = Date.now();
        this.updateStatusBar();
        this.changed.fire(job);
      }, 250);
    }
  }

  private updateStatusBar(): void {
    const running = this.jobs.filter((j) => j.state === 'running');
    const queued = this.jobs.filter((j) => j.state === 'queued').length;
    const busy = running.length + queued > 0;
    if (busy !== this.busy) {
      this.busy = busy;
      void vscode.commands.executeCommand('setContext', 'seqlab.isTraining', busy);
    }
    if (!busy) {
      this.statusItem?.hide();
      return;
    }
    const j = running[running.length - 1];
    const p = j?.progress;
    let text = '$(pulse) ';
    if (!j) text += vscode.l10n.t('{0} queued', queued);
    else if (!p) text += vscode.l10n.t('{0}: starting…', j.spec.name);
    else text += progressLine(p);
    if (running.length > 1) text += ` (+${running.length - 1})`;
    if (queued > 0 && j) text += ' ' + vscode.l10n.t('+{0} queued', queued);
    this.status.text = text;
    this.status.tooltip = j ? vscode.l10n.t('Training "{0}" — click to open the training dashboard', j.spec.name) : undefined;
    this.status.show();
  }

  private showNotification(job: JobInternal): void {
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Training "{0}"', job.spec.name),
        cancellable: true,
      },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => this.stop(job.id));
          let lastPct = 0;
          const sub = this.onDidChange((j) => {
            if (j !== job) return;
            if (job.state === 'queued') {
              progress.report({ message: vscode.l10n.t('queued') });
              return;
            }
            if (job.state !== 'running') {
              sub.dispose();
              resolve();
              return;
            }
            const p = job.progress;
            if (!p) {
              progress.report({ message: vscode.l10n.t('starting…') });
              return;
            }
            const pct = fraction(p, job.spec.options) * 100;
            const inc = pct > lastPct ? pct - lastPct : 0;
            lastPct = Math.max(lastPct, pct);
            progress.report({ message: (job.stopRequested ? vscode.l10n.t('stopping…') + ' ' : '') + progressLine(p), increment: inc });
          });
          if (job.state !== 'queued' && job.state !== 'running') {
            sub.dispose();
            resolve();
          }
        }),
    );
  }

  dispose(): void {
    for (const j of this.jobs) {
      if (j.state === 'running') requestStop(j.control);
    }
    // give runs a moment to write their checkpoint; the card of a run cut short reads as 'interrupted'
    for (const j of this.jobs)
      if (j.worker) {
        const w = j.worker;
        setTimeout(() => void w.terminate(), 2000).unref?.();
      }
    if (this.uiTimer) clearTimeout(this.uiTimer);
    this.statusItem?.dispose();
    this.changed.dispose();
    this.sampled.dispose();
  }
}

export function progressLine(p: TrainProgress): string {
  const step = p.totalSteps ? `${p.step}/${p.totalSteps}` : String(p.step);
  const loss = bits(p.trainLoss).toFixed(2);
  return vscode.l10n.t('step {0} · loss {1} bits/char · {2} chars/s · ETA {3}', step, loss, fmtCount(p.charsPerSec), fmtDuration(p.etaSec));
}

function fraction(p: TrainProgress, o: Partial<TrainOptions>): number {
  if (p.totalSteps) return Math.min(1, p.step / p.totalSteps);
  if (o.minutes) return Math.min(1, p.elapsedSec / (o.minutes * 60));
  if (p.etaSec !== null && p.etaSec !== undefined) return Math.min(1, p.elapsedSec / (p.elapsedSec + p.etaSec));
  return 0;
}
