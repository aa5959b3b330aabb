/**
 * ETS (error, trend, season) exponential smoothing in the state-space form of Hyndman et al. (2008), and AutoETS:
 * every model of the restricted family fitted by maximum likelihood and the one with the lowest AICc kept.
 *
 *   B = φ·b,  L = l + B,  S = s(t−m),  Ŷ = L ∘ S (∘ = + or ×)
 *   additive error:        e = y − Ŷ        l' = L + α·κl·e,          b' = B + β·κb·e,          s' = S + γ·κs·e
 *   multiplicative error:  e = (y − Ŷ)/Ŷ    l' = L + α(L + κl)e,      b' = B + β(B + κb)e,      s' = S + γ(S + κs)e
 * with the κ of statsmodels' ETSModel docs (its equations; test/unit/forecast-stats.test.ts holds us to its numbers).
 * Initial states come from Hyndman's heuristic (statsmodels' `initialization_method="heuristic"`): a centred moving
 * average over the first cycles gives the seasonal indices, and a line through the first 10 seasonally adjusted
 * values the level and trend. The smoothing parameters (and φ) maximise the Gaussian likelihood under the usual
 * bounds: α, β/α, γ/(1−α) in [1e-4, 1−1e-4], φ in [0.8, 0.98].
 * Why not a package: augurs's AutoETS (the candidate the issue names) fits no seasonal model ("no model found" for
 * AAA on AirPassengers), and no other maintained JS package has ETS.
 */
import { minimiseBounded } from './optimize';

export type ErrorType = 'A' | 'M';
export type TrendType = 'N' | 'A' | 'Ad';
export type SeasonType = 'N' | 'A' | 'M';

export interface EtsSpec {
  error: ErrorType;
  trend: TrendType;
  season: SeasonType;
  /** the season's length (1 when there is none) */
  m: number;
}

export interface EtsParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  l0: number;
  b0: number;
  /** s0[j]: the seasonal index of the first observations' phase j (m values) */
  s0: Float64Array;
}

export interface EtsFit {
  spec: EtsSpec;
  params: EtsParams;
  /** one-step-ahead predictions over the data */
  fitted: Float64Array;
  /** the states after the last observation */
  state: { l: number; b: number; s: Float64Array; n: number };
  loglik: number;
  aicc: number;
  /** mean squared one-step error (e², in the error's own units) */
  sigma2: number;
}

export const specName = (s: EtsSpec): string => `${s.error}${s.trend}${s.season}`;

/** run the filter over y with fixed parameters */
export function etsFilter(y: ArrayLike<number>, spec: EtsSpec, p: EtsParams): Omit<EtsFit, 'aicc' | 'spec' | 'params'> {
  const n = y.length,
    m = spec.season === 'N' ? 1 : spec.m;
  const multE = spec.error === 'M',
    multS = spec.season === 'M',
    hasT = spec.trend !== 'N',
    phi = spec.trend === 'Ad' ? p.phi : 1;
  let l = p.l0,
    b = hasT ? p.b0 : 0;
  const s = spec.season === 'N' ? new Float64Array(1) : Float64Array.from(p.s0);
  const fitted = new Float64Array(n);
  let sse = 0,
    logY = 0;
  for (let t = 0; t < n; t++) {
    const B = phi * b,
      L = l + B,
      S = spec.season === 'N' ? (multS ? 1 : 0) : s[t % m]!;
    const Y = multS ? L * S : L + S;
    fitted[t] = Y;
    const e = multE ? (y[t]! - Y) / Y : y[t]! - Y;
    sse += e * e;
    if (multE) logY += Math.log(Y > 0 ? Y : 1 / (1e-8 * (1 + Math.abs(Y)))); // statsmodels' guard (GH-7331)
    const kl = multE ? (multS ? 0 : S) : multS ? 1 / S : 1;
    const kb = multE ? kl + l : kl;
    const ks = multE ? (multS ? 0 : L) : multS ? 1 / L : 1;
    const Me = multE ? 1 : 0;
    l = L + p.alpha * (Me * L + kl) * e;
    if (hasT) b = B + p.beta * (Me * B + kb) * e;
    if (spec.season !== 'N') s[t % m] = S + p.gamma * (Me * S + ks) * e;
  }
  // a floor for series the model fits exactly (a log-likelihood of +∞ would rank them worst in the optimiser)
  let ms = 0;
  if (!multE) for (let t = 0; t < n; t++) ms += (y[t]! * y[t]!) / n;
  const sigma2 = Math.max(sse / n, 1e-12 * (multE ? 1 : ms || 1));
  const loglik = (-n / 2) * (Math.log(2 * Math.PI * sigma2) + 1) - logY;
  return { fitted, state: { l, b, s, n }, loglik, sigma2 };
}

/** point forecasts h = 1..steps after the fitted data */
export function etsForecast(fit: Pick<EtsFit, 'spec' | 'params' | 'state'>, steps: number): Float64Array {
  const { spec, params, state } = fit;
  const m = spec.season === 'N' ? 1 : spec.m,
    phi = spec.trend === 'Ad' ? params.phi : 1;
  const out = new Float64Array(steps);
  let damp = 0;
  for (let h = 1; h <= steps; h++) {
    damp += phi ** h;
    const L = state.l + (spec.trend === 'N' ? 0 : damp * state.b);
    const S = spec.season === 'N' ? 0 : state.s[(state.n + h - 1) % m]!;
    out[h - 1] = spec.season === 'M' ? L * S : L + S;
  }
  return out;
}

/** pandas' centred moving average of length m (a 2×m average for even m), NaN where the window does not fit */
function centredMean(x: ArrayLike<number>, m: number): Float64Array {
  const n = x.length,
    out = new Float64Array(n).fill(NaN);
  const mean = (a: number) => {
    let s = 0;
    for (let i = a; i < a + m; i++) s += x[i]!;
    return s / m;
  };
  if (m % 2 === 1) for (let i = (m - 1) / 2; i + (m - 1) / 2 < n; i++) out[i] = mean(i - (m - 1) / 2);
  else for (let i = m / 2; i + m / 2 < n; i++) out[i] = (mean(i - m / 2) + mean(i - m / 2 + 1)) / 2;
  return out;
}

/** Hyndman's heuristic initial states (Section 2.6.1; statsmodels' _initialization_heuristic) */
export function heuristicInit(y: ArrayLike<number>, spec: EtsSpec): Pick<EtsParams, 'l0' | 'b0' | 's0'> {
  const n = y.length,
    m = spec.m;
  if (n < 10) throw new RangeError('ETS needs at least 10 observations');
  let base: ArrayLike<number> = y;
  let s0 = new Float64Array(spec.season === 'N' ? 0 : m);
  if (spec.season !== 'N') {
    const minObs = 10 + 2 * Math.floor(m / 2);
    if (n < 2 * m || n < minObs) throw new RangeError(`a season of ${m} needs at least ${Math.max(2 * m, minObs)} observations`);
    const k = Math.max(Math.min(5, Math.floor(n / m)), Math.ceil(minObs / m));
    const x = Array.from({ length: Math.min(n, k * m) }, (_, i) => y[i]!);
    const trend = centredMean(x, m);
    const sums = new Float64Array(m),
      counts = new Float64Array(m);
    trend.forEach((tr, i) => {
      if (Number.isNaN(tr)) return;
      sums[i % m] += spec.season === 'A' ? x[i]! - tr : x[i]! / tr;
      counts[i % m]++;
    });
    s0 = Float64Array.from(sums, (v, j) => v / counts[j]!);
    const avg = s0.reduce((a, v) => a + v, 0) / m;
    for (let j = 0; j < m; j++) s0[j] = spec.season === 'A' ? s0[j]! - avg : s0[j]! / avg;
    base = Array.from(trend).filter((v) => !Number.isNaN(v));
  }
  // a line through the first 10 values (t = 1..10): intercept = level, slope = trend
  let sy = 0,
    sty = 0;
  for (let t = 1; t <= 10; t++) {
    sy += base[t - 1]!;
    sty += t * base[t - 1]!;
  }
  const slope = (10 * sty - 55 * sy) / (10 * 385 - 55 * 55);
  return { l0: (sy - slope * 55) / 10, b0: spec.trend === 'N' ? 0 : slope, s0 };
}

/** free parameters of a model: smoothing parameters (and φ), the initial states (m − 1 free seasonal indices), σ² */
export function parameterCount(spec: EtsSpec): number {
  const smoothing = 1 + (spec.trend !== 'N' ? 1 : 0) + (spec.season !== 'N' ? 1 : 0) + (spec.trend === 'Ad' ? 1 : 0);
  const states = 1 + (spec.trend !== 'N' ? 1 : 0) + (spec.season !== 'N' ? spec.m - 1 : 0);
  return smoothing + states + 1;
}

export function aiccOf(loglik: number, n: number, k: number): number {
  return -2 * loglik + 2 * k + (n - k - 1 > 0 ? (2 * k * (k + 1)) / (n - k - 1) : Infinity);
}

/** Fit one ETS model by maximum likelihood (heuristic initial states, bounded smoothing parameters). */
export function fitEts(y: ArrayLike<number>, spec: EtsSpec): EtsFit {
  const init = heuristicInit(y, spec);
  const lo = 1e-4,
    hi = 1 - 1e-4;
  // the free coordinates: α, β/α, γ/(1−α), φ, each in its interval
  const names = ['alpha', ...(spec.trend !== 'N' ? ['betaStar'] : []), ...(spec.season !== 'N' ? ['gammaStar'] : []), ...(spec.trend === 'Ad' ? ['phi'] : [])];
  const bounds = names.map((k) => (k === 'phi' ? ([0.8, 0.98] as [number, number]) : ([lo, hi] as [number, number])));
  const toParams = (x: number[]): EtsParams => {
    const v = Object.fromEntries(names.map((k, i) => [k, x[i]!]));
    const alpha = v.alpha!;
    return { alpha, beta: (v.betaStar ?? 0) * alpha, gamma: (v.gammaStar ?? 0) * (1 - alpha), phi: v.phi ?? 1, ...init };
  };
  const nll = (x: number[]) => -etsFilter(y, spec, toParams(x)).loglik;
  const starts = [
    names.map((k) => ({ alpha: 0.1, betaStar: 0.1, gammaStar: 0.01, phi: 0.98 })[k as 'alpha']!),
    names.map((k) => ({ alpha: 0.5, betaStar: 0.05, gammaStar: 0.1, phi: 0.9 })[k as 'alpha']!),
  ];
  const best = starts.map((x0) => minimiseBounded(nll, x0, bounds)).reduce((a, b) => (b.f < a.f ? b : a));
  const params = toParams(best.x);
  const r = etsFilter(y, spec, params);
  return { spec, params, ...r, aicc: aiccOf(r.loglik, y.length, parameterCount(spec)) };
}

/** the models AutoETS tries: Hyndman's restricted set (no additive error with a multiplicative season), positive data only for multiplicative parts */
export function etsCandidates(y: ArrayLike<number>, m: number): EtsSpec[] {
  let positive = true;
  for (let i = 0; i < y.length; i++) if (!(y[i]! > 0)) positive = false;
  const seasonal = m > 1 && y.length >= Math.max(2 * m, 10 + 2 * Math.floor(m / 2));
  const out: EtsSpec[] = [];
  for (const error of positive ? (['A', 'M'] as const) : (['A'] as const))
    for (const trend of ['N', 'A', 'Ad'] as const)
      for (const season of (seasonal ? (positive ? ['N', 'A', 'M'] : ['N', 'A']) : ['N']) as SeasonType[]) {
        if (error === 'A' && season === 'M') continue;
        out.push({ error, trend, season, m: season === 'N' ? 1 : m });
      }
  return out;
}

/** AutoETS: every candidate fitted, the lowest AICc kept (with the others' AICc for the report) */
export function autoEts(y: ArrayLike<number>, m: number): { best: EtsFit; tried: { spec: string; aicc: number }[] } {
  if (y.length < 10) throw new RangeError('ETS needs at least 10 observations');
  const fits = etsCandidates(y, m).map((s) => fitEts(y, s));
  const best = fits.filter((f) => Number.isFinite(f.aicc)).reduce((a, b) => (b.aicc < a.aicc ? b : a), fits[0]!);
  return { best, tried: fits.map((f) => ({ spec: specName(f.spec), aicc: f.aicc })) };
}
