/**
 * Fused pointwise cell math of one time step: the interface every kernel backend implements, and its plain
 * TypeScript reference (`refFused`, float64 math, generic over float32/float64 buffers). The WASM backend
 * (kernels-wasm.ts) implements the same contracts; tests prove they agree.
 */
import type { Arr } from './shapes';

/**
 * Fused pointwise math of one time step for B rows of H units. Every buffer is row-major with rows of the width
 * given below, starting at its offset (`xOff`, in elements), so a (T,B,X) sequence buffer is passed with offset t·B·X.
 * `bias` is the layer's ONNX B (2·G·H) = [Wb, Rb]. In-place use is allowed where noted; otherwise buffers must not
 * overlap. "written" outputs are overwritten (they are scratch); nothing here accumulates.
 * `gh` and `bias` may be null (zeros): e.g. when the bias is already in gx, or h·Rᵀ was accumulated into gx with a
 * beta=1 gemm. GRU needs Rbh in `bias` (or in gh's h part) since it is multiplied by r.
 */
export interface FusedKernels {
  /**
   * LSTM forward, gates iofc. gx (B,4H) input projection X·Wᵀ, gh (B,4H) recurrent product h·Rᵀ, cPrev (B,H).
   * Writes act (B,4H) = [σ(i), σ(o), σ(f), tanh(c̃)] of gx+gh+Wb+Rb, c (B,H) = f·cPrev + i·c̃, h (B,H) = o·tanh(c).
   * act may be the gx or the gh buffer (in place).
   */
  lstmForward(
    B: number,
    H: number,
    gx: Arr,
    gxOff: number,
    gh: Arr | null,
    ghOff: number,
    bias: Arr | null,
    bOff: number,
    cPrev: Arr,
    cpOff: number,
    act: Arr,
    actOff: number,
    c: Arr,
    cOff: number,
    h: Arr,
    hOff: number,
  ): void;
  /**
   * LSTM backward. act, cPrev, c as saved by the forward; dh (B,H) = dL/dh_t (total). dc (B,H): in dL/dc_t coming
   * from step t+1 (zero at the last step), out dL/dc_{t-1} (in place). Writes dG (B,4H): gradients of the gate
   * pre-activations (iofc), i.e. of gx, gh, Wb and Rb alike.
   */
  lstmBackward(
    B: number,
    H: number,
    act: Arr,
    actOff: number,
    cPrev: Arr,
    cpOff: number,
    c: Arr,
    cOff: number,
    dh: Arr,
    dhOff: number,
    dc: Arr,
    dcOff: number,
    dG: Arr,
    dgOff: number,
  ): void;
  /**
   * GRU forward, gates zrh, linear_before_reset=1. gx (B,3H), gh (B,3H) = h·Rᵀ (no bias), hPrev (B,H).
   * z = σ(gx_z+gh_z+Wbz+Rbz), r = σ(gx_r+gh_r+Wbr+Rbr), hn = gh_h+Rbh, n = tanh(gx_h+Wbh + r·hn), h = (1-z)·n + z·hPrev.
   * Writes act (B,4H) = [z, r, n, hn] and h (B,H).
   */
  gruForward(
    B: number,
    H: number,
    gx: Arr,
    gxOff: number,
    gh: Arr | null,
    ghOff: number,
    bias: Arr | null,
    bOff: number,
    hPrev: Arr,
    hpOff: number,
    act: Arr,
    actOff: number,
    h: Arr,
    hOff: number,
  ): void;
  /**
   * GRU backward. dh (B,H) = dL/dh_t (total). Writes dGx (B,3H) = gradients of gx (and Wb), dGh (B,3H) = gradients
   * of gh + Rb (and Rb), and dhPrev (B,H) = dh·z, the direct path only: add dGh·R with a gemm (beta=1).
   * dhPrev may be the dh buffer (in place).
   */
  gruBackward(
    B: number,
    H: number,
    act: Arr,
    actOff: number,
    hPrev: Arr,
    hpOff: number,
    dh: Arr,
    dhOff: number,
    dhPrev: Arr,
    dhpOff: number,
    dGx: Arr,
    dgxOff: number,
    dGh: Arr,
    dghOff: number,
  ): void;
  /** RNN (tanh) forward: h (B,H) = tanh(gx + gh + Wb + Rb), gx and gh (B,H). h may be the gh buffer. */
  rnnForward(B: number, H: number, gx: Arr, gxOff: number, gh: Arr | null, ghOff: number, bias: Arr | null, bOff: number, h: Arr, hOff: number): void;
  /** RNN backward: writes dG (B,H) = dh·(1-h²). dG may be the dh buffer. */
  rnnBackward(B: number, H: number, h: Arr, hOff: number, dh: Arr, dhOff: number, dG: Arr, dgOff: number): void;
}

// ------------------------------------------------------------------------------------------------------------
// TS references of the fused kernels (float64 math; generic over float32/float64 buffers).

const sigm = (x: number) => 1 / (1 + Math.exp(-x));
let zerosF64 = new Float64Array(0);
/** Read-only zeros standing in for a null input (never written). */
function zerosRef(n: number): Float64Array {
  if (zerosF64.length < n) zerosF64 = new Float64Array(Math.max(n, 2 * zerosF64.length));
  return zerosF64;
}

export const refFused: FusedKernels = {
  lstmForward(B, H, gx, gxOff, gh, ghOff, bias, bOff, cPrev, cpOff, act, actOff, c, cOff, h, hOff) {
    const ghA = gh ?? zerosRef(ghOff + 4 * B * H),
      bA = bias ?? zerosRef(bOff + 8 * H);
    const G4 = 4 * H;
    for (let b = 0; b < B; b++) {
      const x = gxOff + b * G4,
        r = ghOff + b * G4,
        a = actOff + b * G4,
        s = b * H;
      for (let j = 0; j < H; j++) {
        const w = bOff + j,
          q = bOff + G4 + j;
        const i = sigm(gx[x + j] + ghA[r + j] + (bA[w] + bA[q]));
        const o = sigm(gx[x + H + j] + ghA[r + H + j] + (bA[w + H] + bA[q + H]));
        const f = sigm(gx[x + 2 * H + j] + ghA[r + 2 * H + j] + (bA[w + 2 * H] + bA[q + 2 * H]));
        const gg = Math.tanh(gx[x + 3 * H + j] + ghA[r + 3 * H + j] + (bA[w + 3 * H] + bA[q + 3 * H]));
        const cn = f * cPrev[cpOff + s + j] + i * gg;
        act[a + j] = i;
        act[a + H + j] = o;
        act[a + 2 * H + j] = f;
        act[a + 3 * H + j] = gg;
        c[cOff + s + j] = cn;
        h[hOff + s + j] = o * Math.tanh(cn);
      }
    }
  },
  lstmBackward(B, H, act, actOff, cPrev, cpOff, c, cOff, dh, dhOff, dc, dcOff, dG, dgOff) {
    const G4 = 4 * H;
    for (let b = 0; b < B; b++) {
      const a = actOff + b * G4,
        d = dgOff + b * G4,
        s = b * H;
      for (let j = 0; j < H; j++) {
        const i = act[a + j],
          o = act[a + H + j],
          f = act[a + 2 * H + j],
          g = act[a + 3 * H + j];
        const tc = Math.tanh(c[cOff + s + j]),
          dhv = dh[dhOff + s + j];
        const dct = dc[dcOff + s + j] + dhv * o * (1 - tc * tc);
        dG[d + j] = dct * g * (i * (1 - i));
        dG[d + H + j] = dhv * tc * (o * (1 - o));
        dG[d + 2 * H + j] = dct * cPrev[cpOff + s + j] * (f * (1 - f));
        dG[d + 3 * H + j] = dct * i * (1 - g * g);
        dc[dcOff + s + j] = dct * f;
      }
    }
  },
  gruForward(B, H, gx, gxOff, gh, ghOff, bias, bOff, hPrev, hpOff, act, actOff, h, hOff) {
    const ghA = gh ?? zerosRef(ghOff + 3 * B * H),
      bA = bias ?? zerosRef(bOff + 6 * H);
    const G3 = 3 * H;
    for (let b = 0; b < B; b++) {
      const x = gxOff + b * G3,
        r0 = ghOff + b * G3,
        a = actOff + b * 4 * H,
        s = b * H;
      for (let j = 0; j < H; j++) {
        const z = sigm(gx[x + j] + ghA[r0 + j] + (bA[bOff + j] + bA[bOff + G3 + j]));
        const r = sigm(gx[x + H + j] + ghA[r0 + H + j] + (bA[bOff + H + j] + bA[bOff + G3 + H + j]));
        const hn = ghA[r0 + 2 * H + j] + bA[bOff + G3 + 2 * H + j];
        const n = Math.tanh(gx[x + 2 * H + j] + bA[bOff + 2 * H + j] + r * hn);
        const hp = hPrev[hpOff + s + j];
        act[a + j] = z;
        act[a + H + j] = r;
        act[a + 2 * H + j] = n;
        act[a + 3 * H + j] = hn;
        h[hOff + s + j] = n + z * (hp - n);
      }
    }
  },
  gruBackward(B, H, act, actOff, hPrev, hpOff, dh, dhOff, dhPrev, dhpOff, dGx, dgxOff, dGh, dghOff) {
    const G3 = 3 * H;
    for (let b = 0; b < B; b++) {
      const a = actOff + b * 4 * H,
        x = dgxOff + b * G3,
        r0 = dghOff + b * G3,
        s = b * H;
      for (let j = 0; j < H; j++) {
        const z = act[a + j],
          r = act[a + H + j],
          n = act[a + 2 * H + j],
          hn = act[a + 3 * H + j];
        const dhv = dh[dhOff + s + j];
        const dnp = dhv * (1 - z) * (1 - n * n);
        const dzp = dhv * (hPrev[hpOff + s + j] - n) * (z * (1 - z));
        const drp = dnp * hn * (r * (1 - r));
        dGx[x + j] = dzp;
        dGx[x + H + j] = drp;
        dGx[x + 2 * H + j] = dnp;
        dGh[r0 + j] = dzp;
        dGh[r0 + H + j] = drp;
        dGh[r0 + 2 * H + j] = dnp * r;
        dhPrev[dhpOff + s + j] = dhv * z;
      }
    }
  },
  rnnForward(B, H, gx, gxOff, gh, ghOff, bias, bOff, h, hOff) {
    const ghA = gh ?? zerosRef(ghOff + B * H),
      bA = bias ?? zerosRef(bOff + 2 * H);
    for (let b = 0; b < B; b++) {
      const s = b * H;
      for (let j = 0; j < H; j++) h[hOff + s + j] = Math.tanh(gx[gxOff + s + j] + ghA[ghOff + s + j] + (bA[bOff + j] + bA[bOff + H + j]));
    }
  },
  rnnBackward(B, H, h, hOff, dh, dhOff, dG, dgOff) {
    for (let k = 0; k < B * H; k++) {
      const hv = h[hOff + k];
      dG[dgOff + k] = dh[dhOff + k] * (1 - hv * hv);
    }
  },
};
