/**
 * char-rnn style batches for truncated BPTT over B parallel contiguous streams.
 *
 * The range ids[start,end) is cut into B streams of length S = floor((end-start-1)/B); stream b starts at
 * start + b*S. Batch k reads T steps at position p = k*T of every stream:
 *   x[t][b] = ids[start + b*S + p + t]        (T,B), time-major like the engine
 *   y[t][b] = ids[start + b*S + p + t + 1]    the next character
 * p advances by T; when the next batch would not fit (p + T > S) it wraps to p = 0 and the epoch counter grows.
 * So an epoch has floor(S/T) batches and the hidden state of stream b can be carried from batch to batch.
 */
import { DataError } from './errors';

export interface BatcherState {
  /** position p of the NEXT batch inside every stream (0 <= pos, pos + T <= S) */
  pos: number;
  /** epochs completed before the next batch */
  epoch: number;
}

/** the fewest characters that make one batch of B streams x T steps: B*T + 1 (the +1 is the last target) */
export function minTrainableChars(B: number, T: number): number {
  return B * T + 1;
}

/** the largest batch B (>= 1) that `chars` characters fill with sequences of T steps, or 0 if not even B = 1 fits */
export function maxBatchFor(chars: number, T: number): number {
  return chars < T + 1 ? 0 : Math.floor((chars - 1) / T);
}

/**
 * Throws a DataError unless `chars` characters are enough for one batch. `what` names the data in the message
 * ("text", "validation part", ...).
 */
export function requireTrainable(chars: number, B: number, T: number, what = 'text'): void {
  checkBT(B, T);
  const need = minTrainableChars(B, T);
  if (chars < need) {
    throw new DataError(`The ${what} is too short to train on: ${chars} characters; need at least B*T+1 = ${need} (try a smaller batch or seq).`);
  }
}

export class StreamBatcher {
  readonly B: number;
  readonly T: number;
  /** stream length */
  readonly S: number;
  private readonly ids: ArrayLike<number>;
  private readonly start: number;
  private pos = 0;
  private epoch = 0;

  constructor(ids: ArrayLike<number>, start: number, end: number, B: number, T: number) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > ids.length || start > end) {
      throw new RangeError(`StreamBatcher: bad range [${start}, ${end}) of ${ids.length} ids`);
    }
    requireTrainable(end - start, B, T);
    this.ids = ids;
    this.start = start;
    this.B = B;
    this.T = T;
    this.S = Math.floor((end - start - 1) / B);
  }

  get batchesPerEpoch(): number {
    return Math.floor(this.S / this.T);
  }

  get state(): BatcherState {
    return { pos: this.pos, epoch: this.epoch };
  }

  set state(s: BatcherState) {
    const { pos, epoch } = s;
    if (!Number.isInteger(pos) || !Number.isInteger(epoch) || pos < 0 || epoch < 0 || pos + this.T > this.S) {
      throw new RangeError(`StreamBatcher: bad state pos=${pos} epoch=${epoch} (S=${this.S}, T=${this.T})`);
    }
    this.pos = pos;
    this.epoch = epoch;
  }

  /** epochs done as a fraction (for progress displays) */
  get epochProgress(): number {
    return this.epoch + this.pos / (this.batchesPerEpoch * this.T);
  }

  /**
   * Fills x and y, both (T,B), with the next batch. Returns true when this batch starts an epoch (p = 0): the
   * caller resets the hidden state then, because the streams jump back to their starts.
   */
  next(x: Int32Array, y: Int32Array): boolean {
    const { B, T, S, ids } = this;
    if (x.length < T * B || y.length < T * B) throw new RangeError(`StreamBatcher.next: x and y need T*B = ${T * B} elements`);
    const p = this.pos;
    for (let b = 0; b < B; b++) {
      const base = this.start + b * S + p;
      for (let t = 0; t < T; t++) {
        x[t * B + b] = ids[base + t]!;
        y[t * B + b] = ids[base + t + 1]!;
      }
    }
    const starts = p === 0;
    this.pos = p + T;
    if (this.pos + T > S) {
      this.pos = 0;
      this.epoch++;
    }
    return starts;
  }
}

/**
 * Chronological split of n items: the first part trains, the LAST part validates.
 * valFraction in (0,1) (default 0.1), or 0 for no validation (val is then the empty range [n,n]).
 */
export function splitTrainVal(n: number, valFraction = 0.1): { train: [number, number]; val: [number, number] } {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`splitTrainVal: bad length ${n}`);
  if (!Number.isFinite(valFraction) || valFraction < 0 || valFraction >= 1) {
    throw new DataError(`The validation fraction must be 0 (none) or between 0 and 1, not ${valFraction}.`);
  }
  const nVal = valFraction === 0 ? 0 : Math.round(n * valFraction);
  const cut = n - nVal;
  return { train: [0, cut], val: [cut, n] };
}

/**
 * Spread split of a sequence: the validation part is `m` equal blocks (up to `maxBlocks`, each at least `minBlock`
 * long), one ending at each m-th of the text, so every region (every file of a workspace) is trained on, where
 * splitTrainVal never trains on the last part. The train part is the rest, in order; val is the blocks, in order.
 * When the validation part is too small for two blocks it is the tail, as splitTrainVal. (N) → (N-nVal), (nVal).
 */
export function spreadSplit<A extends Uint16Array | Int32Array>(
  ids: A,
  valFraction: number,
  maxBlocks = 32,
  minBlock = 1024,
): { train: A; val: A; blocks: number } {
  const n = ids.length;
  const tail = splitTrainVal(n, valFraction);
  const nVal = tail.val[1] - tail.val[0];
  const m = Math.min(maxBlocks, Math.floor(nVal / minBlock));
  if (m < 2) return trainValIds(ids, valFraction, 'tail');
  const L = Math.floor(nVal / m);
  const train = new (ids.constructor as new (n: number) => A)(n - m * L);
  const val = new (ids.constructor as new (n: number) => A)(m * L);
  let from = 0,
    t = 0;
  for (let j = 0; j < m; j++) {
    const end = Math.round(((j + 1) * n) / m),
      start = end - L; // block j is [start, end); n/m ≥ L, so blocks never overlap
    train.set(ids.subarray(from, start), t);
    t += start - from;
    val.set(ids.subarray(start, end), j * L);
    from = end;
  }
  return { train, val, blocks: m };
}

/** The training and validation ids of a sequence: the tail validates (splitTrainVal), or blocks spread over it (spreadSplit). */
export function trainValIds<A extends Uint16Array | Int32Array>(ids: A, valFraction: number, how: 'tail' | 'spread'): { train: A; val: A; blocks: number } {
  if (how === 'spread') return spreadSplit(ids, valFraction);
  const r = splitTrainVal(ids.length, valFraction);
  return { train: ids.subarray(r.train[0], r.train[1]) as A, val: ids.subarray(r.val[0], r.val[1]) as A, blocks: r.val[1] > r.val[0] ? 1 : 0 };
}

function checkBT(B: number, T: number): void {
  if (!Number.isInteger(B) || B < 1) throw new DataError(`The batch size must be a whole number of at least 1, not ${B}.`);
  if (!Number.isInteger(T) || T < 1) throw new DataError(`The sequence length (seq) must be a whole number of at least 1, not ${T}.`);
}
