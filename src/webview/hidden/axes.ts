/** The heatmap's axes: unit numbers beside it, and under it the characters (when they fit) and their positions. */
import { timeTicks, unitTicks, visibleChar, type View } from '../shared/heatmap';

export const UNIT_AXIS_W = 40;
export const TIME_AXIS_H = 30;

const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

function sized(cv: HTMLCanvasElement, w: number, h: number): CanvasRenderingContext2D {
  if (cv.width !== w || cv.height !== h) {
    cv.width = w;
    cv.height = h;
  }
  const ctx = cv.getContext('2d')!;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = css('--vscode-foreground', '#ccc');
  return ctx;
}

/** Unit numbers at round steps, right-aligned against the heatmap, for the `h` pixels it is drawn in. */
export function drawUnitAxis(cv: HTMLCanvasElement, v: View, h: number): void {
  const ctx = sized(cv, UNIT_AXIS_W, h);
  ctx.font = '10px sans-serif';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const { u, y } of unitTicks(v, h)) ctx.fillText(String(u), UNIT_AXIS_W - 4, Math.min(h - 5, Math.max(5, y)));
  cv.dataset.ticks = unitTicks(v, h)
    .map((x) => x.u)
    .join(',');
}

/** Under the heatmap: the characters when a step is wide enough for one, and position numbers at round steps. */
export function drawTimeAxis(cv: HTMLCanvasElement, v: View, w: number, chars: string[]): void {
  const ctx = sized(cv, w, TIME_AXIS_H);
  const px = w / v.tSpan;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  if (px >= 7) {
    ctx.font = `${Math.min(14, Math.max(9, Math.floor(px)))}px ${css('--vscode-editor-font-family', 'monospace')}`;
    for (let k = 0; k < v.tSpan; k++) ctx.fillText(visibleChar(chars[v.t0 + k] ?? ''), (k + 0.5) * px, 9);
  }
  ctx.font = '10px sans-serif';
  const ticks = timeTicks(v, w);
  for (const { t, x } of ticks) ctx.fillText(String(t), Math.min(w - 16, Math.max(16, x)), px >= 7 ? 23 : TIME_AXIS_H / 2);
  cv.dataset.ticks = ticks.map((x) => x.t).join(',');
}
