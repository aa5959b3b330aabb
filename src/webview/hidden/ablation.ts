/**
 * Ablation, the causal check for the cell finder (NeuroX): silence units (hold them at zero or at their mean after
 * every step), then compare generated text from the same prompt and seed, and the loss of every character of the
 * read text, summed per feature: "silencing unit 33 costs 0.9 bits/char inside quotes, 0.01 outside".
 */
import type { AblationView } from '../../protocol/webview';
import { FEATURES, textFeatures } from '../shared/analysis';
import { buildLut, lutCss, lutIndex } from '../shared/colors';
import { difference, parseUnits, splitByFeature } from '../shared/insight';
import { el } from '../shared/rpc';
import { FEATURE_NAMES } from './dom';
import { busy, field, type Tool, type ToolCtx } from './tools';

/** the built-in features that are on or off (the per-feature table splits the cost by them) */
const BINARY = FEATURES.filter((f) => f === 'inQuotes' || f === 'inBrackets' || f === 'afterWhitespace');

export class AblationTool implements Tool {
  readonly id = 'ablation';
  readonly title: string;
  private units = el('input', { id: 'ablUnits', type: 'text', size: '18', placeholder: '3, 17, 40-42' });
  private mode = el('vscode-single-select', { id: 'ablMode' }) as HTMLElement & { value: string };
  private prompt = el('input', { id: 'ablPrompt', type: 'text', size: '24' });
  private run = el('vscode-button', { id: 'ablRun' });
  private fromFind = el('vscode-button', { id: 'ablFromFind', secondary: '' });
  private out = el('div', { id: 'ablOut' });
  private last?: AblationView;
  /** extra binary features (the probes' regex features) to split the cost by */
  extraFeatures: { name: string; values: Float32Array }[] = [];

  constructor(private readonly ctx: ToolCtx) {
    const t = ctx.t();
    this.title = t('Ablation');
  }

  dom(): HTMLElement {
    const t = this.ctx.t();
    this.mode.replaceChildren(el('vscode-option', { value: 'zero' }, t('to zero')), el('vscode-option', { value: 'mean' }, t('to their mean')));
    this.run.textContent = t('Silence and compare');
    this.fromFind.textContent = t('Use the units of Find cells');
    this.run.addEventListener('click', () => void this.ablate());
    this.fromFind.addEventListener('click', () => {
      const u = this.ctx.foundUnits();
      this.units.value = u.length ? u.join(', ') : String(this.ctx.unit());
    });
    return el(
      'div',
      {},
      el('div', { class: 'row' }, field(t('Units'), this.units), this.fromFind, field(t('Hold them'), this.mode), field(t('Prompt'), this.prompt), this.run),
      el(
        'p',
        { class: 'muted' },
        t(
          'The units of the chosen layer are held fixed after every step. The text is generated twice from the same prompt and seed, and every character of the read text is scored twice.',
        ),
      ),
      this.out,
    );
  }

  reset(): void {
    this.last = undefined;
    this.out.replaceChildren();
    const meta = this.ctx.meta();
    if (meta && !this.prompt.value) this.prompt.value = meta.chars.slice(0, 24).join('').split('\n')[0] || meta.chars.slice(0, 24).join('');
    if (!this.units.value) this.units.value = String(this.ctx.unit());
  }

  shown(): void {
    if (!this.units.value) this.units.value = String(this.ctx.unit());
    if (this.last) this.paint();
  }

  private async ablate(): Promise<void> {
    const meta = this.ctx.meta(),
      t = this.ctx.t();
    if (!meta) return;
    let units: number[];
    try {
      units = parseUnits(this.units.value, meta.H);
      if (!units.length) throw new SyntaxError(t('Type the units to silence, for example 3, 17 or 40-42.'));
    } catch (e) {
      this.ctx.status((e as Error).message, true);
      return;
    }
    await busy(this.ctx, this.run, t('Reading the text twice and generating twice…'), async () => {
      this.last = await this.ctx.rpc.request('hidden/ablate', {
        layer: this.ctx.layer(),
        units,
        mode: this.mode.value as 'zero' | 'mean',
        prompt: this.prompt.value || '\n',
        length: 300,
        seed: 1,
      });
      this.paint();
      this.ctx.status(t('Ablation of {0} unit(s) in {1} ms.', units.length, Math.round(this.last.ms)));
    });
  }

  private paint(): void {
    const r = this.last!,
      meta = this.ctx.meta(),
      t = this.ctx.t();
    if (!meta) return;
    const delta = difference(r.after, r.before); // (T−1) bits: what silencing costs at each next character
    let m = 0;
    for (const v of delta) m = Math.max(m, Math.abs(v));
    const lut = buildLut('diverging', this.ctx.background());
    this.ctx.text.paint(
      (p) => (p >= 1 && p - 1 < delta.length ? lutCss(lut, lutIndex(delta[p - 1]!, -m || -1, m || 1), 0.85) : null),
      t('Ablation: the change in bits of each character when units {0} are silenced (red: harder to predict)', r.units.join(', ')),
    );
    const feats = textFeatures(meta.chars);
    const rows = [
      ...BINARY.map((f) => ({ name: t(FEATURE_NAMES[f]), values: feats[f] })),
      ...this.extraFeatures.map((f) => ({ name: f.name, values: f.values })),
    ].map((f) => ({ name: f.name, ...splitByFeature(delta, f.values) }));
    const num = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;
    const table = el(
      'table',
      { class: 'kv', id: 'ablTable' },
      el('tr', {}, el('th', {}, t('Feature')), el('th', {}, t('inside (bits/char)')), el('th', {}, t('outside (bits/char)'))),
      ...rows.map((x) => el('tr', {}, el('td', {}, x.name), el('td', {}, x.nInside ? num(x.inside) : '—'), el('td', {}, x.nOutside ? num(x.outside) : '—'))),
    );
    const gen = (label: string, text: string, id: string) => el('div', {}, el('h3', {}, label), el('pre', { class: 'mono panel-box gen', id }, text));
    this.out.replaceChildren(
      el(
        'p',
        { id: 'ablSummary' },
        t('Over the read text: {0} bits/char before, {1} after ({2}).', r.meanBefore.toFixed(3), r.meanAfter.toFixed(3), num(r.meanAfter - r.meanBefore)),
        ' ',
        el(
          'span',
          { class: 'muted' },
          r.values.every((v) => v === 0)
            ? t('Held at 0.')
            : t(
                'Held at: {0}',
                r.values
                  .slice(0, 8)
                  .map((v) => v.toFixed(3))
                  .join(', ') + (r.values.length > 8 ? ', …' : ''),
              ),
        ),
      ),
      table,
      el(
        'div',
        { class: 'columns' },
        gen(t('Generated as trained'), r.textBefore, 'ablBefore'),
        gen(t('Generated with the units silenced'), r.textAfter, 'ablAfter'),
      ),
    );
  }
}
