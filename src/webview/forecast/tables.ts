/**
 * The forecast panel's tables: every method's test metrics (the model, the baselines, Auto), the best one by the
 * verdict's measure marked; and the MASE (or MAE) at each horizon step.
 */
import type { ForecastMetrics, ForecastReport } from '../../protocol/worker';
import { el } from '../shared/rpc';

type T = (key: string, ...args: (string | number)[]) => string;

/** the verdict's measure of a method: MASE when the report has one, else RMSE */
function score(r: ForecastReport, m: ForecastMetrics): number {
  return r.verdictBy === 'MASE' && m.mase != null ? m.mase : m.rmse;
}

export function metricsTable(r: ForecastReport, t: T, fmt: (x: number | null | undefined) => string): HTMLTableElement {
  const rows = [
    { name: t('model'), m: r.model, cls: 'model' },
    ...r.baselines.map((b) => ({ name: b.period ? `${t(b.name)} (${b.period})` : t(b.name), m: b.metrics, cls: '' })),
    ...(r.auto ? [{ name: `${t('Auto')}: ${autoLabel(r.auto.choice, t)}`, m: r.auto.test, cls: 'auto' }] : []),
  ];
  const best = Math.min(...rows.filter((x) => x.cls !== 'auto').map((x) => score(r, x.m)));
  const head = el('tr', {}, ...['', 'MAE', 'RMSE', 'MAPE', 'sMAPE', 'MASE'].map((h) => el('th', {}, h)));
  const body = el('tbody');
  for (const x of rows)
    body.append(
      el(
        'tr',
        { class: `${x.cls}${x.cls !== 'auto' && score(r, x.m) === best ? ' best' : ''}` },
        el('td', {}, x.name),
        el('td', {}, fmt(x.m.mae)),
        el('td', {}, fmt(x.m.rmse)),
        el('td', {}, x.m.mape === null ? '–' : `${x.m.mape.toFixed(2)}%`),
        el('td', {}, x.m.smape == null ? '–' : `${x.m.smape.toFixed(2)}%`),
        el('td', {}, x.m.mase == null ? '–' : x.m.mase.toFixed(3)),
      ),
    );
  return el('table', { class: 'metrics', id: 'metrics' }, el('thead', {}, head), body);
}

function autoLabel(choice: string, t: T): string {
  const m = /^ensemble of (.*)$/.exec(choice);
  if (m)
    return t(
      'the mean of {0}',
      m[1]!
        .split(', ')
        .map((n) => t(n))
        .join(', '),
    );
  return t(choice);
}

/** MASE (MAE without a scale) at each horizon step, per method; nothing for a one-step horizon */
export function horizonTable(r: ForecastReport, t: T): HTMLElement {
  const ph = r.perHorizon;
  if (!ph || r.horizon < 2) return el('div', { id: 'horizon' });
  const scale = r.maseScale ?? null;
  const steps = Math.min(r.horizon, 24);
  const v = (x: number) => (scale ? (x / scale).toFixed(3) : x.toPrecision(4));
  const head = el(
    'tr',
    {},
    el('th', {}, scale ? t('MASE at step') : t('MAE at step')),
    ...Array.from({ length: steps }, (_, h) => el('th', {}, String(h + 1))),
  );
  const body = el('tbody', {}, ...ph.map((m) => el('tr', {}, el('td', {}, t(m.name)), ...m.mae.slice(0, steps).map((x) => el('td', {}, v(x))))));
  return el('div', { id: 'horizon' }, el('h2', {}, t('By horizon step')), el('table', { class: 'metrics' }, el('thead', {}, head), body));
}

/** which method forecasts "next N": the model, or the baseline the verdict names best (chosen by default) */
export function methodPicker(r: ForecastReport, t: T): HTMLElement {
  const methods = ['model', 'ETS', 'Theta', ...(r.season ? ['seasonal naive'] : []), 'drift', 'persistence'];
  const best = r.best && r.best !== 'model' && methods.includes(r.best) ? r.best : 'model';
  const sel = el('select', { id: 'method', 'aria-label': t('Forecast with') });
  for (const m of methods) {
    const o = el('option', { value: m }, m === best && m !== 'model' ? `${t(m)} (${t('best on the test windows')})` : t(m));
    if (m === best) o.setAttribute('selected', '');
    sel.append(o);
  }
  return el('label', { class: 'field', for: 'method' }, t('Forecast with'), sel);
}
