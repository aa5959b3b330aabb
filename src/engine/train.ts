/**
 * The training loop: synchronous, with callbacks, testable without a worker.
 *
 * Truncated BPTT over B parallel contiguous streams; the hidden state is carried from one batch to the
 * next (char-rnn) and reset when the data wraps to a new epoch. Validation every `evalEvery` steps keeps
 * the best weights; early stopping with patience; a divergence guard restores the best weights.
 * Everything that influences the math (params, optimizer state, RNG, data position, hidden state, schedule)
 * is in `TrainerSnapshot`, so resuming from a snapshot continues exactly.
 */
import type { ModelConfig } from './config';
import type { Model, ModelState } from './model';
import { clipGradNorm, Optimizer } from './optim';
import type { TrainOptions } from './options';
import { Rng } from './rng';

/** Where batches come from (implemented in data/: text streams, CSV windows). */
export interface BatchSource {
  /** Fill x (T,B) ids or (T,B,F) features and y (T,B) ids or (T,B,O) targets; true when this batch starts a new epoch. */
  next(x: Int32Array | Float32Array, y: Int32Array | Float32Array): boolean;
  state: { pos: number; epoch: number };
  readonly batchesPerEpoch: number;
}

export interface StepInfo {
  step: number;
  epoch: number;
  loss: number;
  gradNorm: number;
  lr: number;
  /** seconds of training in this session */
  elapsedSec: number;
  /** chars (or windows·steps) per second, over this session */
  charsPerSec: number;
  etaSec: number | null;
}

export interface EvalInfo {
  step: number;
  valLoss: number;
  bestValLoss: number;
  improved: boolean;
}

export interface TrainCallbacks {
  onStep?(s: StepInfo): void;
  onEval?(e: EvalInfo): void;
  /** a new best model (by validation loss; or the final weights when there is no validation) */
  onBest?(step: number, valLoss: number | null): void;
  shouldStop?(): boolean;
  /** milliseconds; injectable for tests */
  now?(): number;
}

export interface TrainerSnapshot {
  step: number;
  rng: number[];
  data: { pos: number; epoch: number };
  optimizerT: number;
  bestValLoss: number | null;
  bestStep: number;
  evalsSinceBest: number;
  smoothLoss: number | null;
  minSmoothLoss: number | null;
  trainSeconds: number;
}

export type StopKind = 'steps' | 'time' | 'early-stop' | 'cancelled' | 'diverged' | 'none';
export interface RunResult {
  steps: number;
  stop: StopKind;
  reason: string;
  bestValLoss: number | null;
  bestStep: number;
}

export class Trainer {
  readonly optimizer: Optimizer;
  readonly rng: Rng;
  state: ModelState;
  step = 0;
  bestValLoss: number | null = null;
  bestStep = 0;
  /** the best weights so far (a copy of model.params.data) */
  readonly bestParams: Float32Array;
  private evalsSinceBest = 0;
  private smoothLoss: number | null = null;
  private minSmoothLoss: number | null = null;
  private trainSecondsBefore = 0;
  /** seconds into the current run() (null between runs), so checkpoints taken during a run carry its time so far */
  private runSeconds: (() => number) | null = null;
  private readonly x: Int32Array | Float32Array; // (T,B) or (T,B,F)
  private readonly y: Int32Array | Float32Array; // (T,B) or (T,B,O)
  readonly config: ModelConfig;

  constructor(
    readonly model: Model,
    readonly opts: TrainOptions,
    readonly train: BatchSource,
    readonly val: BatchSource | null,
    readonly shape: { lastOnly?: boolean; stateful?: boolean } = {},
  ) {
    this.config = model.config;
    const { batch: B, seq: T } = opts;
    const c = this.config;
    this.optimizer = new Optimizer(opts.optimizer, model.params.data.length);
    this.rng = new Rng(opts.seed);
    this.state = model.newState(B);
    this.bestParams = Float32Array.from(model.params.data);
    this.x = c.kind === 'char' ? new Int32Array(T * B) : new Float32Array(T * B * c.features);
    this.y = c.kind === 'char' ? new Int32Array(T * B) : new Float32Array(T * B * c.outputs);
    model.ensure(T, B);
  }

  /** Seeded initialization (call once for a fresh run, not when resuming). */
  init(): void {
    this.model.initParams(this.rng);
    this.bestParams.set(this.model.params.data);
  }

  get lr(): number {
    const o = this.opts;
    return o.lr * Math.pow(o.lrDecay, Math.floor(this.step / o.lrDecayEvery));
  }

  /** One optimizer step on the next batch. Returns loss and gradient norm (before clipping). */
  trainStep(): { loss: number; gradNorm: number; epoch: boolean } {
    const { batch: B, seq: T } = this.opts;
    const m = this.model;
    const newEpoch = this.train.next(this.x, this.y);
    if (newEpoch || this.shape.stateful === false) this.resetState();
    m.forward(this.x, T, B, this.state, true, this.rng);
    const loss = m.loss(this.y, this.shape.lastOnly);
    m.zeroGrads();
    m.backward(this.y, this.shape.lastOnly);
    const gradNorm = clipGradNorm(m.grads.data, this.opts.clip, m.k);
    if (Number.isFinite(loss) && Number.isFinite(gradNorm)) this.optimizer.step(m.params.data, m.grads.data, { ...this.opts, lr: this.lr }, m.k);
    this.step++;
    return { loss, gradNorm, epoch: newEpoch };
  }

  resetState(): void {
    for (const a of [...this.state.h, ...this.state.c]) a.fill(0);
  }

  /** Mean validation loss over the validation split (or its first `evalBatches` batches); fresh state. */
  evaluate(): number {
    const v = this.val;
    if (!v) return NaN;
    const { batch: B, seq: T } = this.opts;
    const saved = { ...v.state };
    v.state = { pos: 0, epoch: 0 };
    const st = this.model.newState(B);
    const n = this.opts.evalBatches > 0 ? Math.min(this.opts.evalBatches, v.batchesPerEpoch) : v.batchesPerEpoch;
    let total = 0;
    for (let i = 0; i < n; i++) {
      v.next(this.x, this.y);
      if (this.shape.stateful === false) for (const a of [...st.h, ...st.c]) a.fill(0);
      this.model.forward(this.x, T, B, st, false, null);
      total += this.model.loss(this.y, this.shape.lastOnly);
    }
    v.state = saved;
    return total / Math.max(1, n);
  }

  /**
   * The divergence guard after a step: NaN/Inf, or a blow-up of the smoothed loss well above its minimum. On
   * divergence the best weights are restored and the reason is returned.
   */
  private divergence(loss: number, gradNorm: number): string | null {
    const diverged = !Number.isFinite(loss) || !Number.isFinite(gradNorm);
    this.smoothLoss = this.smoothLoss === null ? loss : 0.95 * this.smoothLoss + 0.05 * loss;
    this.minSmoothLoss = this.minSmoothLoss === null ? this.smoothLoss : Math.min(this.minSmoothLoss, this.smoothLoss);
    const blewUp = this.minSmoothLoss !== null && this.smoothLoss > this.opts.divergeFactor * this.minSmoothLoss + 1;
    if (!diverged && !blewUp) return null;
    this.model.params.data.set(this.bestParams);
    const what = diverged
      ? `the loss became ${Number.isNaN(loss) ? 'NaN' : 'infinite'}`
      : `the loss blew up (${this.smoothLoss.toFixed(3)} vs best ${this.minSmoothLoss!.toFixed(3)})`;
    return `training diverged at step ${this.step}: ${what}; restored the best weights (step ${this.bestStep}). Try a lower learning rate.`;
  }

  /** Validate now, keep the best weights; the early-stopping reason when patience has run out, else null. */
  private validate(cb: TrainCallbacks): string | null {
    const o = this.opts;
    const valLoss = this.evaluate();
    const improved = this.bestValLoss === null || valLoss < this.bestValLoss;
    if (improved) {
      this.bestValLoss = valLoss;
      this.bestStep = this.step;
      this.evalsSinceBest = 0;
      this.bestParams.set(this.model.params.data);
    } else this.evalsSinceBest++;
    cb.onEval?.({ step: this.step, valLoss, bestValLoss: this.bestValLoss!, improved });
    if (improved) cb.onBest?.(this.step, valLoss);
    if (o.patience > 0 && this.evalsSinceBest >= o.patience) {
      return `validation loss stopped improving (best ${this.bestValLoss!.toFixed(4)} at step ${this.bestStep}; ${o.patience} evaluations without improvement)`;
    }
    return null;
  }

  /** Train until a stop condition. Synchronous; callbacks report progress and ask whether to stop. */
  run(cb: TrainCallbacks = {}): RunResult {
    const o = this.opts;
    const now = cb.now ?? (() => Date.now());
    const t0 = now();
    const startStep = this.step;
    const charsPerStep = o.batch * o.seq;
    const elapsed = () => (now() - t0) / 1000;
    this.runSeconds = elapsed;
    const maxSteps = o.steps > 0 ? o.steps : Infinity;
    const maxSec = o.minutes > 0 ? o.minutes * 60 : Infinity;
    const finish = (stop: StopKind, reason: string): RunResult => {
      this.trainSecondsBefore += elapsed();
      this.runSeconds = null;
      if (this.val === null || this.bestValLoss === null) {
        // without validation, the best model is the latest one
        if (stop !== 'diverged') {
          this.bestParams.set(this.model.params.data);
          this.bestStep = this.step;
          cb.onBest?.(this.step, null);
        }
      }
      return { steps: this.step, stop, reason, bestValLoss: this.bestValLoss, bestStep: this.bestStep };
    };
    if (this.step >= maxSteps) return finish('steps', `reached ${maxSteps} steps`);
    for (;;) {
      if (cb.shouldStop?.()) return finish('cancelled', 'stopped by the user');
      const { loss, gradNorm } = this.trainStep();
      const divergence = this.divergence(loss, gradNorm);
      if (divergence) return finish('diverged', divergence);
      const sec = elapsed();
      const done = this.step - startStep;
      const perStep = sec / Math.max(1, done);
      const remSteps = Number.isFinite(maxSteps) ? (maxSteps - this.step) * perStep : Infinity;
      const remTime = Number.isFinite(maxSec) ? maxSec - sec : Infinity;
      const eta = Math.min(remSteps, remTime);
      cb.onStep?.({
        step: this.step,
        epoch: this.train.state.epoch,
        loss,
        gradNorm,
        lr: this.lr,
        elapsedSec: sec,
        charsPerSec: sec > 0 ? (done * charsPerStep) / sec : 0,
        etaSec: Number.isFinite(eta) ? Math.max(0, eta) : null,
      });
      const last = this.step >= maxSteps || sec >= maxSec;
      if (this.val && (this.step % o.evalEvery === 0 || last)) {
        const early = this.validate(cb);
        if (early) return finish('early-stop', early);
      }
      if (this.step >= maxSteps) return finish('steps', `reached ${maxSteps} steps`);
      if (sec >= maxSec) return finish('time', `reached the time budget of ${o.minutes} minute(s)`);
    }
  }

  /** Training seconds over all sessions of this run. */
  /** training time over every session, the current run included */
  get trainSeconds(): number {
    return this.trainSecondsBefore + (this.runSeconds?.() ?? 0);
  }

  snapshot(): TrainerSnapshot {
    return {
      step: this.step,
      rng: this.rng.state(),
      data: { ...this.train.state },
      optimizerT: this.optimizer.t,
      bestValLoss: this.bestValLoss,
      bestStep: this.bestStep,
      evalsSinceBest: this.evalsSinceBest,
      smoothLoss: this.smoothLoss,
      minSmoothLoss: this.minSmoothLoss,
      trainSeconds: this.trainSeconds,
    };
  }

  /** Restore everything a snapshot holds (the caller restores params, optimizer state, best params and hidden state arrays). */
  restore(s: TrainerSnapshot): void {
    this.step = s.step;
    const r = new Rng(s.rng);
    Object.assign(this.rng, r);
    this.train.state = { ...s.data };
    this.optimizer.t = s.optimizerT;
    this.bestValLoss = s.bestValLoss;
    this.bestStep = s.bestStep;
    this.evalsSinceBest = s.evalsSinceBest;
    this.smoothLoss = s.smoothLoss;
    this.minSmoothLoss = s.minSmoothLoss;
    this.trainSecondsBefore = s.trainSeconds;
  }
}
