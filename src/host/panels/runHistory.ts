/**
 * What the dashboard keeps of finished runs in the workspace state, so their curves can still be overlaid after a
 * reload: at most MAX_SAVED_RUNS runs, each curve thinned to at most MAX_SAVED_POINTS points (every validation point
 * kept), the last MAX_SAVED_SAMPLES samples. Pure (no vscode): unit-tested in Node.
 */
import type { DashPoint, DashRun } from '../../protocol/webview';

export const MAX_SAVED_RUNS = 12;
export const MAX_SAVED_POINTS = 1500;
export const MAX_SAVED_SAMPLES = 10;
export const HISTORY_KEY = 'seqlab.dashboard.runs';

/** Thin a curve to ≤ max points: evenly spaced training points, plus every point that carries a validation loss and the last one. */
export function thin(points: DashPoint[], max = MAX_SAVED_POINTS): DashPoint[] {
  if (points.length <= max) return points.slice();
  const keep = new Set<number>();
  points.forEach((p, i) => {
    if (p.val !== undefined) keep.add(i);
  });
  const room = Math.max(2, max - keep.size);
  for (let k = 0; k < room; k++) keep.add(Math.round((k * (points.length - 1)) / (room - 1)));
  return [...keep]
    .sort((a, b) => a - b)
    .slice(-max)
    .map((i) => points[i]);
}

/** The runs worth keeping (ended ones), newest last, trimmed for storage. */
export function toSaved(runs: DashRun[], previous: DashRun[] = []): DashRun[] {
  const ended = runs.filter((r) => r.state === 'finished' || r.state === 'failed' || r.state === 'cancelled');
  const byId = new Map(previous.map((r) => [r.id, r]));
  for (const r of ended) byId.set(r.id, { ...r, points: thin(r.points), samples: r.samples.slice(-MAX_SAVED_SAMPLES), stopRequested: false });
  return [...byId.values()].filter((r) => r.points.length > 0).slice(-MAX_SAVED_RUNS);
}

/** Saved runs read back from storage: anything malformed is dropped. */
export function fromSaved(raw: unknown): DashRun[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(
      (r): r is DashRun =>
        !!r &&
        typeof r === 'object' &&
        typeof r.id === 'string' &&
        typeof r.name === 'string' &&
        typeof r.modelDir === 'string' &&
        Array.isArray(r.points) &&
        Array.isArray(r.samples) &&
        r.points.every((p: DashPoint) => p && typeof p.step === 'number' && typeof p.train === 'number'),
    )
    .slice(-MAX_SAVED_RUNS);
}
