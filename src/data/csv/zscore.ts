/** Per-column z-score normalization, fitted on the training part only. */
import { DataError } from '../errors';

export interface ZScoreStats {
  columns: string[];
  mean: number[];
  /** population standard deviation; 1 where a column is constant in the training part */
  std: number[];
}

/** mean and std per column over rows [range) of values (n, C); a constant column gets std 1 */
export function fitZScore(values: Float64Array, C: number, range: [number, number], columns: string[]): ZScoreStats {
  const [s, e] = range;
  const n = e - s;
  if (n <= 0) throw new DataError('The training part is empty: there is nothing to compute the normalization from.');
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < C; j++) {
    let m = 0;
    for (let i = s; i < e; i++) m += values[i * C + j]!;
    m /= n;
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = values[i * C + j]! - m;
      v += d * d;
    }
    const sd = Math.sqrt(v / n);
    mean.push(m);
    std.push(sd > 1e-12 * Math.max(1, Math.abs(m)) ? sd : 1);
  }
  return { columns: columns.slice(), mean, std };
}

/** (values - mean) / std as float32, (n, C) */
export function applyZScore(values: Float64Array, stats: ZScoreStats): Float32Array {
  const C = stats.mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i += C) {
    for (let j = 0; j < C; j++) out[i + j] = (values[i + j]! - stats.mean[j]!) / stats.std[j]!;
  }
  return out;
}

/** back to original units: x * std + mean for column `col` */
export function invertZScore(x: number, stats: ZScoreStats, col: number): number {
  return x * stats.std[col]! + stats.mean[col]!;
}

/** checks that a stats object read from a model file is well formed */
export function validateZScore(stats: unknown): ZScoreStats {
  const s = stats as ZScoreStats;
  const ok =
    s &&
    Array.isArray(s.columns) &&
    Array.isArray(s.mean) &&
    Array.isArray(s.std) &&
    s.mean.length === s.columns.length &&
    s.std.length === s.columns.length &&
    s.mean.every(Number.isFinite) &&
    s.std.every((x) => Number.isFinite(x) && x > 0);
  if (!ok) throw new DataError('The stored normalization statistics are missing or damaged.');
  return s;
}
