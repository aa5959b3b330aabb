/**
 * The state projector (TensorBoard projector, Seq2Seq-Vis): PCA (or UMAP) of the chosen layer's states, one point
 * per position, coloured by a feature. Hover shows the context; a click selects the position in the text view and
 * in the editor and lists the nearest states; a lasso (drag) asks the same for the mean state of the points it
 * encloses: "where else is the model in this state?".
 */
import type { Projection } from '../../protocol/webview';
import { textFeatures } from '../shared/analysis';
import { buildLut, lutCss, lutIndex } from '../shared/colors';
import { CHAR_CLASSES, charClass, contextAround, fitPoints, lassoPoints, pointAt, type Fit } from '../shared/insight';
import { el } from '../shared/rpc';
import { busy, field, int, type Tool, type ToolCtx } from './tools';

type ColourBy = 'class' | 'quotes' | 'column' | 'unit';
/** categorical colours for the character classes (readable on light and dark backgrounds) */
const CLASS_COLOURS = ['#4e9af1', '#e8a33d', '#8f8f8f', '#d9534f', '#5cb85c'];

export class Projector implements Tool {
  readonly id = 'projector';
  readonly title: string;
  private proj?: Projection;
  private fit?: Fit;
  private chosen: number[] = []; // point indices picked or lassoed
  private near: number[] = []; // positions of the nearest states
  private lasso: number[] = [];
  private canvas = el('canvas', { id: 'proj', class: 'proj', tabindex: '0', role: 'img', hidden: '' }); // shown with the first projection
  private tip = el('div', { class: 'tooltip', id: 'projTip' });
  private method = el('vscode-single-select', { id: 'projMethod' }) as HTMLElement & { value: string };
  private colour = el('vscode-single-select', { id: 'projColour' }) as HTMLElement & { value: string };
  private run = el('vscode-button', { id: 'projRun' });
  private info = el('span', { id: 'projInfo', class: 'muted' });
  private legend = el('div', { id: 'projLegend', class: 'legend muted' });
  private list = el('ol', { id: 'projNear', class: 'ranking' });

  constructor(private readonly ctx: ToolCtx) {
    const t = ctx.t();
    this.title = t('Projector');
    this.canvas.setAttribute('aria-label', t('Projection of the hidden states: one point per position. Click a point, or drag a lasso around several.'));
  }

  dom(): HTMLElement {
    const t = this.ctx.t();
    this.method.replaceChildren(
      el('vscode-option', { value: 'pca' }, t('PCA (every position)')),
      el('vscode-option', { value: 'umap' }, t('UMAP (a sample of 2,000)')),
    );
    this.colour.replaceChildren(
      el('vscode-option', { value: 'class' }, t('character class')),
      el('vscode-option', { value: 'quotes' }, t('inside quotes')),
      el('vscode-option', { value: 'column' }, t('position in line')),
      el('vscode-option', { value: 'unit' }, t('the selected unit')),
    );
    this.run.textContent = t('Project');
    this.run.addEventListener('click', () => void this.project());
    this.colour.addEventListener('change', () => this.draw());
    this.wire();
    return el(
      'div',
      {},
      el('div', { class: 'row' }, field(t('Method'), this.method), field(t('Colour by'), this.colour), this.run, this.info),
      this.canvas,
      this.tip,
      this.legend,
      el('h3', {}, t('Where else is the model in this state?')),
      el(
        'p',
        { class: 'muted' },
        t('Click a point or drag a lasso around several: the positions whose states are nearest to it are listed here and outlined in the text.'),
      ),
      this.list,
    );
  }

  reset(): void {
    this.proj = undefined;
    this.fit = undefined;
    this.chosen = [];
    this.near = [];
    this.list.replaceChildren();
    this.info.textContent = '';
    this.canvas.hidden = true;
    this.draw();
  }

  /** the position of point i */
  private pos(i: number): number {
    return this.proj?.index ? this.proj.index[i]! : i;
  }

  private async project(): Promise<void> {
    const meta = this.ctx.meta(),
      t = this.ctx.t();
    if (!meta) return;
    await busy(this.ctx, this.run, t('Projecting the states…'), async () => {
      const method = this.method.value as 'pca' | 'umap';
      this.proj = await this.ctx.rpc.request('hidden/project', { layer: this.ctx.layer(), signal: this.ctx.signal(), method });
      this.chosen = [];
      this.near = [];
      this.list.replaceChildren();
      const N = this.proj.coords.length / 2;
      this.info.textContent =
        method === 'pca'
          ? t(
              '{0} points; the axes hold {1} % and {2} % of the variance; {3} ms',
              int(N),
              ...this.proj.explained.map((e) => (100 * e).toFixed(1)),
              int(this.proj.ms),
            )
          : t('{0} points; {1} ms', int(N), int(this.proj.ms));
      this.canvas.hidden = false;
      this.canvas.dataset.points = String(N);
      this.canvas.dataset.ms = this.proj.ms.toFixed(0);
      this.draw();
      this.ctx.status(t('Projected layer {0}, {1}.', this.ctx.layer() + 1, this.ctx.signal()));
    });
  }

  /** colour of each point under the chosen feature, and the legend that explains it */
  private colours(): { of: (i: number) => string; legend: (HTMLElement | string)[] } {
    const meta = this.ctx.meta()!,
      t = this.ctx.t(),
      by = this.colour.value as ColourBy;
    if (by === 'class') {
      return {
        of: (i) => CLASS_COLOURS[charClass(meta.chars[this.pos(i)] ?? '')]!,
        legend: CHAR_CLASSES.map((c, k) => {
          const sw = el('span', { class: 'swatch' });
          sw.style.background = CLASS_COLOURS[k]!;
          return el('span', {}, sw, t(c), ' ');
        }),
      };
    }
    if (by === 'quotes' || by === 'column') {
      const f = textFeatures(meta.chars)[by === 'quotes' ? 'inQuotes' : 'positionInLine'];
      const hi = by === 'quotes' ? 1 : Math.max(1, ...Array.from(f.subarray(0, 20_000)));
      const lut = buildLut('sequential', this.ctx.background());
      return {
        of: (i) => lutCss(lut, lutIndex(f[this.pos(i)]!, 0, hi)),
        legend: [by === 'quotes' ? t('orange: inside quotes') : t('orange: far into the line')],
      };
    }
    const data = this.ctx.data(),
      H = meta.H,
      u = this.ctx.unit();
    const lut = buildLut('diverging', this.ctx.background());
    return { of: (i) => lutCss(lut, lutIndex(data ? data[this.pos(i) * H + u]! : 0, -1, 1)), legend: [t('unit {0}: blue −1 … red +1', u)] };
  }

  private draw(): void {
    const cv = this.canvas,
      w = Math.max(300, (cv.parentElement?.clientWidth ?? 600) - 2),
      h = 420;
    if (cv.width !== w || cv.height !== h) [cv.width, cv.height] = [w, h];
    const g = cv.getContext('2d')!;
    g.clearRect(0, 0, w, h);
    if (!this.proj || !this.ctx.meta()) {
      this.legend.replaceChildren();
      return;
    }
    this.fit = fitPoints(this.proj.coords, w, h);
    const { of, legend } = this.colours();
    const N = this.fit.x.length;
    for (let i = 0; i < N; i++) {
      g.fillStyle = of(i);
      g.fillRect(this.fit.x[i]! - 1, this.fit.y[i]! - 1, 2.5, 2.5);
    }
    const ring = (i: number, colour: string, r: number) => {
      g.strokeStyle = colour;
      g.beginPath();
      g.arc(this.fit!.x[i]!, this.fit!.y[i]!, r, 0, 2 * Math.PI);
      g.stroke();
    };
    const focus = getComputedStyle(document.body).getPropertyValue('--vscode-focusBorder').trim() || '#007fd4';
    const fg = getComputedStyle(document.body).getPropertyValue('--vscode-foreground').trim() || '#ccc';
    const nearSet = new Set(this.near);
    for (let i = 0; i < N; i++) if (nearSet.has(this.pos(i))) ring(i, fg, 4);
    // a click's point gets a ring; a lasso's many points are redrawn in the focus colour
    if (this.chosen.length <= 50) for (const i of this.chosen) ring(i, focus, 5);
    else {
      g.fillStyle = focus;
      for (const i of this.chosen) g.fillRect(this.fit.x[i]! - 1, this.fit.y[i]! - 1, 2.5, 2.5);
    }
    if (this.lasso.length >= 4) {
      g.strokeStyle = focus;
      g.beginPath();
      g.moveTo(this.lasso[0]!, this.lasso[1]!);
      for (let k = 2; k < this.lasso.length; k += 2) g.lineTo(this.lasso[k]!, this.lasso[k + 1]!);
      g.stroke();
    }
    this.legend.replaceChildren(...legend);
  }

  private wire(): void {
    const cv = this.canvas;
    const at = (e: MouseEvent) => {
      const r = cv.getBoundingClientRect();
      return [((e.clientX - r.left) * cv.width) / r.width, ((e.clientY - r.top) * cv.height) / r.height] as const;
    };
    let down: [number, number] | undefined;
    cv.addEventListener('mousedown', (e) => {
      down = [...at(e)];
      this.lasso = [...down];
    });
    cv.addEventListener('mousemove', (e) => {
      const [x, y] = at(e);
      if (down) {
        this.lasso.push(x, y);
        this.draw();
        return;
      }
      this.hover(x, y, e.clientX, e.clientY);
    });
    cv.addEventListener('mouseleave', () => (this.tip.style.display = 'none'));
    cv.addEventListener('mouseup', (e) => {
      const [x, y] = at(e);
      // a drag (any point of the path more than 6 px from where it started) is a lasso, even one that closes its loop
      let moved = false;
      for (let k = 0; down && k < this.lasso.length; k += 2) moved ||= Math.hypot(this.lasso[k]! - down[0], this.lasso[k + 1]! - down[1]) > 6;
      down = undefined;
      if (!this.fit) return;
      if (moved) {
        this.chosen = lassoPoints(this.fit, this.lasso).slice(0, 100_000);
        this.lasso = [];
        if (this.chosen.length) void this.neighbours();
        else this.draw();
        return;
      }
      this.lasso = [];
      const i = pointAt(this.fit, x, y);
      if (i >= 0) this.pickPoint(i);
    });
  }

  private hover(x: number, y: number, cx: number, cy: number): void {
    const meta = this.ctx.meta();
    const i = this.fit ? pointAt(this.fit, x, y) : -1;
    if (!meta || i < 0) {
      this.tip.style.display = 'none';
      return;
    }
    const p = this.pos(i);
    const t = this.ctx.t();
    this.tip.textContent = `${t('position')} ${p}\n${contextAround(meta.chars, p)}`;
    this.tip.style.display = 'block';
    this.tip.style.left = `${Math.min(cx + 14, window.innerWidth - this.tip.offsetWidth - 4)}px`;
    this.tip.style.top = `${cy + 14}px`;
  }

  /** a click on point i: select its position here, in the text view and in the editor; list its nearest states */
  pickPoint(i: number): void {
    this.chosen = [i];
    const p = this.pos(i);
    this.ctx.text.show(p);
    void this.ctx.rpc.request('hidden/reveal', { start: p, end: p + 1 }).catch(() => false);
    this.canvas.dataset.picked = String(p);
    void this.neighbours();
  }

  private async neighbours(): Promise<void> {
    const meta = this.ctx.meta(),
      t = this.ctx.t();
    if (!meta) return;
    const positions = this.chosen.map((i) => this.pos(i));
    try {
      const near = await this.ctx.rpc.request('hidden/neighbours', { layer: this.ctx.layer(), signal: this.ctx.signal(), positions, k: 20 });
      this.near = near.map((n) => n.t);
      this.ctx.text.mark(this.near);
      this.list.replaceChildren(
        ...near.map((n) => {
          const b = el('button', { class: 'link mono' }, contextAround(meta.chars, n.t, 16, 8));
          b.addEventListener('click', () => {
            this.ctx.text.show(n.t);
            void this.ctx.rpc.request('hidden/reveal', { start: n.t, end: n.t + 1 }).catch(() => false);
          });
          return el('li', {}, b, el('span', { class: 'muted' }, `  ${t('position')} ${n.t} · ${t('distance')} ${n.dist.toFixed(3)}`));
        }),
      );
      this.list.dataset.count = String(near.length);
      this.ctx.status(
        t(
          '{0} selected; the {1} nearest states are outlined in the text.',
          positions.length === 1 ? t('position {0}', positions[0]!) : t('{0} positions', positions.length),
          near.length,
        ),
      );
    } catch (e) {
      this.ctx.status((e as Error).message, true);
    }
    this.draw();
  }

  shown(): void {
    this.draw();
  }

  /** a click on the text: the point of that position */
  pick(t: number): void {
    if (!this.proj) return;
    const i = this.proj.index ? this.proj.index.indexOf(t) : t < this.proj.coords.length / 2 ? t : -1;
    if (i >= 0) this.pickPoint(i);
  }
}
