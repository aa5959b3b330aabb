/** Training dashboard webview: loss curves (uPlot), run statistics, hyperparameters, samples, run controls. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import uPlot from 'uplot';
import { applicableHyper } from './hyper';
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './style.css';
import type { DashRun, DashStats } from '../../protocol/webview';
import { fmtSeconds, smooth } from '../shared/analysis';
import { $, connect, el, getState, setState, status } from '../shared/rpc';
import { makeT } from '../shared/i18n';

interface UiState {
  selected?: string;
  smoothing: number;
  log: boolean;
  hidden: string[];
}
const ui = getState<UiState>({ smoothing: 0.3, log: false, hidden: [] });
const save = () => setState(ui);

const rpc = connect<'dashboard'>();
let t = makeT({});
const runs = new Map<string, DashRun>();
let plot: uPlot | undefined;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}
const PALETTE = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-red',
  '--vscode-charts-yellow',
];
const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];
/** run i's train colour (its own in the palette of the theme's chart colours) */
const colorOf = (i: number) => cssVar(PALETTE[(2 * i) % PALETTE.length], FALLBACK[(2 * i) % 6]);
/** run i's validation colour: the next one of the palette, so train and validation never look alike */
const valColorOf = (i: number) => cssVar(PALETTE[(2 * i + 1) % PALETTE.length], FALLBACK[(2 * i + 1) % 6]);

const bits = (r: DashRun, v: number) => (r.kind === 'char' ? v / Math.LN2 : v);

function layout(): void {
  const app = $('app');
  app.replaceChildren(
    el('h1', {}, t('Training Dashboard')),
    el(
      'div',
      { class: 'row' },
      el('vscode-label', { for: 'run' }, t('Run')),
      el('vscode-single-select', { id: 'run', 'aria-label': t('Run') }),
      el('vscode-button', { id: 'stop', 'aria-label': t('Stop') }, t('Stop')),
      el('vscode-button', { id: 'generate', secondary: '' }, t('Generate')),
      el('vscode-button', { id: 'open', secondary: '' }, t('Open Model')),
    ),
    el(
      'div',
      { class: 'row' },
      el(
        'label',
        { for: 'smoothing', class: 'field' },
        t('Smoothing'),
        el('input', { id: 'smoothing', type: 'range', min: '0', max: '0.99', step: '0.01', 'aria-valuetext': String(ui.smoothing) }),
      ),
      el('span', { id: 'smoothingValue', class: 'muted' }),
      el('vscode-checkbox', { id: 'log' }, t('Log scale')),
    ),
    el('div', { id: 'chart', class: 'panel-box', role: 'img', 'aria-label': t('Loss curves') }),
    el('div', { id: 'legend', class: 'row', role: 'group', 'aria-label': t('Runs shown in the chart') }),
    el(
      'div',
      { class: 'columns' },
      el('section', {}, el('h2', {}, t('Progress')), el('table', { id: 'stats', class: 'kv' })),
      el('section', {}, el('h2', {}, t('Hyperparameters')), el('table', { id: 'hyper', class: 'kv' })),
    ),
    el('h2', {}, t('Samples')),
    el('div', { id: 'samples', class: 'samples', tabindex: '0', 'aria-label': t('Samples') }),
  );
  const sm = $('smoothing') as HTMLInputElement;
  sm.value = String(ui.smoothing);
  $('smoothingValue').textContent = ui.smoothing.toFixed(2);
  sm.addEventListener('input', () => {
    ui.smoothing = Number(sm.value);
    save();
    $('smoothingValue').textContent = ui.smoothing.toFixed(2);
    sm.setAttribute('aria-valuetext', ui.smoothing.toFixed(2));
    redraw();
  });
  const lg = $('log') as HTMLElement & { checked: boolean };
  lg.checked = ui.log;
  lg.addEventListener('change', () => {
    ui.log = lg.checked;
    save();
    rebuildPlot();
  });
  const sel = $('run') as HTMLElement & { value: string };
  sel.addEventListener('change', () => {
    ui.selected = sel.value;
    save();
    renderSelected();
  });
  const act = (id: string, m: 'dashboard/stop' | 'dashboard/generate' | 'dashboard/openModel') =>
    $(id).addEventListener('click', () => {
      if (ui.selected) rpc.request(m, { runId: ui.selected }).catch((e: Error) => status(e.message, true));
    });
  act('stop', 'dashboard/stop');
  act('generate', 'dashboard/generate');
  act('open', 'dashboard/openModel');
  new ResizeObserver(() => {
    if (plot) plot.setSize(size());
  }).observe($('chart'));
}

function size(): { width: number; height: number } {
  const w = Math.max(300, $('chart').clientWidth - 16);
  return { width: w, height: Math.max(220, Math.min(420, Math.round(w * 0.4))) };
}

function visibleRuns(): DashRun[] {
  return [...runs.values()].filter((r) => !ui.hidden.includes(r.id));
}

/** aligned uPlot data: x = union of steps; per visible run a (smoothed) train series and a val series */
function buildData(): uPlot.AlignedData {
  const vis = visibleRuns();
  const steps = new Set<number>();
  for (const r of vis) for (const p of r.points) steps.add(p.step);
  const xs = [...steps].sort((a, b) => a - b);
  const idx = new Map(xs.map((s, i) => [s, i]));
  const data: (number | null)[][] = [xs];
  for (const r of vis) {
    const train: (number | null)[] = new Array(xs.length).fill(null);
    const val: (number | null)[] = new Array(xs.length).fill(null);
    const sm = smooth(
      r.points.map((p) => bits(r, p.train)),
      ui.smoothing,
    );
    r.points.forEach((p, i) => {
      const j = idx.get(p.step)!;
      train[j] = sm[i];
      if (p.val !== undefined) val[j] = bits(r, p.val);
    });
    data.push(train, val);
  }
  return data as uPlot.AlignedData;
}

function rebuildPlot(): void {
  plot?.destroy();
  plot = undefined;
  const vis = visibleRuns();
  const fg = cssVar('--vscode-foreground', '#ccc');
  const grid = cssVar('--vscode-editorWidget-border', '#8883');
  const series: uPlot.Series[] = [{ label: t('Step') }];
  for (const r of vis) {
    const i = [...runs.keys()].indexOf(r.id);
    const c = colorOf(i),
      v = valColorOf(i);
    series.push({ label: `${r.name} · ${t('train')}`, stroke: c, width: 1.5, spanGaps: true, points: { show: false } });
    series.push({ label: `${r.name} · ${t('validation')}`, stroke: v, width: 2, dash: [6, 4], spanGaps: true, points: { show: true, size: 5, fill: v } });
  }
  const unit = [...runs.values()][0]?.kind === 'regression' ? 'MSE' : t('bits/char');
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  plot = new uPlot(
    {
      ...size(),
      series,
      scales: { x: { time: false }, y: ui.log ? { distr: 3 } : { auto: true } },
      axes: [
        { ...axis, label: t('Step') },
        { ...axis, label: unit, size: 60 },
      ],
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      // with nothing hovered the legend shows the latest values, not dashes
      hooks: {
        setCursor: [
          (u) => {
            if (u.cursor.idx == null) showLatest(u);
          },
        ],
      },
    },
    buildData(),
    $('chart'),
  );
  showLatest(plot);
  $('chart').dataset.points = String(vis.reduce((n, r) => n + r.points.length, 0));
}

function showLatest(u: uPlot): void {
  const n = u.data?.[0]?.length ?? 0; // (uPlot calls the hook before its data is set)
  if (n > 0 && u.legend.values) u.setLegend({ idx: n - 1 }, false);
}

let pending = false;
function redraw(): void {
  if (pending) return;
  pending = true;
  setTimeout(() => {
    pending = false;
    const vis = visibleRuns();
    if (!plot || plot.series.length !== 1 + vis.length * 2) {
      rebuildPlot();
      return;
    }
    plot.setData(buildData());
    if (plot.cursor.idx == null) showLatest(plot);
    $('chart').dataset.points = String(vis.reduce((n, r) => n + r.points.length, 0));
  }, 200);
}

function renderLegend(): void {
  const box = $('legend');
  box.replaceChildren(
    ...[...runs.values()].map((r, i) => {
      const cb = el('vscode-checkbox', {}, `${r.name} (${r.state})`) as HTMLElement & { checked: boolean };
      cb.checked = !ui.hidden.includes(r.id);
      cb.style.setProperty('--vscode-checkbox-foreground', colorOf(i));
      cb.addEventListener('change', () => {
        ui.hidden = cb.checked ? ui.hidden.filter((x) => x !== r.id) : [...ui.hidden, r.id];
        save();
        rebuildPlot();
      });
      return cb;
    }),
  );
  const sel = $('run') as HTMLElement & { value: string };
  sel.replaceChildren(...[...runs.values()].map((r) => el('vscode-option', { value: r.id }, `${r.name} — ${r.state}`)));
  if (ui.selected && runs.has(ui.selected)) sel.value = ui.selected;
}

function renderStats(r: DashRun | undefined): void {
  const rows: [string, string][] = [];
  const s: DashStats | undefined = r?.stats;
  const last = r?.points[r.points.length - 1];
  if (r) rows.push([t('State'), r.stopRequested && r.state === 'running' ? t('stopping…') : r.state]);
  if (s) {
    rows.push([t('Step'), s.totalSteps ? `${s.step} / ${s.totalSteps}` : String(s.step)], [t('Epoch'), String(s.epoch)]);
    if (last) rows.push([t('Train loss'), `${bits(r!, last.train).toFixed(3)} ${r!.kind === 'char' ? t('bits/char') : ''}`]);
    if (s.bestValLoss !== undefined)
      rows.push([t('Best validation loss'), `${bits(r!, s.bestValLoss).toFixed(3)} ${r!.kind === 'char' ? t('bits/char') : ''}`]);
    rows.push([t('Chars/s'), Math.round(s.charsPerSec).toLocaleString()]);
    if (r!.state === 'running') rows.push([t('ETA'), fmtSeconds(s.etaSec)]); // a finished run has no time left
    rows.push([t('Learning rate'), s.lr.toExponential(2)], [t('Gradient norm'), s.gradNorm.toFixed(3)], [t('Elapsed'), fmtSeconds(s.elapsedSec)]);
  }
  $('stats').replaceChildren(...rows.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', { 'data-stat': k }, v))));
  const stop = $('stop') as HTMLElement & { disabled: boolean };
  stop.disabled = !r || (r.state !== 'running' && r.state !== 'queued');
}

function renderSelected(): void {
  const r = ui.selected ? runs.get(ui.selected) : undefined;
  renderStats(r);
  $('hyper').replaceChildren(...applicableHyper(r?.hyper ?? {}).map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, String(v)))));
  const box = $('samples');
  box.replaceChildren(
    ...[...(r?.samples ?? [])]
      .reverse()
      .map((s) => el('div', { class: 'sample' }, el('div', { class: 'muted' }, t('Sample at step {0}', s.step)), el('div', { class: 'mono' }, s.text))),
  );
  for (const id of ['generate', 'open']) ($(id) as HTMLElement & { disabled: boolean }).disabled = !r;
}

function emptyNote(): void {
  if (runs.size === 0) status(t('No training runs yet. Start one with "Train Model on Current File"; its curves appear here live.'));
  else status('');
}

rpc.on('dashboard/run', (info) => {
  const r = runs.get(info.id);
  const isNew = !r;
  runs.set(info.id, { ...info, points: r?.points ?? [], samples: r?.samples ?? [] });
  if (isNew && (!ui.selected || !runs.has(ui.selected) || info.state === 'running')) {
    ui.selected = info.id;
    save();
  }
  renderLegend();
  renderSelected();
  emptyNote();
  if (isNew) rebuildPlot();
});
rpc.on('dashboard/progress', ({ runId, point, stats }) => {
  const r = runs.get(runId);
  if (!r) return;
  r.points.push(point);
  r.stats = stats;
  if (runId === ui.selected) renderStats(r);
  redraw();
});
rpc.on('dashboard/sample', ({ runId, step, text }) => {
  const r = runs.get(runId);
  if (!r) return;
  r.samples.push({ step, text });
  if (runId === ui.selected) renderSelected();
});

async function start(): Promise<void> {
  const init = await rpc.request('dashboard/ready', {});
  t = makeT(init.strings);
  layout();
  for (const r of init.runs) runs.set(r.id, r);
  if (!ui.selected || !runs.has(ui.selected)) ui.selected = init.selected;
  save();
  renderLegend();
  renderSelected();
  rebuildPlot();
  emptyNote();
  $('app').setAttribute('aria-busy', 'false');
}
start().catch((e: Error) => status(e.message, true));
