/** The dashboard's hyperparameter table: which of a run's options apply to it (pure, tested in Node). */

/** The hyperparameters that apply to this run: no momentum for Adam, no betas for SGD, no unused budget or decay. */
export function applicableHyper(h: Record<string, string | number | boolean | null>): [string, string | number | boolean | null][] {
  const opt = h.optimizer;
  const skip = (k: string, v: unknown): boolean =>
    (k === 'momentum' && opt === 'adam') ||
    ((k === 'beta1' || k === 'beta2') && opt !== undefined && opt !== 'adam') ||
    (k === 'eps' && opt === 'sgd') ||
    ((k === 'minutes' || k === 'steps' || k === 'patience' || k === 'evalBatches' || k === 'weightDecay') && v === 0) ||
    (k === 'lrDecayEvery' && h.lrDecay === 1) ||
    (k === 'lrDecay' && v === 1) ||
    (k === 'dropout' && v === 0 && h.layers === 1);
  return Object.entries(h).filter(([k, v]) => !skip(k, v));
}
