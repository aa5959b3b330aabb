/**
 * Saliency (ecco): click a character of the text view; each earlier character of its context is shaded by its
 * attribution to the character the model predicts next (gradient × input, or integrated gradients), computed by
 * the TS engine's backward pass in the worker. Imported models without an engine checkpoint are turned into one
 * from their ONNX weights (worker/hiddenStates.ts hiddenModel), so saliency works for every character model.
 */
import type { SaliencyView } from '../../protocol/webview';
import { buildLut, lutCss, lutIndex } from '../shared/colors';
import { visibleChar } from '../shared/heatmap';
import { el } from '../shared/rpc';
import { field, type Tool, type ToolCtx } from './tools';

export class SaliencyTool implements Tool {
  readonly id = 'saliency';
  readonly title: string;
  private method = el('vscode-single-select', { id: 'salMethod' }) as HTMLElement & { value: string };
  private out = el('div', { id: 'salOut', class: 'muted' });
  private last?: SaliencyView & { position: number };

  constructor(private readonly ctx: ToolCtx) {
    const t = ctx.t();
    this.title = t('Saliency');
  }

  dom(): HTMLElement {
    const t = this.ctx.t();
    this.method.replaceChildren(
      el('vscode-option', { value: 'gradient' }, t('gradient × input')),
      el('vscode-option', { value: 'integrated' }, t('integrated gradients (32 steps)')),
    );
    this.method.addEventListener('change', () => this.last && this.pick(this.last.position));
    return el(
      'div',
      {},
      el('div', { class: 'row' }, field(t('Method'), this.method)),
      el(
        'p',
        { class: 'muted' },
        t(
          'Click a character in the text above: the characters before it are shaded by how much each pushed the model towards its next prediction (red: towards, blue: away).',
        ),
      ),
      this.out,
    );
  }

  reset(): void {
    this.last = undefined;
    this.out.textContent = '';
  }

  shown(): void {
    if (this.last) this.paint();
  }

  pick(position: number): void {
    const t = this.ctx.t();
    this.ctx.status(t('Computing the saliency of position {0}…', position));
    void this.ctx.rpc
      .request('hidden/saliency', { position, method: this.method.value as 'gradient' | 'integrated' })
      .then((r) => {
        this.last = { ...r, position };
        this.paint();
        this.ctx.status(t('Saliency of position {0} in {1} ms.', position, Math.round(r.ms)));
      })
      .catch((e: Error) => this.ctx.status(e.message, true));
  }

  private paint(): void {
    const r = this.last!,
      t = this.ctx.t(),
      meta = this.ctx.meta();
    if (!meta) return;
    let m = 0;
    for (const v of r.scores) m = Math.max(m, Math.abs(v));
    const lut = buildLut('diverging', this.ctx.background());
    const end = r.start + r.scores.length;
    this.ctx.text.paint(
      (p) => (p >= r.start && p < end ? lutCss(lut, lutIndex(r.scores[p - r.start]!, -m || -1, m || 1), 0.9) : null),
      t('Saliency: what led to predicting “{0}” (p = {1}) after position {2}', visibleChar(r.target), r.prob.toFixed(2), r.position),
    );
    this.ctx.text.show(r.position);
    const top = Array.from(r.scores, (v, i) => ({ p: r.start + i, v }))
      .sort((a, b) => Math.abs(b.v) - Math.abs(a.v))
      .slice(0, 5);
    this.out.replaceChildren(
      el('p', {}, t('The model predicts “{0}” with probability {1}. The strongest contributions:', visibleChar(r.target), r.prob.toFixed(3))),
      el(
        'ol',
        { class: 'ranking' },
        ...top.map((x) => el('li', { class: 'mono' }, `'${visibleChar(meta.chars[x.p] ?? '')}' ${t('at')} ${x.p}: ${x.v >= 0 ? '+' : ''}${x.v.toFixed(3)}`)),
      ),
    );
    this.out.dataset.target = r.target;
    this.out.dataset.position = String(r.position);
  }
}
