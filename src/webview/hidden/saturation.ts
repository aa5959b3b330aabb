/** The gate-saturation plot (Karpathy et al. 2015, fig. 3): one dot per unit, fraction of time left- and right-saturated. */
import type { Signal } from '../../protocol/webview';
import { saturation } from '../shared/analysis';
import type { makeT } from '../shared/i18n';
import { el } from '../shared/rpc';
import { SIGNAL_NAMES } from './dom';

/** Signal data as the webview receives it (a transferred buffer, a typed view, or a plain array) as a Float32Array. */
export function asFloat32(x: unknown): Float32Array {
  if (x instanceof Float32Array) return x;
  if (x instanceof ArrayBuffer) return new Float32Array(x);
  if (ArrayBuffer.isView(x)) return new Float32Array(x.buffer, x.byteOffset, x.byteLength / 4);
  if (Array.isArray(x)) return Float32Array.from(x as number[]);
  if (x && typeof x === 'object') return Float32Array.from(Object.values(x as Record<string, number>));
  throw new Error('unexpected signal data');
}

/** Draw the gates of one layer (each fetched as (T,H)) on `cv`, with the legend in `legendEl`. */
export async function drawSaturation(
  cv: HTMLCanvasElement,
  legendEl: HTMLElement,
  t: ReturnType<typeof makeT>,
  layer: number,
  gates: Signal[],
  fetch: (g: Signal) => Promise<Float32Array>,
  T: number,
  H: number,
): Promise<void> {
  const ctx = cv.getContext('2d')!;
  const W = cv.width,
    Hc = cv.height,
    pad = 30;
  const fg = getComputedStyle(document.body).getPropertyValue('--vscode-foreground').trim() || '#ccc';
  ctx.clearRect(0, 0, W, Hc);
  ctx.strokeStyle = fg;
  ctx.fillStyle = fg;
  ctx.font = '10px sans-serif';
  ctx.strokeRect(pad, 4, W - pad - 4, Hc - pad - 4);
  ctx.beginPath();
  ctx.moveTo(pad, Hc - pad);
  ctx.lineTo(W - 4, 4);
  ctx.globalAlpha = 0.3;
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.fillText(t('fraction < 0.1'), W / 2 - 30, Hc - 8);
  ctx.save();
  ctx.translate(10, Hc / 2 + 30);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(t('fraction > 0.9'), 0, 0);
  ctx.restore();
  if (!gates.length) {
    legendEl.textContent = t('A plain RNN has no gates.');
    return;
  }
  const colors = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green'].map(
    (v, i) => getComputedStyle(document.body).getPropertyValue(v).trim() || ['#3794ff', '#d18616', '#89d185'][i],
  );
  const legend: HTMLElement[] = [];
  for (const [gi, g] of gates.entries()) {
    const d = await fetch(g);
    const s = saturation(d, T, H);
    ctx.fillStyle = colors[gi % colors.length];
    for (let u = 0; u < H; u++) ctx.fillRect(pad + s.left[u] * (W - pad - 4) - 1.5, Hc - pad - s.right[u] * (Hc - pad - 4) - 1.5, 3, 3);
    const sw = el('span', { class: 'swatch' });
    sw.style.background = colors[gi % colors.length];
    legend.push(el('span', { class: 'field' }, sw, t(SIGNAL_NAMES[g])));
  }
  legendEl.replaceChildren(el('span', {}, t('Layer {0}, one dot per unit:', layer + 1)), ...legend);
  cv.dataset.drawn = 'true';
}
