/**
 * Hidden-state webview: heatmap of units × time (canvas tiles drawn once per signal; zoom/scroll crop them),
 * the text under the time axis, hover details, the cell view (text coloured by one unit), find cells, unit ranking
 * by text features, gate saturation, PNG/CSV export. The analysis is in ../shared (pure, unit-tested).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '../shared/base.css';
import './style.css';
import type { HiddenMeta, ModelChoice, Signal } from '../../protocol/webview';
import { FEATURES, findCells, rankUnits, textFeatures, toCsv, type FeatureName } from '../shared/analysis';
import { buildLut, lutCss, lutIndex, scaleFor } from '../shared/colors';
import { cellAt, clampView, keyNav, scrollTime, scrollUnits, visibleChar, zoomTime, type View } from '../shared/heatmap';
import { makeT } from '../shared/i18n';
import { FEATURE_NAMES, findResult, panelDom, SIGNAL_NAMES } from './dom';
import { asFloat32, drawSaturation } from './saturation';
import { drawTimeAxis, drawUnitAxis, UNIT_AXIS_W } from './axes';
import { $, connect, el, getState, setState, status, themeBackground } from '../shared/rpc';
import { AblationTool } from './ablation';
import { CompareTool } from './compare';
import { drawTiles, makeTiles, type Tile } from './map';
import { ProbesTool } from './probes';
import { Projector } from './projector';
import { SaliencyTool } from './saliency';
import { TextView } from './textView';
import { toolTabs, type Tool, type ToolCtx } from './tools';

interface UiState {
  model?: string;
  layer: number;
  signal: Signal;
  unit: number;
  threshold: number;
  feature: FeatureName | 'all';
  text?: string;
  source?: string;
}
const ui = getState<UiState>({ layer: 0, signal: 'h', unit: 0, threshold: 0.5, feature: 'all' });
const save = () => setState(ui);
const rpc = connect<'hidden'>();
let t = makeT({});
let meta: HiddenMeta | undefined;
let data: Float32Array | undefined;
let scale = { kind: 'diverging' as 'diverging' | 'sequential', lo: -1, hi: 1 };
let lut = buildLut('diverging');
let tileCanvases: Tile[] = [];
let view: View = { t0: 0, tSpan: 100, u0: 0, uSpan: 64 };
let highlight: { start: number; end: number } | undefined;
let bg: [number, number, number] = [30, 30, 30];

type Sel = HTMLElement & { value: string };
type Btn = HTMLElement & { disabled: boolean };
let text: TextView;
let tools: Tool[] = [];
let active = 0;
let compare: CompareTool;
let lastFound: number[] = [];
let models: ModelChoice[] = [];

function makeTools(): void {
  const ctx: ToolCtx = {
    rpc,
    t: () => t,
    meta: () => meta,
    layer: () => ui.layer,
    signal: () => ui.signal,
    unit: () => ui.unit,
    data: () => data,
    selectUnit,
    foundUnits: () => lastFound,
    text,
    redraw: () => draw(false),
    background: () => bg,
    status,
  };
  const projector = new Projector(ctx),
    ablation = new AblationTool(ctx),
    probes = new ProbesTool(ctx);
  compare = new CompareTool(ctx);
  probes.onFeatures = (f) => (ablation.extraFeatures = f);
  tools = [projector, new SaliencyTool(ctx), ablation, probes, compare];
  $('cellText').after(
    toolTabs(tools, (i) => {
      active = i;
      tools[i]?.shown?.();
    }),
  );
  $('mapBox').after(compare.box);
  compare.setModels(models, ui.model);
}

function layout(choices: ModelChoice[], selected: string | undefined): void {
  models = choices;
  $('app').replaceChildren(...panelDom(t, ui.unit, ui.threshold));
  text = new TextView($('cellText'), $('cellCaption'), (p) => tools[active]?.pick?.(p));
  makeTools();
  const msel = $('model') as Sel;
  msel.replaceChildren(...models.map((m) => el('vscode-option', { value: m.id }, `${m.name} — ${m.detail}`)));
  const pick = models.find((m) => m.id === (selected ?? ui.model)) ?? models[0];
  if (pick) {
    msel.value = pick.id;
    ui.model = pick.id;
  }
  msel.addEventListener('change', () => {
    ui.model = msel.value;
    save();
    compare.setModels(models, ui.model);
  });
  ($('run') as Btn).disabled = !models.length;
  if (!models.length) status(t('No trained text models yet. Train one first ("Train Model on Current File").'));
  const fsel = $('feature') as Sel;
  fsel.replaceChildren(
    el('vscode-option', { value: 'all' }, t('all features (strongest first)')),
    ...FEATURES.map((f) => el('vscode-option', { value: f }, t(FEATURE_NAMES[f]))),
  );
  fsel.value = ui.feature;
  fsel.addEventListener('change', () => {
    ui.feature = fsel.value as FeatureName | 'all';
    save();
    renderRanking();
  });
  $('run').addEventListener('click', () => void runModel());
  $('zoomIn').addEventListener('click', () => {
    view = zoomTime(view, 0.5, 0.5, meta?.T ?? 1, meta?.H ?? 1);
    draw();
  });
  $('zoomOut').addEventListener('click', () => {
    view = zoomTime(view, 2, 0.5, meta?.T ?? 1, meta?.H ?? 1);
    draw();
  });
  $('zoomAll').addEventListener('click', () => {
    if (meta) {
      view = clampView({ t0: 0, tSpan: meta.T, u0: 0, uSpan: meta.H }, meta.T, meta.H);
      draw();
    }
  });
  $('png').addEventListener('click', () => void exportPng());
  $('csv').addEventListener('click', () => void exportCsv());
  $('find').addEventListener('click', () => doFind());
  const unit = $('unit') as HTMLInputElement;
  unit.addEventListener('change', () => selectUnit(Number(unit.value)));
  const th = $('threshold') as HTMLInputElement;
  th.addEventListener('change', () => {
    ui.threshold = Number(th.value);
    save();
  });
  const hs = $('hscroll') as HTMLInputElement;
  hs.addEventListener('input', () => {
    if (meta) {
      view = clampView({ ...view, t0: Number(hs.value) }, meta.T, meta.H);
      draw(false);
    }
  });
  wireHeatmap();
  for (const id of ['layer', 'signal', 'zoomIn', 'zoomOut', 'zoomAll', 'png', 'csv', 'find']) ($(id) as Btn).disabled = true;
  new ResizeObserver(() => draw()).observe($('mapBox'));
}

async function runModel(): Promise<void> {
  if (!ui.model) return;
  ($('run') as Btn).disabled = true;
  status(t('Reading the text with the model…'));
  try {
    meta = await rpc.request('hidden/run', { model: ui.model });
    text.setText(meta.chars);
    lastFound = [];
    ui.layer = Math.min(ui.layer, meta.layers - 1);
    if (!meta.signals.includes(ui.signal)) ui.signal = 'h';
    ui.text = meta.chars.join('');
    ui.source = meta.source;
    save();
    const lsel = $('layer') as Sel;
    lsel.replaceChildren(...Array.from({ length: meta.layers }, (_, l) => el('vscode-option', { value: String(l) }, String(l + 1))));
    lsel.value = String(ui.layer);
    lsel.onchange = () => {
      ui.layer = Number(lsel.value);
      save();
      void loadSignal();
    };
    const ssel = $('signal') as Sel;
    ssel.replaceChildren(...meta.signals.map((s) => el('vscode-option', { value: s }, t(SIGNAL_NAMES[s]))));
    ssel.value = ui.signal;
    ssel.onchange = () => {
      ui.signal = ssel.value as Signal;
      save();
      void loadSignal();
    };
    for (const id of ['layer', 'signal', 'zoomIn', 'zoomOut', 'zoomAll', 'png', 'csv', 'find']) ($(id) as Btn).disabled = false;
    $('source').textContent =
      meta.truncated > 0
        ? t('{0}: the first {1} characters ({2} more not read)', meta.source, meta.T, meta.truncated)
        : t('{0}: {1} characters', meta.source, meta.T);
    view = clampView({ t0: 0, tSpan: Math.max(16, Math.floor(($('mapBox').clientWidth || 800) / 9)), u0: 0, uSpan: meta.H }, meta.T, meta.H);
    ui.unit = Math.min(ui.unit, meta.H - 1);
    await loadSignal();
    for (const tool of tools) tool.reset();
    status(t('Read {0} characters in {1} ms.', meta.T, Math.round(meta.ms)));
    void renderSaturation();
  } catch (e) {
    status((e as Error).message, true);
  } finally {
    ($('run') as Btn).disabled = false;
  }
}

async function loadSignal(): Promise<void> {
  if (!meta) return;
  data = asFloat32(await rpc.request('hidden/signal', { layer: ui.layer, signal: ui.signal }));
  scale = scaleFor(ui.signal, data);
  lut = buildLut(scale.kind, bg);
  const t0 = performance.now();
  tileCanvases = makeTiles(data, meta.T, meta.H, lut, scale.lo, scale.hi);
  for (const tool of tools) if (tool.id === 'projector' || tool.id === 'probes') tool.reset(); // they read this layer and signal
  draw();
  const ms = performance.now() - t0;
  $('heatmap').dataset.renderMs = ms.toFixed(1);
  $('info').textContent = t(
    'Layer {0}, {1}: {2} steps × {3} units; colour scale {4} … {5}; drawn in {6} ms. Scroll: wheel or arrow keys; zoom: Ctrl+wheel or + / −.',
    ui.layer + 1,
    ui.signal,
    meta.T,
    meta.H,
    scale.lo.toFixed(2),
    scale.hi.toFixed(2),
    ms.toFixed(0),
  );
  selectUnit(ui.unit);
  renderRanking();
}

function draw(syncScroll = true): void {
  const cv = $('heatmap') as HTMLCanvasElement;
  const w = Math.max(200, $('mapBox').clientWidth - 2 - UNIT_AXIS_W);
  const rowPx = meta ? Math.max(1, Math.min(8, Math.floor(480 / view.uSpan))) : 1;
  const h = meta ? Math.max(120, Math.min(480, view.uSpan * rowPx)) : 120;
  if (cv.width !== w || cv.height !== h) {
    cv.width = w;
    cv.height = h;
  }
  const ctx = cv.getContext('2d')!;
  ctx.fillStyle = `rgb(${bg.join(',')})`;
  ctx.fillRect(0, 0, w, h);
  if (!meta || !data) return;
  const pxPerStep = w / view.tSpan;
  drawTiles(ctx, tileCanvases, view, w, h);
  void compare.follow(view, w).catch((e: Error) => status(e.message, true));
  const rowH = h / view.uSpan;
  if (ui.unit >= view.u0 && ui.unit < view.u0 + view.uSpan) {
    ctx.strokeStyle = getComputedStyle(document.body).getPropertyValue('--vscode-focusBorder').trim() || '#007fd4';
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, (ui.unit - view.u0) * rowH + 0.5, w - 1, Math.max(1, rowH - 1));
  }
  if (highlight) {
    ctx.fillStyle = 'rgba(255,255,255,0.18)';
    ctx.fillRect((highlight.start - view.t0) * pxPerStep, 0, (highlight.end - highlight.start) * pxPerStep, h);
  }
  drawUnitAxis($('uaxis') as HTMLCanvasElement, view, h);
  drawTimeAxis($('axis') as HTMLCanvasElement, view, w, meta.chars);
  const hs = $('hscroll') as HTMLInputElement;
  hs.max = String(Math.max(0, meta.T - view.tSpan));
  if (syncScroll) hs.value = String(view.t0);
  cv.dataset.view = `${view.t0},${view.tSpan},${view.u0},${view.uSpan}`;
}

function wireHeatmap(): void {
  const cv = $('heatmap') as HTMLCanvasElement;
  const tip = $('tooltip');
  let kbd = { t: 0, u: 0 };
  const showTip = (at: { t: number; u: number }, x: number, y: number) => {
    if (!meta || !data || at.t >= meta.T || at.u >= meta.H) {
      tip.style.display = 'none';
      return;
    }
    const v = data[at.t * meta.H + at.u];
    tip.textContent = `${t('unit')} ${at.u}   ${t('position')} ${at.t}   ${t('char')} '${visibleChar(meta.chars[at.t] ?? '')}'   ${t('value')} ${v.toFixed(4)}`;
    tip.style.display = 'block';
    tip.style.left = `${Math.min(x + 14, window.innerWidth - tip.offsetWidth - 4)}px`;
    tip.style.top = `${y + 14}px`;
  };
  cv.addEventListener('mousemove', (e) => {
    const r = cv.getBoundingClientRect();
    const at = cellAt(view, e.clientX - r.left, e.clientY - r.top, r.width, r.height);
    if (at) {
      kbd = at;
      showTip(at, e.clientX, e.clientY);
    } else tip.style.display = 'none';
  });
  cv.addEventListener('mouseleave', () => {
    tip.style.display = 'none';
  });
  cv.addEventListener('click', (e) => {
    const r = cv.getBoundingClientRect();
    const at = cellAt(view, e.clientX - r.left, e.clientY - r.top, r.width, r.height);
    if (at) selectUnit(at.u);
  });
  cv.addEventListener(
    'wheel',
    (e) => {
      if (!meta) return;
      e.preventDefault();
      const r = cv.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey) view = zoomTime(view, e.deltaY > 0 ? 1.25 : 0.8, (e.clientX - r.left) / r.width, meta.T, meta.H);
      else if (e.shiftKey) view = scrollUnits(view, Math.sign(e.deltaY) * Math.max(1, Math.round(view.uSpan / 10)), meta.T, meta.H);
      else view = scrollTime(view, Math.sign(e.deltaY || e.deltaX) * Math.max(1, Math.round(view.tSpan / 10)), meta.T, meta.H);
      draw();
    },
    { passive: false },
  );
  cv.addEventListener('keydown', (e) => {
    if (!meta) return;
    const step = keyNav(view, kbd, e.key, meta.T, meta.H);
    if (!step) return;
    ({ view, at: kbd } = step);
    if (step.select) selectUnit(kbd.u);
    e.preventDefault();
    draw();
    const r = cv.getBoundingClientRect();
    showTip(kbd, r.left + ((kbd.t - view.t0 + 0.5) / view.tSpan) * r.width, r.top + ((kbd.u - view.u0 + 0.5) / view.uSpan) * r.height);
  });
  cv.addEventListener('blur', () => {
    tip.style.display = 'none';
  });
}

function selectUnit(u: number): void {
  if (!meta || !data || !Number.isFinite(u)) return;
  ui.unit = Math.max(0, Math.min(meta.H - 1, Math.round(u)));
  save();
  ($('unit') as HTMLInputElement).value = String(ui.unit);
  ($('unit') as HTMLInputElement).max = String(meta.H - 1);
  const H = meta.H,
    d = data;
  text.paint((i) => lutCss(lut, lutIndex(d[i * H + ui.unit]!, scale.lo, scale.hi), 0.85), t('Cell view: the text coloured by unit {0}', ui.unit));
  $('cellText').dataset.unit = String(ui.unit);
  draw();
}

function doFind(): void {
  if (!meta || !data) return;
  const span = text.selectedSpan();
  const out = $('findOut');
  if (!span) {
    out.replaceChildren(el('p', { class: 'muted' }, t('Select a span of the text in the cell view first.')));
    return;
  }
  ui.threshold = Number(($('threshold') as HTMLInputElement).value);
  save();
  const r = findCells(data, meta.T, meta.H, span.start, span.end, ui.threshold, 3);
  lastFound = r.units.map((u) => u.unit);
  highlight = span;
  const goto = (m: { start: number; end: number }) => {
    highlight = m;
    view = clampView({ ...view, t0: m.start - Math.floor(view.tSpan / 4) }, meta!.T, meta!.H);
    draw();
  };
  out.replaceChildren(...findResult(t, span, r, meta.chars, selectUnit, goto));
  draw();
}

function renderRanking(): void {
  if (!meta || !data) return;
  const feats = textFeatures(meta.chars);
  const names = ui.feature === 'all' ? [...FEATURES] : [ui.feature];
  const ranked = names
    .flatMap((n) =>
      rankUnits(data!, meta!.T, meta!.H, feats[n])
        .slice(0, 10)
        .map((r) => ({ ...r, feature: n })),
    )
    .sort((a, b) => Math.abs(b.r) - Math.abs(a.r))
    .slice(0, 10);
  $('ranking').replaceChildren(
    ...ranked.map((r) => {
      const b = el('button', { class: 'link' }, `${t('unit')} ${r.unit}`);
      b.addEventListener('click', () => selectUnit(r.unit));
      return el('li', {}, b, ` r = ${r.r.toFixed(3)}`, names.length > 1 ? el('span', { class: 'muted' }, ` · ${t(FEATURE_NAMES[r.feature])}`) : '');
    }),
  );
}

async function renderSaturation(): Promise<void> {
  if (!meta) return;
  const { T, H } = meta;
  const gates = meta.signals.filter((s) => s !== 'h' && s !== 'c');
  const fetch = async (g: Signal) => asFloat32(await rpc.request('hidden/signal', { layer: ui.layer, signal: g }));
  await drawSaturation($('sat') as HTMLCanvasElement, $('satLegend'), t, ui.layer, gates, fetch, T, H);
}

async function exportPng(): Promise<void> {
  const cv = $('heatmap') as HTMLCanvasElement;
  const name = `hidden-${ui.signal}-layer${ui.layer + 1}`;
  try {
    await rpc.request('hidden/saveFile', { kind: 'png', name, data: cv.toDataURL('image/png') });
  } catch (e) {
    status((e as Error).message, true);
  }
}

async function exportCsv(): Promise<void> {
  if (!meta || !data) return;
  const name = `hidden-${ui.signal}-layer${ui.layer + 1}`;
  try {
    await rpc.request('hidden/saveFile', { kind: 'csv', name, data: toCsv(data, meta.T, meta.H, meta.chars) });
  } catch (e) {
    status((e as Error).message, true);
  }
}

rpc.on('hidden/models', ({ models: choices }) => {
  models = choices;
  const msel = $('model') as Sel;
  msel.replaceChildren(...models.map((m) => el('vscode-option', { value: m.id }, `${m.name} — ${m.detail}`)));
  if (ui.model && models.some((m) => m.id === ui.model)) msel.value = ui.model;
  ($('run') as Btn).disabled = !models.length;
  compare.setModels(models, ui.model);
});

async function start(): Promise<void> {
  bg = themeBackground().rgb;
  const init = await rpc.request('hidden/ready', {});
  t = makeT(init.strings);
  layout(init.models, init.selected);
  $('source').textContent = init.chars
    ? t('{0}: {1} characters', init.source, init.chars)
    : t('No text: select some text or open a file, then run "Show Hidden States".');
  $('app').setAttribute('aria-busy', 'false');
  if ((init.autoRun || ui.text) && init.chars && ui.model) await runModel();
}
start().catch((e: Error) => status(e.message, true));
