/** Heatmap tiles: a signal drawn once into canvas tiles of at most TILE_COLS steps; zoom and scroll crop them. */
import { fillTile, tiles, type View } from '../shared/heatmap';

export interface Tile {
  t0: number;
  cols: number;
  canvas: HTMLCanvasElement;
}

/** tiles of data (T,H) through the colour table `lut` over [lo, hi] */
export function makeTiles(data: Float32Array, T: number, H: number, lut: Uint8ClampedArray, lo: number, hi: number): Tile[] {
  return tiles(T).map(([t0, cols]) => {
    const c = document.createElement('canvas');
    c.width = cols;
    c.height = H;
    const ctx = c.getContext('2d')!;
    const img = ctx.createImageData(cols, H);
    fillTile(data, T, H, t0, cols, lut, lo, hi, img.data);
    ctx.putImageData(img, 0, 0);
    return { t0, cols, canvas: c };
  });
}

/** draw the part of the tiles inside `view` over the whole w × h of ctx */
export function drawTiles(ctx: CanvasRenderingContext2D, ts: Tile[], view: View, w: number, h: number): void {
  ctx.imageSmoothingEnabled = false;
  const pxPerStep = w / view.tSpan;
  for (const tile of ts) {
    const a = Math.max(view.t0, tile.t0),
      b = Math.min(view.t0 + view.tSpan, tile.t0 + tile.cols);
    if (b <= a) continue;
    ctx.drawImage(tile.canvas, a - tile.t0, view.u0, b - a, view.uSpan, (a - view.t0) * pxPerStep, 0, (b - a) * pxPerStep, h);
  }
}
