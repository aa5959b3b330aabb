/**
 * Batches of forecasting windows for the engine's training loop (structurally the engine's BatchSource):
 *   x (W,B,F) time-major inputs, y (W,B,O) with the targets (O = horizon*K) at the LAST step only
 *   (train with lastOnly MSE and stateful = false: every window starts from a zero state).
 * Training order is a seeded shuffle per epoch, so { pos, epoch } alone resumes exactly. Evaluation order is
 * sequential; the last batch is topped up with windows from the start so every batch is full.
 */
import { DataError } from '../errors';
import type { Windows } from './prepare';

export interface WindowBatcherState {
  /** index of the next sample in this epoch's order */
  pos: number;
  epoch: number;
}

export class WindowBatcher {
  readonly B: number;
  private pos = 0;
  private epoch = 0;
  private order: Int32Array;
  private orderEpoch = -1;
  private readonly idx: Int32Array;

  /**
   * @param shuffle true for training (seeded shuffle per epoch, the last partial batch of an epoch is dropped),
   *                false for evaluation (in order, every window once per epoch)
   */
  constructor(
    readonly windows: Windows,
    B: number,
    readonly shuffle: boolean,
    readonly seed = 1,
  ) {
    if (!Number.isInteger(B) || B < 1) throw new DataError(`The batch size must be a whole number of at least 1, not ${B}.`);
    if (windows.N === 0) throw new DataError('There are no windows to make batches from.');
    if (shuffle && windows.N < B) {
      throw new DataError(
        `The training part has ${windows.N} window${windows.N === 1 ? '' : 's'}, fewer than the batch size ${B} (try a batch of at most ${windows.N}).`,
      );
    }
    this.B = B;
    this.order = new Int32Array(windows.N);
    this.idx = new Int32Array(B);
  }

  get batchesPerEpoch(): number {
    return this.shuffle ? Math.floor(this.windows.N / this.B) : Math.ceil(this.windows.N / this.B);
  }

  get state(): WindowBatcherState {
    return { pos: this.pos, epoch: this.epoch };
  }

  set state(s: WindowBatcherState) {
    if (!Number.isInteger(s.pos) || !Number.isInteger(s.epoch) || s.pos < 0 || s.epoch < 0 || s.pos >= this.windows.N) {
      throw new RangeError(`WindowBatcher: bad state pos=${s.pos} epoch=${s.epoch} (N=${this.windows.N})`);
    }
    this.pos = s.pos;
    this.epoch = s.epoch;
  }

  /** sample indices of the next batch (a view, valid until the next call) */
  nextIndices(): { idx: Int32Array; newEpoch: boolean } {
    const N = this.windows.N;
    const B = this.B;
    const newEpoch = this.pos === 0;
    const order = this.orderFor(this.epoch);
    for (let b = 0; b < B; b++) this.idx[b] = order[(this.pos + b) % N]!;
    this.pos += B;
    const end = this.shuffle ? N - (N % B) : N;
    if (this.pos >= end || (this.shuffle && this.pos + B > N)) {
      this.pos = 0;
      this.epoch++;
    }
    return { idx: this.idx, newEpoch };
  }

  /** fills x (W,B,F) and y (W,B,O) (targets at the last step, zeros elsewhere); true when the batch starts an epoch */
  next(x: Int32Array | Float32Array, y: Int32Array | Float32Array): boolean {
    if (!(x instanceof Float32Array) || !(y instanceof Float32Array)) throw new TypeError('WindowBatcher.next needs Float32Array buffers');
    const { W, outputs: O } = this.windows;
    const B = this.B;
    if (y.length < W * B * O) throw new RangeError(`WindowBatcher.next: y needs W*B*O = ${W * B * O} elements`);
    const { idx, newEpoch } = this.nextIndices();
    y.fill(0, 0, (W - 1) * B * O);
    // the last step of y is (B,O), exactly what Windows.batch writes
    this.windows.batch(idx, x, y.subarray((W - 1) * B * O, W * B * O));
    return newEpoch;
  }

  private orderFor(epoch: number): Int32Array {
    if (this.orderEpoch === epoch) return this.order;
    const o = this.order;
    for (let i = 0; i < o.length; i++) o[i] = i;
    if (this.shuffle) {
      const rnd = mulberry32((this.seed * 0x9e3779b1) ^ ((epoch + 1) * 0x85ebca6b));
      for (let i = o.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        const t = o[i]!;
        o[i] = o[j]!;
        o[j] = t;
      }
    }
    this.orderEpoch = epoch;
    return o;
  }
}

function mulberry32(a: number): () => number {
  let s = a >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
