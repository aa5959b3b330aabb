/** The hidden-state panel's elements (built once; main.ts wires them), section by section in page order. */
import type { Signal } from '../../protocol/webview';
import type { FeatureName, CellMatch } from '../shared/analysis';
import { visibleChar } from '../shared/heatmap';
import type { makeT } from '../shared/i18n';
import { el } from '../shared/rpc';

type T = ReturnType<typeof makeT>;

export const SIGNAL_NAMES: Record<Signal, string> = {
  h: 'h (hidden state)',
  c: 'c (cell state)',
  i: 'i (input gate)',
  f: 'f (forget gate)',
  o: 'o (output gate)',
  z: 'z (update gate)',
  r: 'r (reset gate)',
};
export const FEATURE_NAMES: Record<FeatureName, string> = {
  inQuotes: 'inside quotes',
  inBrackets: 'inside brackets',
  positionInLine: 'position in line',
  indentation: 'indentation',
  afterWhitespace: 'after whitespace',
};

/** Every element of the panel, in page order. */
export function panelDom(t: T, unit: number, threshold: number): HTMLElement[] {
  return [el('h1', {}, t('Hidden States')), ...toolbar(t), ...heatmapBox(t), ...cellView(t, unit), analysis(t, threshold)];
}

/** Model and Run; layer, signal, zoom and export. */
function toolbar(t: T): HTMLElement[] {
  return [
    el(
      'div',
      { class: 'row' },
      el('vscode-label', { for: 'model' }, t('Model')),
      el('vscode-single-select', { id: 'model', 'aria-label': t('Model') }),
      el('vscode-button', { id: 'run' }, t('Run')),
      el('span', { id: 'source', class: 'muted' }),
    ),
    el(
      'div',
      { class: 'row' },
      el('vscode-label', { for: 'layer' }, t('Layer')),
      el('vscode-single-select', { id: 'layer', 'aria-label': t('Layer') }),
      el('vscode-label', { for: 'signal' }, t('Signal')),
      el('vscode-single-select', { id: 'signal', 'aria-label': t('Signal') }),
      el('vscode-button', { id: 'zoomIn', secondary: '', title: '+' }, t('Zoom in')),
      el('vscode-button', { id: 'zoomOut', secondary: '', title: '−' }, t('Zoom out')),
      el('vscode-button', { id: 'zoomAll', secondary: '' }, t('Show all')),
      el('vscode-button', { id: 'png', secondary: '' }, t('Export PNG')),
      el('vscode-button', { id: 'csv', secondary: '' }, t('Export CSV')),
    ),
  ];
}

/** The heatmap with its axis, tooltip and time scroll bar. */
function heatmapBox(t: T): HTMLElement[] {
  return [
    el('div', { id: 'info', class: 'muted' }),
    el(
      'div',
      { id: 'mapBox', class: 'mapbox' },
      el('canvas', { id: 'uaxis', 'aria-hidden': 'true', title: t('unit') }),
      el('canvas', {
        id: 'heatmap',
        tabindex: '0',
        role: 'img',
        'aria-label': t('Heatmap of hidden units over time. Arrow keys scroll, + and − zoom, Enter shows the unit under the cursor in the cell view.'),
      }),
      el('span', { class: 'axis-corner muted' }, t('unit')),
      el('canvas', { id: 'axis', 'aria-hidden': 'true', title: t('position') }),
    ),
    el('div', { id: 'tooltip', class: 'tooltip' }),
    el('input', { id: 'hscroll', type: 'range', min: '0', max: '0', step: '1', value: '0', 'aria-label': t('Scroll in time') }),
  ];
}

/** The text coloured by one unit. */
function cellView(t: T, unit: number): HTMLElement[] {
  return [
    el('h2', {}, t('Cell view')),
    el(
      'div',
      { class: 'row' },
      el('label', { class: 'field', for: 'unit' }, t('Unit'), el('input', { id: 'unit', type: 'number', min: '0', value: String(unit) })),
      el('span', { class: 'muted' }, t('Click a row of the heatmap, or type a unit number. Select a span of the text below, then Find cells.')),
    ),
    el('div', { id: 'cellCaption', class: 'muted', 'aria-live': 'polite' }),
    el('div', { id: 'cellText', class: 'mono celltext panel-box', tabindex: '0', 'aria-label': t('The read text, shaded by the chosen unit or tool') }),
  ];
}

/** Find cells, unit ranking and gate saturation, side by side. */
function analysis(t: T, threshold: number): HTMLElement {
  return el(
    'div',
    { class: 'columns' },
    el(
      'section',
      {},
      el('h2', {}, t('Find cells')),
      el(
        'div',
        { class: 'row' },
        el(
          'label',
          { class: 'field', for: 'threshold' },
          t('Threshold'),
          el('input', { id: 'threshold', type: 'number', min: '-10', max: '10', step: '0.05', value: String(threshold) }),
        ),
        el('vscode-button', { id: 'find' }, t('Find cells')),
      ),
      el('div', { id: 'findOut' }),
    ),
    el(
      'section',
      {},
      el('h2', {}, t('Unit ranking')),
      el(
        'div',
        { class: 'row' },
        el('vscode-label', { for: 'feature' }, t('Feature')),
        el('vscode-single-select', { id: 'feature', 'aria-label': t('Feature') }),
      ),
      el('ol', { id: 'ranking', class: 'ranking' }),
    ),
    el(
      'section',
      {},
      el('h2', {}, t('Gate saturation')),
      el('canvas', {
        id: 'sat',
        width: '300',
        height: '300',
        role: 'img',
        'aria-label': t('Gate saturation: fraction of time each unit is left-saturated (< 0.1, x axis) and right-saturated (> 0.9, y axis)'),
      }),
      el('div', { id: 'satLegend', class: 'muted' }),
    ),
  );
}

type Span = { start: number; end: number };

/** What Find cells found for `span`: its units (click: select the unit) and the other places they fire (click: go). */
export function findResult(t: T, span: Span, r: CellMatch, chars: string[], onUnit: (u: number) => void, onGoto: (m: Span) => void): HTMLElement[] {
  const button = (label: string, click: () => void) => {
    const b = el('button', { class: 'link' }, label);
    b.addEventListener('click', click);
    return b;
  };
  const pct = (x: number) => (x * 100).toFixed(0);
  return [
    el('p', {}, t('Span {0}–{1}: {2} unit(s) on inside and off around it.', span.start, span.end, r.units.length)),
    el(
      'ul',
      {},
      ...r.units.map((u) =>
        el(
          'li',
          {},
          button(`${t('unit')} ${u.unit}`, () => onUnit(u.unit)),
          ` ${t('on inside')} ${pct(u.inside)}%, ${t('around')} ${pct(u.outside)}%`,
        ),
      ),
    ),
    el('p', {}, t('{0} other place(s) where they switch on together:', r.matches.length)),
    el(
      'ul',
      {},
      ...r.matches.slice(0, 50).map((m) => {
        const text = chars.slice(m.start, m.end).map(visibleChar).join('').slice(0, 60);
        return el(
          'li',
          {},
          button(`${m.start}–${m.end}`, () => onGoto(m)),
          ` “${text}”`,
        );
      }),
    ),
  ];
}
