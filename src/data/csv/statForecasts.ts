/**
 * AutoETS and Theta as forecasters of a window set (Windows: one origin per window, `horizon` steps each), in the
 * series' original units. Each target is fitted once on the rows before the first origin (at most the last
 * FIT_MAX of them), and the fitted model is then run forward through the actual values, forecasting from every
 * origin with the parameters fixed (statsforecast's cross-validation with refit=False).
 */
import { autoEts, etsFilter, etsForecast, specName } from './ets';
import type { ForecastData, Windows } from './prepare';
import { theta } from './theta';

/** rows a statistical model is fitted on at most (the most recent ones) */
export const FIT_MAX = 5000;
/** AutoETS, like R's ets, tries seasonal models only for seasons up to this length */
export const ETS_MAX_SEASON = 24;

/** the first target's column k, rows [s, e) */
function column(fd: ForecastData, k: number, s: number, e: number): Float64Array {
  const { C, values } = fd.series;
  return Float64Array.from({ length: e - s }, (_, i) => values[(s + i) * C + k]!);
}

/** rows the models are fitted on, for window set w */
function fitRange(fd: ForecastData, w: Windows): [number, number] {
  const end = w.rowOf(0);
  return [Math.max(fd.ranges.train[0], end - FIT_MAX), end];
}

export interface StatForecast {
  /** (N, horizon·K) */
  pred: Float64Array;
  /** what was fitted, for the notes */
  note: string;
}

/** AutoETS per target; season: the period (null: none) */
export function etsWindows(fd: ForecastData, w: Windows, season: number | null): StatForecast {
  const { horizon: Hz, K } = w;
  const out = new Float64Array(w.N * Hz * K);
  const [s, e] = fitRange(fd, w);
  const m = season && season <= ETS_MAX_SEASON ? season : 1;
  const chosen: string[] = [];
  for (let k = 0; k < K; k++) {
    const fit = autoEts(column(fd, k, s, e), m).best;
    chosen.push(specName(fit.spec));
    // run the fixed model from the first fitted row up to the last origin, forecasting at each origin
    const last = w.rowOf(w.N - 1);
    const y = column(fd, k, s, last);
    for (let j = 0; j < w.N; j++) {
      const r = w.rowOf(j);
      const state = etsFilter(y.subarray(0, r - s), fit.spec, fit.params).state;
      const f = etsForecast({ spec: fit.spec, params: fit.params, state }, Hz);
      for (let h = 0; h < Hz; h++) out[(j * Hz + h) * K + k] = f[h]!;
    }
  }
  const why = season && season > ETS_MAX_SEASON ? ` (a season of ${season} is too long for ETS: non-seasonal models only)` : '';
  return { pred: out, note: `ETS: ${[...new Set(chosen)].join(', ')} by AICc${why}, fitted on ${e - s} rows.` };
}

/** Theta per target, its SES level carried through the actual values with α and the drift fixed */
export function thetaWindows(fd: ForecastData, w: Windows, season: number | null): StatForecast {
  const { horizon: Hz, K } = w;
  const out = new Float64Array(w.N * Hz * K);
  const [s, e] = fitRange(fd, w);
  for (let k = 0; k < K; k++) {
    const fit = theta(column(fd, k, s, e), season ?? 1);
    const y = column(fd, k, s, w.rowOf(w.N - 1));
    for (let j = 0; j < w.N; j++) {
      const f = fit.forecastFrom(y.subarray(0, w.rowOf(j) - s), Hz);
      for (let h = 0; h < Hz; h++) out[(j * Hz + h) * K + k] = f[h]!;
    }
  }
  return { pred: out, note: '' };
}
