/**
 * Host ↔ webview boundary for the four panels (dashboard, generate, hidden states, forecast), on the generic Rpc.
 *
 * - The webview side posts through acquireVsCodeApi().postMessage and receives window 'message' events
 *   (src/webview/shared/rpc.ts); the host side posts with webview.postMessage and receives onDidReceiveMessage
 *   (src/host/panels/base.ts).
 * - Handshake: the webview's first request is '<panel>/ready'; the host answers it with the panel's state, and
 *   sends nothing before it.
 * - Every message FROM a webview is validated on the host with the validators below before use
 *   (`validateFromWebview`): unknown methods and bad params are rejected, never passed on.
 * - Pending requests reject when the panel closes (Rpc.dispose).
 *
 * Pure: no vscode, no DOM.
 */
import { Rpc, type Port } from './rpc';
import type { ForecastPredictResult, ForecastReport } from './worker';

export type PanelKind = 'dashboard' | 'generate' | 'hidden' | 'forecast';

// ------------------------------------------------------------------ shared

export interface ModelChoice {
  /** absolute model folder */
  id: string;
  name: string;
  /** e.g. "LSTM 2×128 · 1.92 bits/char" */
  detail: string;
}

// ------------------------------------------------------------------ dashboard

export interface DashPoint {
  step: number;
  /** nats/char (char models) or MSE */
  train: number;
  val?: number;
  elapsedSec: number;
}

export interface DashStats {
  step: number;
  totalSteps: number | null;
  epoch: number;
  charsPerSec: number;
  etaSec: number | null;
  lr: number;
  gradNorm: number;
  bestValLoss?: number;
  elapsedSec: number;
}

export interface DashRun {
  id: string;
  name: string;
  /** 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' */
  state: string;
  modelDir: string;
  /** 'char' or 'regression' (bits/char shown for char) */
  kind: 'char' | 'regression';
  hyper: Record<string, string | number | boolean | null>;
  points: DashPoint[];
  samples: { step: number; text: string }[];
  stats?: DashStats;
  stopRequested: boolean;
}

export interface DashInit {
  runs: DashRun[];
  selected?: string;
  strings: Record<string, string>;
}

export type DashboardRequests = {
  'dashboard/ready': [Record<string, never>, DashInit];
  'dashboard/stop': [{ runId: string }, boolean];
  'dashboard/generate': [{ runId: string }, boolean];
  'dashboard/openModel': [{ runId: string }, boolean];
};
export type DashboardEvents = {
  /** a run appeared or changed state (without its points/samples, which come incrementally) */
  'dashboard/run': Omit<DashRun, 'points' | 'samples'>;
  'dashboard/progress': { runId: string; point: DashPoint; stats: DashStats };
  'dashboard/sample': { runId: string; step: number; text: string };
};

// ------------------------------------------------------------------ generate

export interface GenerateSettings {
  prime: string;
  length: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  greedy: boolean;
}

export interface GenInit {
  models: ModelChoice[];
  selected?: string;
  settings: GenerateSettings;
  autoRun: boolean;
  strings: Record<string, string>;
}

/** one generated character: text, its probability, the top-5 candidates for that position */
export interface GenChar {
  c: string;
  p: number;
  top: [string, number][];
}

export type GenerateRequests = {
  'generate/ready': [Record<string, never>, GenInit];
  'generate/run': [{ model: string; settings: GenerateSettings }, { text: string; stoppedBy: string; engine: string; ms: number }];
  'generate/cancel': [Record<string, never>, boolean];
  'generate/insert': [{ text: string }, boolean];
  'generate/openEditor': [{ text: string }, boolean];
  'generate/copy': [{ text: string }, boolean];
};
export type GenerateEvents = {
  'generate/chunk': { chars: GenChar[] };
  'generate/models': { models: ModelChoice[]; selected?: string };
};

// ------------------------------------------------------------------ hidden states

export type Signal = 'h' | 'c' | 'i' | 'f' | 'o' | 'z' | 'r';

export interface HiddenMeta {
  /** the characters read (code points as strings), T of them */
  chars: string[];
  T: number;
  H: number;
  layers: number;
  cell: 'lstm' | 'gru' | 'rnn';
  signals: Signal[];
  /** characters of the source that were not read (beyond the window limit) */
  truncated: number;
  source: string;
  ms: number;
}

export interface HiddenInit {
  models: ModelChoice[];
  selected?: string;
  source: string;
  chars: number;
  autoRun: boolean;
  strings: Record<string, string>;
}

/** The state projector's points: every position (index null) or a sample of them (UMAP). */
export interface Projection {
  method: 'pca' | 'umap';
  /** positions of the points, or null when point i is position i */
  index: Int32Array | null;
  /** (N,2) */
  coords: Float32Array;
  /** PCA: fraction of the variance on each axis */
  explained: number[];
  ms: number;
}

export interface SaliencyView {
  /** scores[i] is the attribution of position start + i to the predicted character, in nats */
  start: number;
  scores: Float32Array;
  /** the character predicted after the position, and its probability */
  target: string;
  prob: number;
  method: 'gradient' | 'integrated';
  ms: number;
}

export interface AblationRequest {
  layer: number;
  units: number[];
  mode: 'zero' | 'mean';
  /** generation from this prompt, the same seed with and without the ablation */
  prompt: string;
  length: number;
  seed: number;
}
export interface AblationView {
  units: number[];
  values: number[];
  /** bits of each next character (T − 1), without and with the ablation */
  before: Float32Array;
  after: Float32Array;
  meanBefore: number;
  meanAfter: number;
  textBefore: string;
  textAfter: string;
  ms: number;
}

export interface ProbeView {
  kind: 'binary' | 'numeric';
  /** held-out accuracy (binary) or R² (numeric) */
  score: number;
  /** the majority-class rate on the held-out part (binary), 0 (numeric) */
  baseline: number;
  train: number;
  test: number;
}

export interface CompareView {
  /** the second model's name */
  name: string;
  /** bits of each next character (T − 1) under the panel's model (A) and the second one (B) */
  bitsA: Float32Array;
  bitsB: Float32Array;
  meanA: number;
  meanB: number;
  layers: number;
  H: number;
  signals: Signal[];
  /** characters of the text outside B's vocabulary (read as its fallback character) */
  unknown: number;
  ms: number;
}

export type HiddenRequests = {
  'hidden/ready': [Record<string, never>, HiddenInit];
  'hidden/run': [{ model: string }, HiddenMeta];
  /** values (T,H) row-major: time-major, unit fastest; `of: 'b'` reads the compared model's */
  'hidden/signal': [{ layer: number; signal: Signal; of?: 'a' | 'b' }, Float32Array];
  'hidden/saveFile': [{ kind: 'png' | 'csv'; name: string; data: string }, boolean];
  'hidden/project': [{ layer: number; signal: Signal; method: 'pca' | 'umap' }, Projection];
  /** the positions nearest in state space to the mean state of `positions` */
  'hidden/neighbours': [{ layer: number; signal: Signal; positions: number[]; k: number }, { t: number; dist: number }[]];
  'hidden/saliency': [{ position: number; method: 'gradient' | 'integrated' }, SaliencyView];
  'hidden/ablate': [AblationRequest, AblationView];
  /** a linear probe of `feature` (T values) on the layer's whole state */
  'hidden/probe': [{ layer: number; signal: Signal; feature: Float32Array }, ProbeView];
  'hidden/compare': [{ model: string }, CompareView];
  /** select positions [start, end) of the read text in its editor; false when the text has no editor */
  'hidden/reveal': [{ start: number; end: number }, boolean];
};
export type HiddenEvents = {
  'hidden/models': { models: ModelChoice[]; selected?: string };
};

// ------------------------------------------------------------------ forecast

/** what the forecast panel shows about the model (from its card) */
export interface ForecastPanelModel {
  name: string;
  dir: string;
  cell: string;
  hidden: number;
  layers: number;
  steps: number;
  status: string;
  stopReason?: string;
}

/** the most steps "Forecast next N" asks for */
export const MAX_FORECAST_STEPS = 10000;

export interface ForecastInit {
  model: ForecastPanelModel;
  report: ForecastReport;
  verdict: string;
  strings: Record<string, string>;
  maxSteps: number;
}

export type ForecastRequests = {
  'forecast/ready': [Record<string, never>, ForecastInit];
  /** forecast the next N rows through the model and write them beside the input (a new file each time) */
  /** method: 'model' (default) or a baseline that forecasts instead ('ETS', 'Theta', …) */
  'forecast/next': [{ steps: number; method?: string }, ForecastPredictResult];
  /** open one of this model's forecast files in an editor */
  'forecast/openFile': [{ path: string }, boolean];
};
export type ForecastEvents = {
  /** the panel shown again with new data (the model was trained again) */
  'forecast/init': ForecastInit;
};

// ------------------------------------------------------------------ typed RPC per side

type Empty = Record<string, never>;
export type PanelRequests = { dashboard: DashboardRequests; generate: GenerateRequests; hidden: HiddenRequests; forecast: ForecastRequests };
export type PanelEvents = { dashboard: DashboardEvents; generate: GenerateEvents; hidden: HiddenEvents; forecast: ForecastEvents };

/** The host side of panel P: receives P's requests, sends P's events. */
export type HostPanelRpc<P extends PanelKind> = Rpc<Empty, PanelEvents[P], PanelRequests[P], Empty>;
/** The webview side of panel P. */
export type WebviewPanelRpc<P extends PanelKind> = Rpc<PanelRequests[P], Empty, Empty, PanelEvents[P]>;

export function createHostRpc<P extends PanelKind>(port: Port): HostPanelRpc<P> {
  return new Rpc(port);
}
export function createWebviewRpc<P extends PanelKind>(port: Port, timeoutMs = 0): WebviewPanelRpc<P> {
  return new Rpc(port, timeoutMs);
}

// ------------------------------------------------------------------ validation of what webviews send

export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

export type Validator<T> = (v: unknown, path: string) => T;

const fail = (path: string, what: string): never => {
  throw new ValidationError(`${path}: expected ${what}`);
};

export const V = {
  str(maxLen = 10_000_000): Validator<string> {
    return (v, p) => (typeof v === 'string' && v.length <= maxLen ? v : fail(p, `a string of at most ${maxLen} characters`));
  },
  num(min: number, max: number): Validator<number> {
    return (v, p) => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : fail(p, `a number in [${min}, ${max}]`));
  },
  int(min: number, max: number): Validator<number> {
    return (v, p) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fail(p, `a whole number in [${min}, ${max}]`));
  },
  bool(): Validator<boolean> {
    return (v, p) => (typeof v === 'boolean' ? v : fail(p, 'true or false'));
  },
  oneOf<T extends string>(...vals: T[]): Validator<T> {
    return (v, p) => ((vals as unknown[]).includes(v) ? (v as T) : fail(p, `one of ${vals.join(', ')}`));
  },
  /** an array of at most maxLen whole numbers in [min, max] */
  ints(min: number, max: number, maxLen: number): Validator<number[]> {
    const one = V.int(min, max);
    return (v, p) => (Array.isArray(v) && v.length <= maxLen ? v.map((x, i) => one(x, `${p}[${i}]`)) : fail(p, `an array of at most ${maxLen} whole numbers`));
  },
  /** a Float32Array of at most maxLen finite values */
  f32(maxLen: number): Validator<Float32Array> {
    return (v, p) =>
      v instanceof Float32Array && v.length <= maxLen && v.every(Number.isFinite) ? v : fail(p, `a Float32Array of at most ${maxLen} finite values`);
  },
  optional<T>(inner: Validator<T>): Validator<T | undefined> {
    return (v, p) => (v === undefined ? undefined : inner(v, p));
  },
  /** an object with exactly these keys (extra keys are rejected) */
  obj<T extends object>(shape: { [K in keyof T]: Validator<T[K]> }): Validator<T> {
    return (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'an object');
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) if (!(k in shape)) fail(`${p}.${k}`, 'no such field');
      const out = {} as Record<string, unknown>;
      for (const k of Object.keys(shape) as (keyof T & string)[]) {
        const v = shape[k](o[k], `${p}.${k}`);
        if (v !== undefined) out[k] = v; // an optional field left out stays out
      }
      return out as T;
    };
  },
};

const empty = V.obj<Empty>({} as never);
const runId = V.obj<{ runId: string }>({ runId: V.str(200) });
const settings = V.obj<GenerateSettings>({
  prime: V.str(100_000),
  length: V.int(1, 100_000),
  temperature: V.num(0.01, 10),
  topK: V.int(0, 100_000),
  topP: V.num(0.001, 1),
  seed: V.int(0, 2 ** 31 - 1),
  greedy: V.bool(),
});
const textArg = V.obj<{ text: string }>({ text: V.str(10_000_000) });
const signal = V.oneOf<Signal>('h', 'c', 'i', 'f', 'o', 'z', 'r');

/** Validators for every request/event a webview may send, per panel and method. */
export const FROM_WEBVIEW: { [P in PanelKind]: { [M in keyof PanelRequests[P]]: Validator<PanelRequests[P][M] extends [infer A, unknown] ? A : never> } } = {
  dashboard: {
    'dashboard/ready': empty,
    'dashboard/stop': runId,
    'dashboard/generate': runId,
    'dashboard/openModel': runId,
  },
  generate: {
    'generate/ready': empty,
    'generate/run': V.obj({ model: V.str(4096), settings }),
    'generate/cancel': empty,
    'generate/insert': textArg,
    'generate/openEditor': textArg,
    'generate/copy': textArg,
  },
  hidden: {
    'hidden/ready': empty,
    'hidden/run': V.obj({ model: V.str(4096) }),
    'hidden/signal': V.obj({ layer: V.int(0, 3), signal, of: V.optional(V.oneOf('a', 'b')) }),
    'hidden/saveFile': V.obj({ kind: V.oneOf('png', 'csv'), name: V.str(200), data: V.str(200_000_000) }),
    'hidden/project': V.obj({ layer: V.int(0, 3), signal, method: V.oneOf('pca', 'umap') }),
    'hidden/neighbours': V.obj({ layer: V.int(0, 3), signal, positions: V.ints(0, 10_000_000, 100_000), k: V.int(1, 200) }),
    'hidden/saliency': V.obj({ position: V.int(0, 10_000_000), method: V.oneOf('gradient', 'integrated') }),
    'hidden/ablate': V.obj<AblationRequest>({
      layer: V.int(0, 3),
      units: V.ints(0, 100_000, 4096),
      mode: V.oneOf('zero', 'mean'),
      prompt: V.str(10_000),
      length: V.int(1, 5000),
      seed: V.int(0, 2 ** 31 - 1),
    }),
    'hidden/probe': V.obj({ layer: V.int(0, 3), signal, feature: V.f32(10_000_000) }),
    'hidden/compare': V.obj({ model: V.str(4096) }),
    'hidden/reveal': V.obj({ start: V.int(0, 10_000_000), end: V.int(0, 10_000_000) }),
  },
  forecast: {
    'forecast/ready': empty,
    'forecast/next': V.obj({
      steps: V.int(1, MAX_FORECAST_STEPS),
      method: V.optional(V.oneOf('model', 'ETS', 'Theta', 'seasonal naive', 'drift', 'persistence')),
    }),
    'forecast/openFile': V.obj({ path: V.str(4096) }),
  },
};

/**
 * Check one raw message from panel P's webview. Returns the message when it is a well-formed request for a known
 * method with valid params (params replaced by the validated copy); throws ValidationError otherwise.
 */
export function validateFromWebview(panel: PanelKind, raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) throw new ValidationError('message: expected an object');
  const m = raw as { kind?: unknown; method?: unknown; id?: unknown; params?: unknown };
  if (m.kind === 'res') {
    // the host makes no requests to webviews; a response is never expected
    throw new ValidationError('message: unexpected response');
  }
  // webviews only make requests (the host answers them); they send no events
  if (m.kind !== 'req') throw new ValidationError('message.kind: expected req');
  if (typeof m.method !== 'string') throw new ValidationError('message.method: expected a string');
  if (!(typeof m.id === 'number' && Number.isInteger(m.id) && m.id > 0)) throw new ValidationError('message.id: expected a positive integer');
  const table = FROM_WEBVIEW[panel] as Record<string, Validator<unknown>>;
  const check = Object.prototype.hasOwnProperty.call(table, m.method) ? table[m.method] : undefined;
  if (!check) throw new ValidationError(`message.method: unknown method '${m.method}' for the ${panel} panel`);
  const params = check(m.params, m.method);
  return { ...m, params };
}
