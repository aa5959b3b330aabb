/**
 * One training session's bookkeeping around Trainer.run, the same for text runs (run.ts) and forecasting runs
 * (forecast.ts): throttled progress events (the session's first step and every evaluation always reported), a
 * checkpoint and the card at each evaluation, a fast ONNX export at each new best, a crash marked `failed` on the card
 * (then rethrown), and at the end the last progress event and a checkpoint.
 */
import type { Checkpoint } from '../engine/checkpoint';
import type { ModelConfig } from '../engine/config';
import type { TrainOptions } from '../engine/options';
import type { EvalInfo, RunResult, StepInfo, Trainer } from '../engine/train';
import type { ModelCard } from '../protocol/model';
import type { TrainProgress } from '../protocol/worker';

export interface SessionHooks {
  jobId: string;
  /** the trainer's step when this session started */
  stepBase: number;
  /** clock (ms) */
  now(): number;
  shouldStop?(): boolean;
  progress?(p: TrainProgress): void;
  /** minimum ms between progress events (default 200) */
  progressEveryMs?: number;
  /** more work at an evaluation: after its progress event, before the checkpoint */
  onEval?(e: EvalInfo): void;
  saveCheckpoint(): void;
  /** patch and write the card; `{}` refreshes its steps and losses */
  updateCard(patch: Pick<Partial<ModelCard>, 'status' | 'stopReason'>): void;
  /** the fast (unverified) export of the best weights so far */
  writeOnnx(): void;
}

export function runSession(trainer: Trainer, h: SessionHooks): RunResult {
  const every = h.progressEveryMs ?? 200;
  let lastEmit = -Infinity;
  let lastVal: number | undefined;
  const totalSteps = trainer.opts.steps > 0 ? trainer.opts.steps : null;
  const emit = (s: StepInfo, force = false) => {
    const t = h.now();
    if (!force && t - lastEmit < every) return;
    lastEmit = t;
    h.progress?.({
      jobId: h.jobId,
      step: s.step,
      totalSteps,
      epoch: s.epoch,
      trainLoss: s.loss,
      valLoss: lastVal,
      bestValLoss: trainer.bestValLoss ?? undefined,
      charsPerSec: s.charsPerSec,
      etaSec: s.etaSec,
      gradNorm: s.gradNorm,
      lr: s.lr,
      elapsedSec: s.elapsedSec,
    });
  };
  let lastStep: StepInfo | null = null;
  let result: RunResult;
  try {
    result = trainer.run({
      now: h.now,
      shouldStop: h.shouldStop,
      onStep: (s) => {
        lastStep = s;
        emit(s, s.step === h.stepBase + 1);
      },
      onEval: (e) => {
        lastVal = e.valLoss;
        if (lastStep) emit(lastStep, true);
        h.onEval?.(e);
        h.saveCheckpoint();
        h.updateCard({});
      },
      onBest: () => {
        h.writeOnnx();
      },
    });
  } catch (e) {
    h.updateCard({ status: 'failed', stopReason: `crashed: ${(e as Error).message}` });
    throw e;
  }
  if (lastStep) emit(lastStep, true);
  h.saveCheckpoint();
  return result;
}

/** Everything an exact resume needs, as the trainer has it now (the weights copied; the rest by reference). */
export function checkpointOf(trainer: Trainer, config: ModelConfig, options: TrainOptions, vocab: number[] | null, meta: Checkpoint['meta']): Checkpoint {
  return {
    ...{ config, options, vocab, trainer: trainer.snapshot(), meta },
    params: Float32Array.from(trainer.model.params.data),
    optimizer: trainer.optimizer.state,
    bestParams: trainer.bestParams,
    h: trainer.state.h as Float32Array[],
    c: trainer.state.c as Float32Array[],
  };
}
