/**
 * Host ↔ forecast-panel webview messages (src/host/forecast/panel.ts, src/webview/forecast/main.ts).
 * Webview → host messages are validated on the host before use.
 */
import type { ForecastPredictResult, ForecastReport } from './worker';

export const FORECAST_VIEW_TYPE = 'seqlab.forecast';

/** what the panel shows about the model (from its card) */
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

export type ToForecastWebview =
  | { type: 'init'; model: ForecastPanelModel; report: ForecastReport; verdict: string; strings: Record<string, string>; maxSteps: number }
  | { type: 'forecast'; result: ForecastPredictResult }
  | { type: 'busy'; busy: boolean }
  | { type: 'error'; message: string };

export type FromForecastWebview =
  | { type: 'ready' }
  | { type: 'forecastNext'; steps: number }
  | { type: 'openFile'; path: string };

/** checks a message from the webview; throws on anything else */
export function validateFromForecastWebview(raw: unknown, maxSteps = 10000): FromForecastWebview {
  const m = raw as Record<string, unknown>;
  if (!m || typeof m !== 'object' || typeof m.type !== 'string') throw new Error('not a message');
  switch (m.type) {
    case 'ready': return { type: 'ready' };
    case 'forecastNext': {
      const n = m.steps;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > maxSteps) throw new Error(`steps must be a whole number from 1 to ${maxSteps}`);
      return { type: 'forecastNext', steps: n };
    }
    case 'openFile':
      if (typeof m.path !== 'string' || m.path.length === 0 || m.path.length > 4096) throw new Error('bad path');
      return { type: 'openFile', path: m.path };
    default: throw new Error(`unknown message type ${String(m.type).slice(0, 40)}`);
  }
}
