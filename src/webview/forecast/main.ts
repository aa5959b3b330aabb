/**
 * Forecast panel webview: uPlot chart of the history, the actual and predicted test values with the interval band,
 * and the next-N forecast; drag to zoom, a range selector below; the metrics table against the baselines and the
 * verdict; "Forecast next N". Theme colours only; UI state (zoom, steps, last forecast) kept with setState.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './style.css';
import type { ForecastInit, ForecastPanelModel } from '../../protocol/webview';
import type { ForecastPredictResult, ForecastReport } from '../../protocol/worker';
import { makeT } from '../shared/i18n';
import { $, connect, el, getState, setState, status } from '../shared/rpc';
import { horizonTable, methodPicker, metricsTable } from './tables';

const rpc = connect<'forecast'>();

interface UiState {
  modelDir?: string;
  steps: number;
  zoom?: [number, number] | null;
  forecast?: ForecastPredictResult | null;
}
const ui: UiState = getState<UiState>({ steps: 12, zoom: null, forecast: null });
const save = () => setState(ui);

let t = makeT({});
let report: ForecastReport | undefined;
let model: ForecastPanelModel | undefined;
let verdict = '';
let main: uPlot | undefined;
let range: uPlot | undefined;
let maxSteps = 10000;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}
function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(3) : x.toPrecision(3);
}
/** uPlot time scales are in seconds */
const isDate = () => report?.timeKind === 'date';
const xOf = (v: number) => (isDate() ? v / 1000 : v);

function init(m: ForecastInit): void {
  t = makeT(m.strings);
  report = m.report;
  model = m.model;
  verdict = m.verdict;
  maxSteps = m.maxSteps;
  if (ui.modelDir !== m.model.dir) {
    ui.modelDir = m.model.dir;
    ui.zoom = null;
    ui.forecast = null;
  }
  save();
  render();
}
rpc.on('forecast/init', init);

function setBusy(busy: boolean): void {
  const b = $('go') as HTMLElement & { disabled: boolean };
  b.disabled = busy;
  document.body.classList.toggle('busy', busy);
  if (busy) status(t('Working…'));
}

/** "Forecast next N": the host forecasts through the model and writes the file; the chart then shows the whole forecast */
async function forecastNext(steps: number): Promise<void> {
  setBusy(true);
  try {
    const method = ($('method') as HTMLSelectElement | null)?.value ?? 'model';
    const result = await rpc.request('forecast/next', { steps, method });
    ui.forecast = result;
    ui.zoom = null;
    save();
    renderForecastNote();
    buildCharts();
    status('');
  } catch (e) {
    status((e as Error).message, true);
  } finally {
    setBusy(false);
  }
}

function render(): void {
  const r = report!;
  const app = $('app');
  app.setAttribute('aria-busy', 'false');
  const [tr, va, te] = [r.split.train, r.split.val, r.split.test].map((p) => p[1] - p[0]);
  const input = el('input', { id: 'steps', type: 'number', min: '1', max: String(maxSteps), value: String(ui.steps), 'aria-label': t('steps') });
  const go = el('vscode-button', { id: 'go' }, t('Forecast next N'));
  const reset = el('vscode-button', { id: 'reset', secondary: '' }, t('Reset zoom'));
  app.replaceChildren(
    el('h1', {}, `${t('Forecast')}: ${model!.name}`),
    el(
      'p',
      { class: 'muted', id: 'summary' },
      t(
        'Target {0} · window {1} · horizon {2} · {3} rows ({4} train / {5} validation / {6} test) · frequency {7} · season {8}',
        r.targets.join(', '),
        r.window,
        r.horizon,
        r.rows,
        tr,
        va,
        te,
        t(r.frequency ?? 'other'),
        r.season ? String(r.season.period) : t('none'),
      ),
    ),
    el('p', { id: 'verdict', class: r.beatsPersistence ? 'verdict good' : 'verdict bad' }, verdict),
    el('div', { class: 'row' }, el('label', { class: 'field', for: 'steps' }, t('Forecast next'), input, t('steps')), methodPicker(r, t), go, reset),
    el('div', { id: 'written', class: 'muted' }),
    el('div', { id: 'chart' }),
    el('div', { id: 'range' }),
    el('p', { class: 'muted small' }, t('Drag on the chart to zoom; drag in the range bar to move the view; double-click to reset.')),
    el('h2', {}, t('Results on the test part')),
    metricsTable(r, t, fmt),
    horizonTable(r, t),
    el(
      'p',
      { class: 'muted', id: 'coverage' },
      t(
        '{0}% prediction intervals from validation residuals, adapted as the test values come in; they cover {1}% of the test values (fixed intervals: {2}%).',
        Math.round(r.intervals.coverage * 100),
        r.intervals.testCoverage === null ? '–' : Math.round(r.intervals.testCoverage * 100),
        r.intervals.staticCoverage == null ? '–' : Math.round(r.intervals.staticCoverage * 100),
      ),
    ),
    details(r),
  );
  input.addEventListener('change', () => {
    const n = Number(input.value);
    if (Number.isInteger(n) && n >= 1 && n <= maxSteps) {
      ui.steps = n;
      save();
    }
  });
  go.addEventListener('click', () => {
    const n = Number(input.value);
    if (!Number.isInteger(n) || n < 1 || n > maxSteps) {
      status(`1 … ${maxSteps}`, true);
      return;
    }
    ui.steps = n;
    save();
    void forecastNext(n);
  });
  reset.addEventListener('click', () => {
    ui.zoom = null;
    save();
    buildCharts();
  });
  renderForecastNote();
  buildCharts();
}

function details(r: ForecastReport): HTMLElement {
  const rows: [string, string][] = [[t('Features'), r.features.length ? r.features.join(', ') : t('none')]];
  if (r.excluded.length) rows.push([t('Left out'), r.excluded.map((e) => `${e.name} (${e.reason})`).join('; ')]);
  const filled = Object.entries(r.filled);
  if (filled.length) rows.push([t('Filled'), filled.map(([c, n]) => `${c}: ${n}`).join(', ')]);
  if (r.notes.length) rows.push([t('Notes'), r.notes.join(' ')]);
  const tb = el('table', { class: 'kv' });
  for (const [k, v] of rows) tb.append(el('tr', {}, el('td', {}, k), el('td', {}, v)));
  const m = model!;
  tb.append(
    el(
      'tr',
      {},
      el('td', { colspan: '2' }, t('Model: {0} {1}×{2}, {3} steps ({4})', m.cell.toUpperCase(), m.layers, m.hidden, m.steps, m.stopReason ?? m.status)),
    ),
  );
  return tb;
}

function renderForecastNote(): void {
  const box = $('written');
  const f = ui.forecast;
  if (!f?.written) {
    box.replaceChildren();
    return;
  }
  const link = el('a', { href: '#' }, t('Open'));
  link.addEventListener('click', (e) => {
    e.preventDefault();
    void rpc.request('forecast/openFile', { path: f.written! });
  });
  box.replaceChildren(t('Written to {0}', f.written), ' ', link);
}

/** one aligned data set: x = sorted union of the history, test and forecast times */
function buildData(): uPlot.AlignedData {
  const r = report!;
  const f = ui.forecast;
  const K = f ? f.targets.length : 1;
  const xs = new Set<number>();
  r.history.t.forEach((v) => xs.add(xOf(v)));
  r.test.t.forEach((v) => xs.add(xOf(v)));
  f?.times.forEach((v) => xs.add(xOf(v)));
  const x = [...xs].sort((a, b) => a - b);
  const idx = new Map(x.map((v, i) => [v, i]));
  const col = () => new Array<number | null>(x.length).fill(null);
  const hist = col(),
    act = col(),
    pred = col(),
    lo = col(),
    hi = col(),
    fc = col(),
    flo = col(),
    fhi = col();
  r.history.t.forEach((v, i) => {
    hist[idx.get(xOf(v))!] = r.history.y[i]!;
  });
  r.test.t.forEach((v, i) => {
    const j = idx.get(xOf(v))!;
    act[j] = r.test.actual[i]!;
    pred[j] = r.test.pred[i]!;
    lo[j] = r.test.lower[i]!;
    hi[j] = r.test.upper[i]!;
  });
  if (f) {
    f.times.forEach((v, i) => {
      const j = idx.get(xOf(v))!;
      fc[j] = f.values[i * K]!;
      flo[j] = f.lower[i * K]!;
      fhi[j] = f.upper[i * K]!;
    });
    // join the forecast line to the last observation
    const last = r.history.t[r.history.t.length - 1]!;
    const j = idx.get(xOf(last))!;
    fc[j] = r.history.y[r.history.y.length - 1]!;
  }
  return [x, hist, act, pred, lo, hi, fc, flo, fhi] as uPlot.AlignedData;
}

function alpha(color: string, a: number): string {
  const m = /^#([0-9a-f]{6})/i.exec(color.trim());
  if (!m) return color;
  const n = parseInt(m[1]!, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/** the main chart's series (history, test actual and predicted with its interval, the forecast with its interval) and bands */
function mainSeries(target: string, cHist: string, cAct: string, cPred: string, cFc: string): { series: uPlot.Series[]; bands: uPlot.Band[] } {
  const line = (label: string, stroke: string, width: number, more: Partial<uPlot.Series> = {}): uPlot.Series => ({
    label,
    stroke,
    width,
    spanGaps: true,
    points: { show: false },
    ...more,
  });
  const series: uPlot.Series[] = [
    { label: t('Time') },
    line(`${t('History')} (${target})`, cHist, 1),
    line(t('Actual (test)'), cAct, 1.5),
    line(t('Predicted (test)'), cPred, 1.5, { dash: [5, 3] }),
    line(`${t('Interval')} −`, alpha(cPred, 0.35), 0.5),
    line(`${t('Interval')} +`, alpha(cPred, 0.35), 0.5),
    line(t('Forecast (next steps)'), cFc, 2, { points: { show: true, size: 4, fill: cFc } }),
    line(`${t('Forecast')} −`, alpha(cFc, 0.35), 0.5),
    line(`${t('Forecast')} +`, alpha(cFc, 0.35), 0.5),
  ];
  return {
    series,
    bands: [
      { series: [5, 4], fill: alpha(cPred, 0.18) },
      { series: [8, 7], fill: alpha(cFc, 0.18) },
    ],
  };
}

/** True while one chart moves the other (so the move does not echo back). */
let syncing = false;

/** The overview under the main chart: dragging a range on it zooms the main chart. */
function rangeOptions(width: number, xScale: uPlot.Scale, axis: uPlot.Axis, cHist: string, cAct: string): uPlot.Options {
  const line = (stroke: string) => ({ stroke, width: 1, spanGaps: true, points: { show: false } });
  return {
    width,
    height: 70,
    series: [{}, line(cHist), line(cAct)],
    scales: { x: xScale },
    axes: [{ ...axis, size: 24 }, { show: false }],
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
    select: { show: true, left: 0, top: 0, width: 0, height: 0 },
    hooks: {
      setSelect: [
        (u) => {
          if (syncing || u.select.width < 2) return;
          const min = u.posToVal(u.select.left, 'x'),
            max = u.posToVal(u.select.left + u.select.width, 'x');
          syncing = true;
          main!.setScale('x', { min, max });
          syncing = false;
          ui.zoom = [min, max];
          save();
        },
      ],
    },
  };
}

function buildCharts(): void {
  if (!report) return;
  main?.destroy();
  range?.destroy();
  const data = buildData();
  const fg = cssVar('--vscode-foreground', '#ccc');
  const grid = cssVar('--vscode-editorWidget-border', '#8884');
  const cHist = cssVar('--vscode-descriptionForeground', '#999');
  const cAct = cssVar('--vscode-charts-blue', '#3794ff');
  const cPred = cssVar('--vscode-charts-orange', '#d18616');
  const cFc = cssVar('--vscode-charts-green', '#89d185');
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  const width = Math.max(320, $('app').clientWidth - 8);
  const target = report.targets[0]!;
  const { series, bands } = mainSeries(target, cHist, cAct, cPred, cFc);
  const xScale: uPlot.Scale = { time: isDate() };
  // zoom to the test part by default: that is where the comparison is
  const x = data[0] as number[];
  const testStart = report.test.t.length ? xOf(report.test.t[0]!) : x[0]!;
  const span = x[x.length - 1]! - testStart;
  const def: [number, number] = [Math.max(x[0]!, testStart - span * 1.5), x[x.length - 1]!];
  const zoom = ui.zoom ?? def;
  main = new uPlot(
    {
      width,
      height: 320,
      series,
      bands,
      scales: { x: xScale },
      axes: [{ ...axis }, { ...axis, size: 60, label: target }],
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false, setScale: true } },
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x' || syncing) return;
            const min = u.scales.x!.min!,
              max = u.scales.x!.max!;
            ui.zoom = [min, max];
            save();
            if (range) {
              syncing = true;
              const left = range.valToPos(min, 'x'),
                right = range.valToPos(max, 'x');
              range.setSelect({ left, width: Math.max(1, right - left), top: 0, height: range.bbox.height / devicePixelRatio }, false);
              syncing = false;
            }
          },
        ],
      },
    },
    data,
    $('chart'),
  );
  $('chart').dataset.points = String(x.length);
  main.over.addEventListener('dblclick', () => {
    ui.zoom = null;
    save();
    buildCharts();
  });
  range = new uPlot(rangeOptions(width, xScale, axis, cHist, cAct), [data[0], data[1], data[2]] as uPlot.AlignedData, $('range'));
  // uPlot commits its first layout asynchronously: position the zoom and the range selection after it
  const m = main,
    rg = range;
  requestAnimationFrame(() => {
    if (main !== m) return;
    m.setScale('x', { min: zoom[0], max: zoom[1] });
    const left = rg.valToPos(zoom[0], 'x'),
      right = rg.valToPos(zoom[1], 'x');
    syncing = true;
    rg.setSelect({ left, width: Math.max(1, right - left), top: 0, height: rg.bbox.height / devicePixelRatio }, false);
    syncing = false;
  });
}

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(buildCharts, 150);
});
void rpc.request('forecast/ready', {}).then(init, (e: Error) => status(e.message, true));
