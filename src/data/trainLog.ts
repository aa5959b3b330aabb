/**
 * The JSON-lines training log (`seqlab train --json`, and train.log.jsonl written by our PyTorch script): one object
 * per logged step (`step`, `train_loss`, `val_loss` when validated, `elapsed_s`, …), then `{ done: true, … }`.
 * Parsed leniently: a line that is not such an object (a warning, a torn last line) is skipped.
 */
export interface LogPoint {
  step: number;
  train: number;
  val?: number;
  elapsedSec: number;
}

export function parseTrainLog(text: string): { points: LogPoint[]; done: Record<string, unknown> | null } {
  const points: LogPoint[] = [];
  let done: Record<string, unknown> | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (o.done === true) {
      done = o;
      continue;
    }
    const step = o.step,
      train = o.train_loss,
      val = o.val_loss,
      t = o.elapsed_s;
    if (typeof step !== 'number' || typeof train !== 'number' || !Number.isFinite(train)) continue;
    const p: LogPoint = { step, train, elapsedSec: typeof t === 'number' ? t : 0 };
    if (typeof val === 'number' && Number.isFinite(val)) p.val = val;
    if (points.length && points[points.length - 1]!.step >= step) continue; // a resumed run repeats no step
    points.push(p);
  }
  return { points, done };
}
