/**
 * Compare two models on the same text (RNNVis): the loss of every character under each, their difference shaded
 * on the text, and the second model's heatmap under the first, on the same stretch of time.
 */
import type { CompareView, ModelChoice, Signal } from '../../protocol/webview';
import { buildLut, lutCss, lutIndex, scaleFor } from '../shared/colors';
import { type View } from '../shared/heatmap';
import { difference } from '../shared/insight';
import { el } from '../shared/rpc';
import { asFloat32 } from './saturation';
import { drawTiles, makeTiles, type Tile } from './map';
import { busy, field, int, type Tool, type ToolCtx } from './tools';

export class CompareTool implements Tool {
  readonly id = 'compare';
  readonly title: string;
  private model = el('vscode-single-select', { id: 'cmpModel' }) as HTMLElement & { value: string };
  private run = el('vscode-button', { id: 'cmpRun' });
  private out = el('div', { id: 'cmpOut' });
  private last?: CompareView;
  private tiles: Tile[] = [];
  private shown_: { layer: number; signal: Signal } | undefined;
  /** B's heatmap, placed under the panel's own */
  readonly box = el('div', { id: 'cmpMapBox', class: 'cmpmap', hidden: '' });
  private canvas = el('canvas', { id: 'heatmapB', role: 'img' });
  private label = el('div', { class: 'muted', id: 'cmpMapLabel' });

  constructor(private readonly ctx: ToolCtx) {
    const t = ctx.t();
    this.title = t('Compare');
    this.box.append(this.label, this.canvas);
  }

  dom(): HTMLElement {
    const t = this.ctx.t();
    this.run.textContent = t('Compare');
    this.run.addEventListener('click', () => void this.compare());
    return el(
      'div',
      {},
      el('div', { class: 'row' }, field(t('Second model'), this.model), this.run),
      el(
        'p',
        { class: 'muted' },
        t('Reads the same text with a second model: the difference in bits of every character is shaded on the text, and its heatmap appears under the first.'),
      ),
      this.out,
    );
  }

  setModels(models: ModelChoice[], current: string | undefined): void {
    const keep = this.model.value;
    const others = models.filter((m) => m.id !== current);
    this.model.replaceChildren(...others.map((m) => el('vscode-option', { value: m.id }, `${m.name} — ${m.detail}`)));
    if (others.some((m) => m.id === keep)) this.model.value = keep;
    (this.run as HTMLElement & { disabled: boolean }).disabled = others.length === 0;
  }

  reset(): void {
    this.last = undefined;
    this.tiles = [];
    this.shown_ = undefined;
    this.box.hidden = true;
    this.out.replaceChildren();
  }

  shown(): void {
    if (this.last) this.paintText();
  }

  private async compare(): Promise<void> {
    const t = this.ctx.t();
    if (!this.ctx.meta() || !this.model.value) return;
    await busy(this.ctx, this.run, t('Reading the text with the second model…'), async () => {
      this.last = await this.ctx.rpc.request('hidden/compare', { model: this.model.value });
      this.shown_ = undefined;
      await this.loadSignal();
      this.ctx.redraw();
      this.paintText();
      const r = this.last;
      const better = r.meanB < r.meanA ? r.name : t('the panel’s model');
      this.out.replaceChildren(
        el(
          'p',
          { id: 'cmpSummary' },
          t(
            'Over {0} characters: {1} bits/char with the panel’s model, {2} with {3}. Better on this text: {4}.',
            int(r.bitsA.length),
            r.meanA.toFixed(3),
            r.meanB.toFixed(3),
            r.name,
            better,
          ),
        ),
        r.unknown ? el('p', { class: 'muted' }, t('{0} characters are outside the second model’s vocabulary.', int(r.unknown))) : '',
      );
      this.ctx.status(t('Compared in {0} ms.', Math.round(r.ms)));
    });
  }

  private paintText(): void {
    const r = this.last!,
      t = this.ctx.t();
    const d = difference(r.bitsA, r.bitsB);
    let m = 0;
    for (const v of d) m = Math.max(m, Math.abs(v));
    const lut = buildLut('diverging', this.ctx.background());
    this.ctx.text.paint(
      (p) => (p >= 1 && p - 1 < d.length ? lutCss(lut, lutIndex(d[p - 1]!, -m || -1, m || 1), 0.85) : null),
      t('Compare: bits under the panel’s model minus bits under {0} (red: {0} predicts the character better)', r.name),
    );
  }

  /** B's signal for the panel's layer and signal (its last layer and h when it has no such one) */
  private async loadSignal(): Promise<void> {
    const r = this.last,
      meta = this.ctx.meta();
    if (!r || !meta) return;
    const layer = Math.min(this.ctx.layer(), r.layers - 1),
      signal = r.signals.includes(this.ctx.signal()) ? this.ctx.signal() : 'h';
    if (this.shown_?.layer === layer && this.shown_.signal === signal) return;
    const data = asFloat32(await this.ctx.rpc.request('hidden/signal', { layer, signal, of: 'b' }));
    const sc = scaleFor(signal, data);
    this.tiles = makeTiles(data, meta.T, r.H, buildLut(sc.kind, this.ctx.background()), sc.lo, sc.hi);
    this.shown_ = { layer, signal };
    const t = this.ctx.t();
    this.label.textContent = t('{0}: layer {1}, {2}, {3} units', r.name, layer + 1, signal, r.H);
    this.box.hidden = false;
  }

  /** redraw B's heatmap over the same time window as the panel's (called after every draw of the first) */
  async follow(view: View, w: number): Promise<void> {
    if (!this.last) return;
    await this.loadSignal();
    const H = this.last.H,
      h = Math.max(60, Math.min(240, H * 2));
    const cv = this.canvas;
    if (cv.width !== w || cv.height !== h) [cv.width, cv.height] = [w, h];
    const g = cv.getContext('2d')!;
    g.clearRect(0, 0, w, h);
    drawTiles(g, this.tiles, { ...view, u0: 0, uSpan: H }, w, h);
    cv.dataset.view = `${view.t0},${view.tSpan}`;
  }
}
