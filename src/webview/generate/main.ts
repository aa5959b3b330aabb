/** Generation webview: settings form, streamed output shaded by probability, top-5 candidates on hover/focus. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '../shared/base.css';
import './style.css';
import type { GenChar, GenerateSettings, ModelChoice } from '../../protocol/webview';
import { probColor } from '../shared/colors';
import { visibleChar } from '../shared/heatmap';
import { makeT } from '../shared/i18n';
import { $, connect, el, getState, setState, status, themeBackground } from '../shared/rpc';

interface UiState {
  model?: string;
  settings?: GenerateSettings;
  output: GenChar[];
  prime: string;
}
const ui = getState<UiState>({ output: [], prime: '' });
const rpc = connect<'generate'>();
let t = makeT({});
let settings: GenerateSettings;
let running = false;
let dark = true;

type Sel = HTMLElement & { value: string };
type Chk = HTMLElement & { checked: boolean };
type Btn = HTMLElement & { disabled: boolean };

function num(id: string, label: string, min: number, max: number, step: number, value: number): HTMLElement {
  return el(
    'label',
    { class: 'field', for: id },
    label,
    el('input', { id, type: 'number', min: String(min), max: String(max), step: String(step), value: String(value) }),
  );
}

/** The panel's elements in page order: model, prime, settings, actions, the output and its candidates. */
function panelDom(): HTMLElement[] {
  return [
    el('h1', {}, t('Generate Text')),
    el('div', { class: 'row' }, el('vscode-label', { for: 'model' }, t('Model')), el('vscode-single-select', { id: 'model', 'aria-label': t('Model') })),
    el('vscode-label', { for: 'prime' }, t('Prime text')),
    el('vscode-textarea', { id: 'prime', rows: '3', 'aria-label': t('Prime text'), placeholder: t('The text the model continues (empty: a new line)') }),
    el(
      'div',
      { class: 'row' },
      num('length', t('Length'), 1, 100000, 1, settings.length),
      el(
        'label',
        { class: 'field', for: 'temperature' },
        t('Temperature'),
        el('input', { id: 'temperature', type: 'range', min: '0.05', max: '2', step: '0.05', value: String(settings.temperature) }),
        el('output', { id: 'temperatureValue', for: 'temperature' }, settings.temperature.toFixed(2)),
      ),
      num('topK', t('Top-k (0 = all)'), 0, 100000, 1, settings.topK),
      num('topP', t('Top-p'), 0.01, 1, 0.01, settings.topP),
      num('seed', t('Seed'), 0, 2147483647, 1, settings.seed),
      el('vscode-checkbox', { id: 'greedy' }, t('Greedy (always the most likely character)')),
    ),
    el(
      'div',
      { class: 'row' },
      el('vscode-button', { id: 'run' }, t('Generate')),
      el('vscode-button', { id: 'regenerate', secondary: '' }, t('Regenerate')),
      el('vscode-button', { id: 'stop', secondary: '' }, t('Stop')),
      el('span', { class: 'sep' }),
      el('vscode-button', { id: 'insert', secondary: '' }, t('Insert at Cursor')),
      el('vscode-button', { id: 'open', secondary: '' }, t('Open in New Editor')),
      el('vscode-button', { id: 'copy', secondary: '' }, t('Copy')),
    ),
    el('h2', { id: 'outputLabel' }, t('Output')),
    el('div', {
      id: 'output',
      class: 'mono output panel-box',
      tabindex: '0',
      role: 'textbox',
      'aria-readonly': 'true',
      'aria-labelledby': 'outputLabel',
      'aria-describedby': 'candidates',
    }),
    el(
      'div',
      { id: 'candidates', class: 'candidates', 'aria-live': 'polite' },
      t('Hover or move through the output (arrow keys) to see the 5 most likely next characters at each position.'),
    ),
    el('div', { class: 'muted legend' }, t('Shading: red = the model found the character unlikely, green = likely.')),
  ];
}

function layout(models: ModelChoice[], selected: string | undefined): void {
  $('app').replaceChildren(...panelDom());
  fillModels(models, selected);
  ($('prime') as Sel).value = ui.prime || settings.prime;
  ($('greedy') as Chk).checked = settings.greedy;
  const temp = $('temperature') as HTMLInputElement;
  temp.addEventListener('input', () => {
    $('temperatureValue').textContent = Number(temp.value).toFixed(2);
    temp.setAttribute('aria-valuetext', temp.value);
  });
  $('run').addEventListener('click', () => void run(false));
  $('regenerate').addEventListener('click', () => void run(true));
  $('stop').addEventListener('click', () => void rpc.request('generate/cancel', {}));
  const text = () => ui.output.map((c) => c.c).join('');
  $('insert').addEventListener('click', () => void rpc.request('generate/insert', { text: text() }).catch(err));
  $('open').addEventListener('click', () => void rpc.request('generate/openEditor', { text: text() }).catch(err));
  $('copy').addEventListener('click', () => void rpc.request('generate/copy', { text: text() }).catch(err));
  const out = $('output');
  out.addEventListener('mouseover', (e) => {
    const i = (e.target as HTMLElement).dataset?.i;
    if (i !== undefined) showCandidates(Number(i));
  });
  let cursor = -1;
  out.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const n = ui.output.length;
    if (!n) return;
    cursor = e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : Math.max(0, Math.min(n - 1, cursor + (e.key === 'ArrowRight' ? 1 : -1)));
    out.querySelectorAll('.cur').forEach((x) => x.classList.remove('cur'));
    out.children[cursor]?.classList.add('cur');
    showCandidates(cursor);
  });
  renderOutput();
}

function err(e: Error): void {
  status(e.message, true);
}

function fillModels(models: ModelChoice[], selected: string | undefined): void {
  const sel = $('model') as Sel;
  sel.replaceChildren(...models.map((m) => el('vscode-option', { value: m.id, description: m.detail }, `${m.name} — ${m.detail}`)));
  const want = selected ?? ui.model;
  const pick = models.find((m) => m.id === want) ?? models[0];
  if (pick) {
    sel.value = pick.id;
    ui.model = pick.id;
  }
  if (!models.length) status(t('No trained text models yet. Train one first ("Train Model on Current File").'));
  for (const id of ['run', 'regenerate']) ($(id) as Btn).disabled = !models.length;
}

function readSettings(): GenerateSettings {
  const n = (id: string) => Number(($(id) as HTMLInputElement).value);
  return {
    prime: ($('prime') as Sel).value ?? '',
    length: Math.max(1, Math.min(100000, Math.round(n('length')) || 1)),
    temperature: Math.max(0.05, Math.min(2, n('temperature'))),
    topK: Math.max(0, Math.round(n('topK')) || 0),
    topP: Math.max(0.01, Math.min(1, n('topP') || 1)),
    seed: Math.max(0, Math.min(2147483647, Math.round(n('seed')) || 0)),
    greedy: ($('greedy') as Chk).checked,
  };
}

function span(c: GenChar, i: number): HTMLElement {
  const s = el('span', { 'data-i': String(i), 'data-p': c.p.toFixed(4) }, c.c === '\n' ? '↵\n' : c.c);
  s.style.background = probColor(c.p, dark);
  return s;
}

function renderOutput(): void {
  $('output').replaceChildren(...ui.output.map(span));
  $('output').dataset.chars = String(ui.output.length);
}

function showCandidates(i: number): void {
  const c = ui.output[i];
  if (!c) return;
  const box = $('candidates');
  box.replaceChildren(
    el('span', { class: 'muted' }, t('Position {0}: "{1}" had p = {2}. Top 5:', i, visibleChar(c.c), c.p.toFixed(3))),
    ...c.top.map(([ch, p]) => {
      const b = el('span', { class: 'cand' }, el('b', {}, visibleChar(ch)), ` ${(p * 100).toFixed(1)}%`);
      b.style.background = probColor(p, dark);
      return b;
    }),
  );
}

async function run(regenerate: boolean): Promise<void> {
  if (running || !ui.model) return;
  const s = readSettings();
  if (regenerate) {
    s.seed = (s.seed + 1) % 2147483647;
    ($('seed') as HTMLInputElement).value = String(s.seed);
  }
  settings = s;
  ui.settings = s;
  ui.prime = s.prime;
  ui.output = [];
  setState(ui);
  renderOutput();
  running = true;
  for (const id of ['run', 'regenerate']) ($(id) as Btn).disabled = true;
  status(t('Generating…'));
  try {
    const r = await rpc.request('generate/run', { model: ui.model, settings: s });
    status(t('{0} characters in {1} ms ({2}).', [...r.text].length, Math.round(r.ms), r.engine === 'onnx' ? 'onnxruntime' : t('TypeScript engine')));
  } catch (e) {
    err(e as Error);
  } finally {
    running = false;
    for (const id of ['run', 'regenerate']) ($(id) as Btn).disabled = false;
    setState(ui);
  }
}

rpc.on('generate/chunk', ({ chars }) => {
  const out = $('output');
  const start = ui.output.length;
  ui.output.push(...chars);
  out.append(...chars.map((c, k) => span(c, start + k)));
  out.dataset.chars = String(ui.output.length);
});
rpc.on('generate/models', ({ models, selected }) => fillModels(models, selected));

async function start(): Promise<void> {
  dark = themeBackground().dark;
  const init = await rpc.request('generate/ready', {});
  t = makeT(init.strings);
  settings = init.autoRun || !ui.settings ? init.settings : { ...ui.settings };
  if (init.autoRun || init.settings.prime) ui.prime = init.settings.prime;
  layout(init.models, init.selected);
  ($('model') as Sel).addEventListener('change', () => {
    ui.model = ($('model') as Sel).value;
    setState(ui);
  });
  $('app').setAttribute('aria-busy', 'false');
  if (init.autoRun) void run(false);
}
start().catch(err);
