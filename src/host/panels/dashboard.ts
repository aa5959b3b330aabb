/**
 * The training dashboard: live loss curves (every run since activation, overlaid), run statistics, the
 * hyperparameters, the sample text at each evaluation, and Stop / Generate / Open Model.
 * The history is recorded from activation on (DashboardHistory), so a dashboard opened mid-run has the whole curve.
 */
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import { resolveOptions } from '../../engine/options';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseTrainLog } from '../../data/trainLog';
import { REMOTE_LOG_FILE } from '../../protocol/model';
import type { DashPoint, DashRun, DashStats } from '../../protocol/webview';
import type { TrainProgress } from '../../protocol/worker';
import type { Job, TrainingService } from '../trainingService';
import { Panel, PanelSlot } from './base';
import { fromSaved, HISTORY_KEY, toSaved } from './runHistory';
import { webviewStrings } from './strings';

const MAX_POINTS = 20_000;
const MAX_SAMPLES = 200;

/** a run of this session (job) or one restored from the workspace state (saved) */
interface RunRecord {
  job?: Job;
  saved?: Omit<DashRun, 'points' | 'samples'>;
  points: DashPoint[];
  samples: { step: number; text: string }[];
  lastVal?: number;
}

function stats(p: TrainProgress): DashStats {
  return {
    step: p.step,
    totalSteps: p.totalSteps,
    epoch: p.epoch,
    charsPerSec: p.charsPerSec,
    etaSec: p.etaSec,
    lr: p.lr,
    gradNorm: p.gradNorm,
    bestValLoss: p.bestValLoss,
    elapsedSec: p.elapsedSec,
  };
}

export function hyperOf(job: Job): DashRun['hyper'] {
  if (job.spec.forecast)
    return plainValues({ ...job.spec.forecast, targets: job.spec.forecast.targets?.join(', '), features: job.spec.forecast.features?.join(', ') });
  let o: Record<string, unknown> = { ...job.spec.options };
  try {
    o = { ...resolveOptions(job.spec.options) };
  } catch {
    /* show what was given */
  }
  return plainValues(o);
}

/** the entries of `o` the dashboard can show as hyperparameters (strings, numbers, booleans) */
export function plainValues(o: Record<string, unknown> = {}): DashRun['hyper'] {
  const out: DashRun['hyper'] = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
  }
  return out;
}

/** Records every run's curve and samples from activation on. */
export class DashboardHistory extends Disposable {
  readonly runs = new Map<string, RunRecord>();
  private readonly emitter = new vscode.EventEmitter<{ type: 'run' | 'progress' | 'sample'; rec: RunRecord; sample?: { step: number; text: string } }>();
  readonly onDidUpdate = this.emitter.event;

  constructor(
    readonly training: TrainingService,
    private readonly memento?: vscode.Memento,
  ) {
    super();
    // finished runs of earlier sessions in this workspace, so their curves can be overlaid
    for (const r of fromSaved(memento?.get(HISTORY_KEY))) {
      const { points, samples, ...info } = r;
      this.runs.set(r.id, { saved: info, points, samples });
    }
    this.subs.push(
      training.onDidChange((job) => {
        if (job) this.update(job);
      }),
    );
    this.subs.push(
      training.onDidSample(({ job, step, text }) => {
        const rec = this.record(job);
        rec.samples.push({ step, text });
        if (rec.samples.length > MAX_SAMPLES) rec.samples.shift();
        this.emitter.fire({ type: 'sample', rec, sample: { step, text } });
      }),
    );
    for (const j of training.list()) this.update(j);
  }

  private record(job: Job): RunRecord {
    let rec = this.runs.get(job.id);
    if (!rec) {
      rec = { job, points: [], samples: [] };
      this.runs.set(job.id, rec);
      this.emitter.fire({ type: 'run', rec });
    }
    return rec;
  }

  private lastState = new Map<string, string>();

  private update(job: Job): void {
    const rec = this.record(job);
    const stateKey = `${job.state}:${job.stopRequested}`;
    if (this.lastState.get(job.id) !== stateKey) {
      this.lastState.set(job.id, stateKey);
      this.emitter.fire({ type: 'run', rec });
      if (job.state === 'finished' || job.state === 'failed' || job.state === 'cancelled') this.save();
    }
    const p = job.progress;
    if (!p) return;
    const last = rec.points[rec.points.length - 1];
    if (last && last.step >= p.step) return;
    const point: DashPoint = { step: p.step, train: p.trainLoss, elapsedSec: p.elapsedSec };
    if (p.valLoss !== undefined && p.valLoss !== rec.lastVal) {
      point.val = p.valLoss;
      rec.lastVal = p.valLoss;
    }
    rec.points.push(point);
    if (rec.points.length > MAX_POINTS) rec.points.splice(0, rec.points.length - MAX_POINTS);
    this.emitter.fire({ type: 'progress', rec });
  }

  /**
   * The curves of a run that happened elsewhere (our PyTorch script's train.log.jsonl, kept in the model folder by an
   * import), as a finished run; returns its id, or undefined when the folder has no such log.
   */
  addLog(modelDir: string, name: string, hyper: DashRun['hyper']): string | undefined {
    const file = path.join(modelDir, REMOTE_LOG_FILE);
    if (!existsSync(file)) return undefined;
    const { points } = parseTrainLog(readFileSync(file, 'utf8'));
    const id = `log:${modelDir}`;
    const rec: RunRecord = {
      saved: { id, name, state: 'finished', modelDir, kind: 'char', hyper, stopRequested: false },
      points: points.slice(-MAX_POINTS),
      samples: [],
    };
    this.runs.set(id, rec);
    this.emitter.fire({ type: 'run', rec });
    return id;
  }

  private save(): void {
    if (!this.memento) return;
    void this.memento.update(HISTORY_KEY, toSaved(this.snapshot(), fromSaved(this.memento.get(HISTORY_KEY))));
  }

  static runInfo(rec: RunRecord): Omit<DashRun, 'points' | 'samples'> {
    const j = rec.job;
    if (!j) return rec.saved!;
    return {
      id: j.id,
      name: j.spec.name,
      state: j.state,
      modelDir: j.spec.outDir,
      kind: j.spec.forecast ? 'regression' : 'char',
      hyper: hyperOf(j),
      stats: j.progress ? stats(j.progress) : undefined,
      stopRequested: j.stopRequested,
    };
  }

  snapshot(): DashRun[] {
    return [...this.runs.values()].map((r) => ({ ...DashboardHistory.runInfo(r), points: r.points, samples: r.samples }));
  }

  override dispose(): void {
    this.emitter.dispose();
    super.dispose();
  }
}

export interface DashboardDeps {
  extensionUri: vscode.Uri;
  history: DashboardHistory;
  training: TrainingService;
  generate(modelDir: string): Thenable<unknown>;
  revealModel(modelDir: string): Thenable<unknown>;
}

export class DashboardPanel extends Panel<'dashboard'> {
  static readonly slot = new PanelSlot<DashboardPanel>('dashboard', vscode.ViewColumn.Active);
  static get current(): DashboardPanel | undefined {
    return DashboardPanel.slot.current;
  }
  private ready = false;

  static show(deps: DashboardDeps, runId?: string): DashboardPanel {
    const create = (panel: vscode.WebviewPanel) => new DashboardPanel(panel, deps, runId);
    return DashboardPanel.slot.open(deps.extensionUri, vscode.l10n.t('Training Dashboard'), create, (cur) => {
      if (runId) cur.selected = runId;
    });
  }

  /** restore after a reload (WebviewPanelSerializer) */
  static revive(panel: vscode.WebviewPanel, deps: DashboardDeps): DashboardPanel {
    return DashboardPanel.slot.revive(panel, deps.extensionUri, (p) => new DashboardPanel(p, deps));
  }

  private constructor(
    panel: vscode.WebviewPanel,
    deps: DashboardDeps,
    private selected?: string,
  ) {
    super('dashboard', panel, deps.extensionUri, vscode.l10n.t('Training Dashboard'));
    const { history, training } = deps;
    this.rpc.handle('dashboard/ready', () => {
      this.ready = true;
      const runs = history.snapshot();
      return { runs, selected: this.selected ?? runs[runs.length - 1]?.id, strings: webviewStrings('dashboard') };
    });
    this.rpc.handle('dashboard/stop', ({ runId }) => training.stop(runId));
    this.rpc.handle('dashboard/generate', async ({ runId }) => {
      const rec = history.runs.get(runId);
      if (!rec) return false;
      await deps.generate(DashboardHistory.runInfo(rec).modelDir);
      return true;
    });
    this.rpc.handle('dashboard/openModel', async ({ runId }) => {
      const rec = history.runs.get(runId);
      if (!rec) return false;
      await deps.revealModel(DashboardHistory.runInfo(rec).modelDir);
      return true;
    });
    this.subs.push(
      history.onDidUpdate((e) => {
        if (!this.ready) return; // nothing is sent before the webview's ready handshake
        if (e.type === 'run') this.rpc.notify('dashboard/run', DashboardHistory.runInfo(e.rec));
        else if (e.type === 'progress') {
          const p = e.rec.points[e.rec.points.length - 1];
          const s = e.rec.job?.progress;
          if (p && s) this.rpc.notify('dashboard/progress', { runId: e.rec.job!.id, point: p, stats: stats(s) });
        } else if (e.sample && e.rec.job) this.rpc.notify('dashboard/sample', { runId: e.rec.job.id, ...e.sample });
      }),
    );
    // the webview is discarded when hidden (no retainContextWhenHidden); it sends 'ready' again when shown
    panel.onDidChangeViewState(
      () => {
        if (!panel.visible) this.ready = false;
      },
      null,
      this.subs,
    );
  }
}
