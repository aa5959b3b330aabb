/**
 * Probes: features the user writes (a regex, the bracket depth, the column in the line). For each, the units are
 * ranked by their correlation with it (in the webview), and a linear probe is trained on the whole state in the
 * worker and scored on held-out text. The table lists the probes by how much of what was left to learn they
 * read: (accuracy − majority) / (1 − majority) for on/off features, R² for numbers.
 */
import type { ProbeView } from '../../protocol/webview';
import { rankUnits } from '../shared/analysis';
import { probeLift, userFeature, type ProbeKind } from '../shared/insight';
import { el } from '../shared/rpc';
import { busy, field, type Tool, type ToolCtx } from './tools';

interface Probe {
  name: string;
  kind: ProbeKind;
  pattern: string;
  values?: Float32Array;
  result?: ProbeView;
  top?: { unit: number; r: number }[];
}

export class ProbesTool implements Tool {
  readonly id = 'probes';
  readonly title: string;
  private probes: Probe[] = [];
  private name = el('input', { id: 'probeName', type: 'text', size: '14' });
  private kind = el('vscode-single-select', { id: 'probeKind' }) as HTMLElement & { value: string };
  private pattern = el('input', { id: 'probePattern', type: 'text', size: '22', placeholder: '"[^"]*"' });
  private add = el('vscode-button', { id: 'probeAdd' });
  private table = el('table', { id: 'probeTable', class: 'kv' });
  /** called with the regex features whenever they change (the ablation table splits its cost by them) */
  onFeatures: (f: { name: string; values: Float32Array }[]) => void = () => undefined;

  constructor(private readonly ctx: ToolCtx) {
    const t = ctx.t();
    this.title = t('Probes');
  }

  dom(): HTMLElement {
    const t = this.ctx.t();
    this.kind.replaceChildren(
      el('vscode-option', { value: 'regex' }, t('inside a match of a regex')),
      el('vscode-option', { value: 'depth' }, t('bracket depth')),
      el('vscode-option', { value: 'column' }, t('column in the line')),
    );
    this.add.textContent = t('Add probe');
    this.add.addEventListener('click', () => void this.addProbe());
    this.kind.addEventListener('change', () => (this.pattern.disabled = this.kind.value !== 'regex'));
    return el(
      'div',
      {},
      el('div', { class: 'row' }, field(t('Name'), this.name), field(t('Feature'), this.kind), field(t('Pattern'), this.pattern), this.add),
      el('p', { class: 'muted' }, t('A linear probe is trained on the states of the first 80 % of the text and scored on the rest.')),
      this.table,
    );
  }

  reset(): void {
    for (const p of this.probes) [p.values, p.result, p.top] = [undefined, undefined, undefined];
    void this.evaluateAll();
  }

  private async addProbe(): Promise<void> {
    const t = this.ctx.t(),
      kind = this.kind.value as ProbeKind,
      pattern = this.pattern.value;
    const name = this.name.value.trim() || (kind === 'regex' ? `/${pattern}/` : kind === 'depth' ? t('bracket depth') : t('column in the line'));
    if (!this.ctx.meta()) return;
    try {
      userFeature(this.ctx.meta()!.chars.slice(0, 10), kind, pattern); // a bad pattern fails here, with its message
    } catch (e) {
      this.ctx.status(t('The pattern is not a valid regular expression: {0}', (e as Error).message), true);
      return;
    }
    this.probes.push({ name, kind, pattern });
    this.name.value = '';
    await busy(this.ctx, this.add, t('Training the probe…'), () => this.evaluateAll());
  }

  private async evaluateAll(): Promise<void> {
    const meta = this.ctx.meta(),
      data = this.ctx.data();
    if (!meta || !data) return this.render();
    for (const p of this.probes) {
      if (p.result) continue;
      p.values = userFeature(meta.chars, p.kind, p.pattern);
      p.top = rankUnits(data, meta.T, meta.H, p.values).slice(0, 3);
      p.result = await this.ctx.rpc.request('hidden/probe', { layer: this.ctx.layer(), signal: this.ctx.signal(), feature: p.values });
    }
    this.onFeatures(this.probes.filter((p) => p.kind === 'regex' && p.values).map((p) => ({ name: p.name, values: p.values! })));
    this.render();
    const t = this.ctx.t();
    if (this.probes.length) this.ctx.status(t('{0} probe(s) on layer {1}, {2}.', this.probes.length, this.ctx.layer() + 1, this.ctx.signal()));
  }

  private render(): void {
    const t = this.ctx.t();
    const done = this.probes.filter((p) => p.result).sort((a, b) => probeLift(b.result!) - probeLift(a.result!));
    const unitLink = (u: { unit: number; r: number }) => {
      const b = el('button', { class: 'link' }, `${u.unit}`);
      b.addEventListener('click', () => this.ctx.selectUnit(u.unit));
      return el('span', {}, b, ` (r = ${u.r.toFixed(2)}) `);
    };
    this.table.replaceChildren(
      el('tr', {}, ...[t('Probe'), t('Held-out score'), t('Baseline'), t('Lift'), t('Units most correlated'), ''].map((h) => el('th', {}, h))),
      ...done.map((p) => {
        const r = p.result!;
        const remove = el('button', { class: 'link' }, t('remove'));
        remove.addEventListener('click', () => {
          this.probes = this.probes.filter((x) => x !== p);
          this.render();
        });
        const score = r.kind === 'binary' ? `${(100 * r.score).toFixed(1)} % ${t('accuracy')}` : `R² ${r.score.toFixed(3)}`;
        return el(
          'tr',
          { 'data-probe': p.name },
          el('td', {}, p.name),
          el('td', {}, score),
          el(
            'td',
            {},
            r.kind === 'binary' ? `${(100 * r.baseline).toFixed(1)} %` : '—',
            r.kind === 'binary' && r.baseline >= 1 ? el('span', { class: 'muted' }, ` (${t('constant in this text')})`) : '',
          ),
          el('td', { class: 'lift' }, probeLift(r).toFixed(3)),
          el('td', {}, ...p.top!.map(unitLink)),
          el('td', {}, remove),
        );
      }),
    );
    this.table.dataset.count = String(done.length);
  }
}
