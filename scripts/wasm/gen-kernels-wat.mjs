// Generates the WebAssembly text (WAT) of the engine's SIMD kernels: a packed sgemm (one MR×NR register-tile
// micro-kernel, all four transpose combinations, offsets and leading dimensions) and the fused LSTM/GRU/RNN
// pointwise kernels. Plain JS so esbuild.mjs can run it without tsx. Assembled by scripts/build-wasm.mjs (wabt).
//
// All pointers passed to the exported functions are BYTE addresses in the (shared) linear memory; sizes are counts.

/** Default tile: MR rows × NV vectors of 4 floats. Tuned on the target machine with bench/gemm.ts --variants. */
export const DEFAULT_TILE = { MR: 4, NV: 2, KC: 256, MC: 128, U: 1 };

const L = (n) => `(local.get $${n})`;
const S = (n, e) => `(local.set $${n} ${e})`;
const I = (c) => `(i32.const ${c})`;
const add = (a, b) => `(i32.add ${a} ${b})`;
const sub = (a, b) => `(i32.sub ${a} ${b})`;
const mul = (a, b) => `(i32.mul ${a} ${b})`;
const fmt = (c) => {
  const s = String(c);
  return /[.e]/.test(s) ? s : `${s}.0`;
};
const K = (c) => `(v128.const f32x4 ${fmt(c)} ${fmt(c)} ${fmt(c)} ${fmt(c)})`;
const vadd = (a, b) => `(f32x4.add ${a} ${b})`;
const vsub = (a, b) => `(f32x4.sub ${a} ${b})`;
const vmul = (a, b) => `(f32x4.mul ${a} ${b})`;
const vdiv = (a, b) => `(f32x4.div ${a} ${b})`;
const locals = (names, type) => names.map((n) => `(local $${n} ${type})`).join(' ');
const params = (names, type) => names.map((n) => `(param $${n} ${type})`).join(' ');

/** Register-tile micro-kernel: C[MR×NR] (=, +=, or beta·C +) Ap (packed, MR floats per k) · Bp (packed, NR floats per k). */
function genKernel(MR, NV, U = 1, FMA = false) {
  const acc = [];
  for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) acc.push(`c${r}_${v}`);
  const bs = Array.from({ length: NV }, (_, v) => `b${v}`);
  const step = (u) => {
    let t = '';
    for (let v = 0; v < NV; v++) t += `  ${S(`b${v}`, `(v128.load offset=${16 * (v + u * NV)} ${L('bp')})`)}\n`;
    for (let r = 0; r < MR; r++) {
      t += `  ${S('a', `(v128.load32_splat offset=${4 * (r + u * MR)} ${L('ap')})`)}\n`;
      for (let v = 0; v < NV; v++) {
        const prod = FMA ? `(f32x4.relaxed_madd ${L('a')} ${L(`b${v}`)} ${L(`c${r}_${v}`)})` : vadd(L(`c${r}_${v}`), vmul(L('a'), L(`b${v}`)));
        t += `  ${S(`c${r}_${v}`, prod)}\n`;
      }
    }
    return t;
  };
  const adv = (n) => `  ${S('ap', add(L('ap'), I(4 * MR * n)))}\n  ${S('bp', add(L('bp'), I(16 * NV * n)))}\n`;
  let body = '';
  if (U === 2) {
    // odd kc: one single step first, then pairs of k
    body += `(if (i32.and ${L('kc')} (i32.const 1)) (then\n${step(0)}${adv(1)}))\n`;
    body += `${S('kc', `(i32.shr_u ${L('kc')} (i32.const 1))`)}\n`;
    body += `(if ${L('kc')} (then (loop $L\n${step(0)}${step(1)}${adv(2)}`;
    body += `  (br_if $L (local.tee $kc ${sub(L('kc'), I(1))})))))\n`;
  } else {
    body += `(loop $L\n${step(0)}${adv(1)}`;
    body += `  (br_if $L (local.tee $kc ${sub(L('kc'), I(1))})))\n`;
  }
  const store = (mode) => {
    let s = `${S('cr', L('cp'))}\n`;
    for (let r = 0; r < MR; r++) {
      for (let v = 0; v < NV; v++) {
        const cur = `(v128.load offset=${16 * v} ${L('cr')})`;
        const val = mode === 0 ? L(`c${r}_${v}`) : mode === 1 ? vadd(cur, L(`c${r}_${v}`)) : vadd(vmul(cur, L('bv')), L(`c${r}_${v}`));
        s += `(v128.store offset=${16 * v} ${L('cr')} ${val})\n`;
      }
      if (r < MR - 1) s += `${S('cr', add(L('cr'), L('ldc')))}\n`;
    }
    return s;
  };
  return `
(func $kern ${params(['kc', 'ap', 'bp', 'cp', 'ldc'], 'i32')} (param $beta f32)
  ${locals([...acc, ...bs, 'a', 'bv'], 'v128')} (local $cr i32)
  ${body}
  (if (f32.eq ${L('beta')} (f32.const 0)) (then
${store(0)}  return))
  (if (f32.eq ${L('beta')} (f32.const 1)) (then
${store(1)}  return))
  ${S('bv', `(f32x4.splat ${L('beta')})`)}
${store(2)})`;
}

/** Pack op(A)[i0:i0+mc, k0:k0+kc] into MR-row panels, k-major inside a panel, zero-padded to a multiple of MR. */
function genPackA(MR) {
  const so = Array.from({ length: MR - 1 }, (_, r) => `so${r + 1}`);
  const rowAddr = (r) => (r === 0 ? L('src') : add(L('src'), L(`so${r}`)));
  // transposed A: the MR values of one k are contiguous
  const contig =
    MR % 4 === 0
      ? Array.from({ length: MR / 4 }, (_, v) => `(v128.store offset=${16 * v} ${L('dst')} (v128.load offset=${16 * v} ${L('src')}))`).join(' ')
      : Array.from({ length: MR }, (_, r) => `(f32.store offset=${4 * r} ${L('dst')} (f32.load offset=${4 * r} ${L('src')}))`).join(' ');
  // row-major A: one value from each of MR rows
  const gather = Array.from({ length: MR }, (_, r) => `(f32.store offset=${4 * r} ${L('dst')} (f32.load ${rowAddr(r)}))`).join(' ');
  return `
(func $pack_a ${params(['transA', 'a', 'lda', 'i0', 'mc', 'k0', 'kc', 'dst'], 'i32')}
  (local $p i32) (local $k i32) (local $r i32) (local $i i32) (local $si i32) (local $sk i32) (local $src i32)
  ${locals(so, 'i32')}
  ;; element (i,k) of op(A) is at a + 4*(i*si + k*sk)
  (if ${L('transA')} (then ${S('si', I(1))} ${S('sk', L('lda'))}) (else ${S('si', L('lda'))} ${S('sk', I(1))}))
  ${S('a', add(L('a'), `(i32.shl ${add(mul(L('i0'), L('si')), mul(L('k0'), L('sk')))} (i32.const 2))`))}
  ${S('si', `(i32.shl ${L('si')} (i32.const 2))`)}
  ${S('sk', `(i32.shl ${L('sk')} (i32.const 2))`)}
  ${so.map((n, r) => S(n, mul(L('si'), I(r + 1)))).join(' ')}
  ${S('p', I(0))}
  (block $Pd (loop $P
    (br_if $Pd (i32.ge_s ${L('p')} ${L('mc')}))
    ${S('k', I(0))}
    ${S('src', add(L('a'), mul(L('p'), L('si'))))}
    (if (i32.le_s ${add(L('p'), I(MR))} ${L('mc')})
      (then (if ${L('transA')}
        (then (loop $Kt
          ${contig}
          ${S('dst', add(L('dst'), I(4 * MR)))}
          ${S('src', add(L('src'), L('sk')))}
          (br_if $Kt (i32.lt_s (local.tee $k ${add(L('k'), I(1))}) ${L('kc')}))))
        (else (loop $Kn
          ${gather}
          ${S('dst', add(L('dst'), I(4 * MR)))}
          ${S('src', add(L('src'), I(4)))}
          (br_if $Kn (i32.lt_s (local.tee $k ${add(L('k'), I(1))}) ${L('kc')}))))))
      (else (loop $Kl
        ;; last, partial panel: rows past mc are zeros
        ${S('src', add(L('a'), add(mul(L('p'), L('si')), mul(L('k'), L('sk')))))}
        ${S('r', I(0))}
        (loop $R
          ${S('i', add(L('p'), L('r')))}
          (f32.store ${L('dst')} (if (result f32) (i32.lt_s ${L('i')} ${L('mc')}) (then (f32.load ${L('src')})) (else (f32.const 0))))
          ${S('dst', add(L('dst'), I(4)))}
          ${S('src', add(L('src'), L('si')))}
          (br_if $R (i32.lt_s (local.tee $r ${add(L('r'), I(1))}) ${I(MR)})))
        (br_if $Kl (i32.lt_s (local.tee $k ${add(L('k'), I(1))}) ${L('kc')})))))
    ${S('p', add(L('p'), I(MR)))}
    (br $P)))
)`;
}

/** Pack op(B)[k0:k0+kc, 0:N] into NR-column panels (kc rows of NR floats each), the last one zero-padded. */
function genPackB(NR) {
  const NV = NR / 4;
  const rowCopy = Array.from({ length: NV }, (_, v) => `(v128.store offset=${16 * v} ${L('d')} (v128.load offset=${16 * v} ${L('src')}))`).join(' ');
  return `
(func $pack_b ${params(['transB', 'b', 'ldb', 'k0', 'kc', 'N', 'dst'], 'i32')}
  (local $q i32) (local $k i32) (local $v i32) (local $j i32) (local $sk i32) (local $sj i32) (local $src i32) (local $d i32)
  ;; element (k,j) of op(B) is at b + 4*(k*sk + j*sj)
  (if ${L('transB')} (then ${S('sk', I(1))} ${S('sj', L('ldb'))}) (else ${S('sk', L('ldb'))} ${S('sj', I(1))}))
  ${S('b', add(L('b'), `(i32.shl ${mul(L('k0'), L('sk'))} (i32.const 2))`))}
  ${S('sk', `(i32.shl ${L('sk')} (i32.const 2))`)}
  ${S('sj', `(i32.shl ${L('sj')} (i32.const 2))`)}
  ${S('q', I(0))}
  (block $Qd (loop $Q
    (br_if $Qd (i32.ge_s ${L('q')} ${L('N')}))
    (if (i32.and (i32.eqz ${L('transB')}) (i32.le_s ${add(L('q'), I(NR))} ${L('N')}))
      (then
        ;; full panel of a row-major B: each k row is NR contiguous floats
        ${S('src', add(L('b'), `(i32.shl ${L('q')} (i32.const 2))`))}
        ${S('d', L('dst'))}
        ${S('k', I(0))}
        (loop $Kr
          ${rowCopy}
          ${S('d', add(L('d'), I(4 * NR)))}
          ${S('src', add(L('src'), L('sk')))}
          (br_if $Kr (i32.lt_s (local.tee $k ${add(L('k'), I(1))}) ${L('kc')}))))
      (else
        ;; column-outer: contiguous reads when transB (rows of the stored matrix); zero columns past N
        ${S('v', I(0))}
        (loop $Vl
          ${S('j', add(L('q'), L('v')))}
          ${S('d', add(L('dst'), `(i32.shl ${L('v')} (i32.const 2))`))}
          ${S('src', add(L('b'), mul(L('j'), L('sj'))))}
          ${S('k', I(0))}
          (if (i32.lt_s ${L('j')} ${L('N')})
            (then (loop $Kl
              (f32.store ${L('d')} (f32.load ${L('src')}))
              ${S('d', add(L('d'), I(4 * NR)))}
              ${S('src', add(L('src'), L('sk')))}
              (br_if $Kl (i32.lt_s (local.tee $k ${add(L('k'), I(1))}) ${L('kc')}))))
            (else (loop $Kz
              (f32.store ${L('d')} (f32.const 0))
              ${S('d', add(L('d'), I(4 * NR)))}
              (br_if $Kz (i32.lt_s (local.tee $k ${add(L('k'), I(1))}) ${L('kc')})))))
          (br_if $Vl (i32.lt_s (local.tee $v ${add(L('v'), I(1))}) ${I(NR)})))))
    ${S('dst', add(L('dst'), mul(L('kc'), I(4 * NR))))}
    ${S('q', add(L('q'), I(NR)))}
    (br $Q)))
)`;
}

/**
 * sgemm: row-major C = beta*C + op(A)·op(B). Requires M,N,K >= 1.
 * scratch: byte address of MC*KC + MR*NR + ceil(N/NR)*NR*KC floats (see scratchFloats in src/engine/kernels-wasm.ts).
 */
function genSgemm(MR, NV, KC, MC) {
  const NR = 4 * NV;
  return `
(func (export "sgemm") ${params(['transA', 'transB', 'M', 'N', 'K', 'a', 'lda', 'b', 'ldb'], 'i32')} (param $beta f32)
    ${params(['c', 'ldc', 'scratch'], 'i32')}
  (local $k0 i32) (local $kc i32) (local $i0 i32) (local $mc i32) (local $j i32) (local $nr i32) (local $i i32) (local $mr i32)
  (local $ap0 i32) (local $tile i32) (local $bp0 i32) (local $bp i32) (local $cp i32) (local $be f32)
  (local $r i32) (local $v i32) (local $src i32) (local $dst i32) (local $ldc4 i32)
  ${S('ap0', L('scratch'))}
  ${S('tile', add(L('scratch'), I(MC * KC * 4)))}
  ${S('bp0', add(L('tile'), I(MR * NR * 4)))}
  ${S('ldc4', `(i32.shl ${L('ldc')} (i32.const 2))`)}
  ${S('k0', I(0))}
  (loop $Kb
    ${S('kc', `(select ${I(KC)} ${sub(L('K'), L('k0'))} (i32.lt_s ${I(KC)} ${sub(L('K'), L('k0'))}))`)}
    ${S('be', `(select ${L('beta')} (f32.const 1) (i32.eqz ${L('k0')}))`)}
    ;; op(B)[k0:k0+kc, :] packed into NR-column panels once per k block, reused by every row block
    (call $pack_b ${L('transB')} ${L('b')} ${L('ldb')} ${L('k0')} ${L('kc')} ${L('N')} ${L('bp0')})
    ${S('i0', I(0))}
    (loop $Ib
      ${S('mc', `(select ${I(MC)} ${sub(L('M'), L('i0'))} (i32.lt_s ${I(MC)} ${sub(L('M'), L('i0'))}))`)}
      (call $pack_a ${L('transA')} ${L('a')} ${L('lda')} ${L('i0')} ${L('mc')} ${L('k0')} ${L('kc')} ${L('ap0')})
      ${S('j', I(0))}
      (loop $Jl
        ${S('nr', `(select ${I(NR)} ${sub(L('N'), L('j'))} (i32.lt_s ${I(NR)} ${sub(L('N'), L('j'))}))`)}
        ;; panel j/NR starts at bp0 + (j/NR)*kc*NR*4 = bp0 + j*kc*4
        ${S('bp', add(L('bp0'), `(i32.shl ${mul(L('j'), L('kc'))} (i32.const 2))`))}
        ${S('i', I(0))}
        (loop $Il
          ${S('mr', `(select ${I(MR)} ${sub(L('mc'), L('i'))} (i32.lt_s ${I(MR)} ${sub(L('mc'), L('i'))}))`)}
          ${S('cp', add(L('c'), `(i32.shl ${add(mul(add(L('i0'), L('i')), L('ldc')), L('j'))} (i32.const 2))`))}
          (if (i32.and (i32.eq ${L('mr')} ${I(MR)}) (i32.eq ${L('nr')} ${I(NR)}))
            (then (call $kern ${L('kc')} ${add(L('ap0'), `(i32.shl ${mul(L('i'), L('kc'))} (i32.const 2))`)} ${L('bp')} ${L('cp')} ${L('ldc4')} ${L('be')}))
            (else
              (call $kern ${L('kc')} ${add(L('ap0'), `(i32.shl ${mul(L('i'), L('kc'))} (i32.const 2))`)} ${L('bp')} ${L('tile')} ${I(NR * 4)} (f32.const 0))
              ${S('r', I(0))}
              (loop $Rc
                ${S('src', add(L('tile'), mul(L('r'), I(NR * 4))))}
                ${S('dst', add(L('cp'), mul(L('r'), L('ldc4'))))}
                ${S('v', I(0))}
                (loop $Vc
                  (f32.store ${L('dst')} (if (result f32) (f32.eq ${L('be')} (f32.const 0))
                    (then (f32.load ${L('src')}))
                    (else (f32.add (f32.load ${L('src')}) (f32.mul ${L('be')} (f32.load ${L('dst')}))))))
                  ${S('src', add(L('src'), I(4)))}
                  ${S('dst', add(L('dst'), I(4)))}
                  (br_if $Vc (i32.lt_s (local.tee $v ${add(L('v'), I(1))}) ${L('nr')})))
                (br_if $Rc (i32.lt_s (local.tee $r ${add(L('r'), I(1))}) ${L('mr')})))))
          (br_if $Il (i32.lt_s (local.tee $i ${add(L('i'), I(MR))}) ${L('mc')})))
        (br_if $Jl (i32.lt_s (local.tee $j ${add(L('j'), I(NR))}) ${L('N')})))
      (br_if $Ib (i32.lt_s (local.tee $i0 ${add(L('i0'), I(MC))}) ${L('M')})))
    (br_if $Kb (i32.lt_s (local.tee $k0 ${add(L('k0'), I(KC))}) ${L('K')})))
)`;
}

/**
 * Elementwise kernel over B rows × H columns. Each array has a row stride of `stride`·H floats (0: same row for all b,
 * e.g. a bias). Gate g of an array is at column offset g·H. The body is generated twice: 4 lanes at a time, then
 * one lane at a time for the H%4 tail (load32_zero / store32_lane), so results do not depend on H%4.
 */
function genEw(name, arrays, body, temps) {
  const maxG = 8;
  const ptrs = arrays.map((a) => a.name);
  const ld =
    (mode) =>
    (arr, g = 0) => {
      const addr = g === 0 ? L(`p_${arr}`) : add(L(`p_${arr}`), L(`go${g}`));
      return mode === 'v' ? `(v128.load ${addr})` : `(v128.load32_zero ${addr})`;
    };
  const st = (mode) => (arr, g, e) => {
    const addr = g === 0 ? L(`p_${arr}`) : add(L(`p_${arr}`), L(`go${g}`));
    return mode === 'v' ? `(v128.store ${addr} ${e})` : `(v128.store32_lane 0 ${addr} ${e})`;
  };
  const setP = ptrs.map((p) => S(`p_${p}`, add(L(`rb_${p}`), L('jb')))).join(' ');
  inlineLocals = [];
  const vecBody = body(ld('v'), st('v'));
  const scalarBody = body(ld('s'), st('s'));
  let s = `
(func (export "${name}") (param $B i32) (param $H i32) ${params(ptrs, 'i32')}
  (local $H4 i32) (local $Hv4 i32) (local $bi i32) (local $jb i32)
  ${locals(
    Array.from({ length: maxG - 1 }, (_, g) => `go${g + 1}`),
    'i32',
  )}
  ${locals(
    ptrs.map((p) => `rb_${p}`),
    'i32',
  )} ${locals(
    ptrs.map((p) => `p_${p}`),
    'i32',
  )}
  ${locals([...temps, ...inlineLocals], 'v128')}
  ${S('H4', `(i32.shl ${L('H')} (i32.const 2))`)}
  ${S('Hv4', `(i32.and ${L('H4')} (i32.const -16))`)}
  ${Array.from({ length: maxG - 1 }, (_, g) => S(`go${g + 1}`, mul(L('H4'), I(g + 1)))).join(' ')}
  ${ptrs.map((p) => S(`rb_${p}`, L(p))).join(' ')}
  ${S('bi', I(0))}
  (block $Bd (loop $Bl
    (br_if $Bd (i32.ge_s ${L('bi')} ${L('B')}))
    ${S('jb', I(0))}
    (block $Vd (loop $Vl
      (br_if $Vd (i32.ge_s ${L('jb')} ${L('Hv4')}))
      ${setP}
      ${vecBody}
      ${S('jb', add(L('jb'), I(16)))}
      (br $Vl)))
    (block $Sd (loop $Sl
      (br_if $Sd (i32.ge_s ${L('jb')} ${L('H4')}))
      ${setP}
      ${scalarBody}
      ${S('jb', add(L('jb'), I(4)))}
      (br $Sl)))
    ${arrays
      .filter((a) => a.stride !== 0)
      .map((a) => S(`rb_${a.name}`, add(L(`rb_${a.name}`), mul(L('H4'), I(a.stride)))))
      .join(' ')}
    ${S('bi', add(L('bi'), I(1)))}
    (br $Bl)))
)`;
  return s;
}

// The transcendentals are inlined at every use (V8 11.3 does not inline wasm calls, and a call per 4 lanes costs
// more than the math). Each site gets its own temporaries, declared by genEw from `inlineLocals`.
let inlineLocals = [];
let site = 0;
const tmp = (n) => {
  const name = `t${site}_${n}`;
  inlineLocals.push(name);
  return name;
};
/** exp(x) as one block expression: Cephes expf, range reduction by ln2, 2^n through the exponent bits. */
const expInline = (x) => {
  site++;
  const xv = tmp('x'),
    n = tmp('n'),
    r = tmp('r'),
    p = tmp('p');
  return `(block (result v128)
      ${S(xv, `(f32x4.min (f32x4.max ${x} ${K(-87.3)}) ${K(88.3)})`)}
      ${S(n, `(f32x4.nearest ${vmul(L(xv), K(1.4426950408889634))})`)}
      ${S(r, vsub(vsub(L(xv), vmul(L(n), K(0.693359375))), vmul(L(n), K(-2.1219444e-4))))}
      ${S(p, vadd(vmul(K(1.98756915e-4), L(r)), K(1.3981999507e-3)))}
      ${S(p, vadd(vmul(L(p), L(r)), K(8.3334519073e-3)))}
      ${S(p, vadd(vmul(L(p), L(r)), K(4.1665795894e-2)))}
      ${S(p, vadd(vmul(L(p), L(r)), K(1.6666665459e-1)))}
      ${S(p, vadd(vmul(L(p), L(r)), K(5.0000001201e-1)))}
      ${S(p, vadd(vadd(vmul(vmul(L(p), L(r)), L(r)), L(r)), K(1)))}
      ${vmul(L(p), `(i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s ${L(n)}) (v128.const i32x4 127 127 127 127)) (i32.const 23))`)})`;
};
const sig = (e) => vdiv(K(1), vadd(K(1), expInline(`(f32x4.neg ${e})`)));
/** tanh|x| = (1-e)/(1+e), e = exp(-2|x|); the sign of x is restored with a bit or. */
const tanh = (e) => {
  const xv = `t${++site}_tx`,
    ev = `t${site}_te`;
  inlineLocals.push(xv, ev);
  return `(block (result v128)
      ${S(xv, e)}
      ${S(ev, expInline(vmul(K(-2), `(f32x4.abs ${L(xv)})`)))}
      (v128.or ${vdiv(vsub(K(1), L(ev)), vadd(K(1), L(ev)))}
        (v128.and ${L(xv)} (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))`;
};
const ONE = K(1);

function genPointwise() {
  let s = '';
  // LSTM forward, gates iofc. act (B,4H) <- [i,o,f,g] activated; c = f*cPrev + i*g; h = o*tanh(c).
  s += genEw(
    'lstm_fwd',
    [
      { name: 'gx', stride: 4 },
      { name: 'gh', stride: 4 },
      { name: 'bias', stride: 0 },
      { name: 'cp', stride: 1 },
      { name: 'act', stride: 4 },
      { name: 'c', stride: 1 },
      { name: 'h', stride: 1 },
    ],
    (ld, st) => {
      const pre = (g) => vadd(vadd(ld('gx', g), ld('gh', g)), vadd(ld('bias', g), ld('bias', g + 4)));
      return [
        S('i', sig(pre(0))),
        S('o', sig(pre(1))),
        S('f', sig(pre(2))),
        S('g', tanh(pre(3))),
        S('cn', vadd(vmul(L('f'), ld('cp')), vmul(L('i'), L('g')))),
        st('act', 0, L('i')),
        st('act', 1, L('o')),
        st('act', 2, L('f')),
        st('act', 3, L('g')),
        st('c', 0, L('cn')),
        st('h', 0, vmul(L('o'), tanh(L('cn')))),
      ].join('\n      ');
    },
    ['i', 'o', 'f', 'g', 'cn'],
  );
  // LSTM backward. dc: in dL/dc_t (from t+1), out dL/dc_{t-1} (in place). dg (B,4H) <- pre-activation grads (written).
  s += genEw(
    'lstm_bwd',
    [
      { name: 'act', stride: 4 },
      { name: 'cp', stride: 1 },
      { name: 'c', stride: 1 },
      { name: 'dh', stride: 1 },
      { name: 'dc', stride: 1 },
      { name: 'dg', stride: 4 },
    ],
    (ld, st) =>
      [
        S('i', ld('act', 0)),
        S('o', ld('act', 1)),
        S('f', ld('act', 2)),
        S('g', ld('act', 3)),
        S('tc', tanh(ld('c'))),
        S('dhv', ld('dh')),
        S('dct', vadd(ld('dc'), vmul(vmul(L('dhv'), L('o')), vsub(ONE, vmul(L('tc'), L('tc')))))),
        st('dg', 0, vmul(vmul(L('dct'), L('g')), vmul(L('i'), vsub(ONE, L('i'))))),
        st('dg', 1, vmul(vmul(L('dhv'), L('tc')), vmul(L('o'), vsub(ONE, L('o'))))),
        st('dg', 2, vmul(vmul(L('dct'), ld('cp')), vmul(L('f'), vsub(ONE, L('f'))))),
        st('dg', 3, vmul(vmul(L('dct'), L('i')), vsub(ONE, vmul(L('g'), L('g'))))),
        st('dc', 0, vmul(L('dct'), L('f'))),
      ].join('\n      '),
    ['i', 'o', 'f', 'g', 'tc', 'dhv', 'dct'],
  );
  // GRU forward (zrh, linear_before_reset=1). act (B,4H) <- [z, r, n, hn] with hn = h·Rhᵀ + Rbh.
  s += genEw(
    'gru_fwd',
    [
      { name: 'gx', stride: 3 },
      { name: 'gh', stride: 3 },
      { name: 'bias', stride: 0 },
      { name: 'hp', stride: 1 },
      { name: 'act', stride: 4 },
      { name: 'h', stride: 1 },
    ],
    (ld, st) =>
      [
        S('z', sig(vadd(vadd(ld('gx', 0), ld('gh', 0)), vadd(ld('bias', 0), ld('bias', 3))))),
        S('r', sig(vadd(vadd(ld('gx', 1), ld('gh', 1)), vadd(ld('bias', 1), ld('bias', 4))))),
        S('hn', vadd(ld('gh', 2), ld('bias', 5))),
        S('n', tanh(vadd(vadd(ld('gx', 2), ld('bias', 2)), vmul(L('r'), L('hn'))))),
        S('hv', ld('hp')),
        st('act', 0, L('z')),
        st('act', 1, L('r')),
        st('act', 2, L('n')),
        st('act', 3, L('hn')),
        st('h', 0, vadd(L('n'), vmul(L('z'), vsub(L('hv'), L('n'))))),
      ].join('\n      '),
    ['z', 'r', 'n', 'hn', 'hv'],
  );
  // GRU backward. dgx/dgh (B,3H) <- pre-activation grads of the input and recurrent products (written);
  // dhp <- dh*z (written; add dgh·R with a gemm, beta=1). dhp may alias dh.
  s += genEw(
    'gru_bwd',
    [
      { name: 'act', stride: 4 },
      { name: 'hp', stride: 1 },
      { name: 'dh', stride: 1 },
      { name: 'dhp', stride: 1 },
      { name: 'dgx', stride: 3 },
      { name: 'dgh', stride: 3 },
    ],
    (ld, st) =>
      [
        S('z', ld('act', 0)),
        S('r', ld('act', 1)),
        S('n', ld('act', 2)),
        S('hn', ld('act', 3)),
        S('dhv', ld('dh')),
        S('dnp', vmul(vmul(L('dhv'), vsub(ONE, L('z'))), vsub(ONE, vmul(L('n'), L('n'))))),
        S('dzp', vmul(vmul(L('dhv'), vsub(ld('hp'), L('n'))), vmul(L('z'), vsub(ONE, L('z'))))),
        S('drp', vmul(vmul(L('dnp'), L('hn')), vmul(L('r'), vsub(ONE, L('r'))))),
        st('dgx', 0, L('dzp')),
        st('dgx', 1, L('drp')),
        st('dgx', 2, L('dnp')),
        st('dgh', 0, L('dzp')),
        st('dgh', 1, L('drp')),
        st('dgh', 2, vmul(L('dnp'), L('r'))),
        st('dhp', 0, vmul(L('dhv'), L('z'))),
      ].join('\n      '),
    ['z', 'r', 'n', 'hn', 'dhv', 'dnp', 'dzp', 'drp'],
  );
  // RNN (tanh) forward: h = tanh(gx + gh + Wb + Rb). Backward: dg = dh*(1-h²).
  s += genEw(
    'rnn_fwd',
    [
      { name: 'gx', stride: 1 },
      { name: 'gh', stride: 1 },
      { name: 'bias', stride: 0 },
      { name: 'h', stride: 1 },
    ],
    (ld, st) => st('h', 0, tanh(vadd(vadd(ld('gx'), ld('gh')), vadd(ld('bias', 0), ld('bias', 1))))),
    [],
  );
  s += genEw(
    'rnn_bwd',
    [
      { name: 'h', stride: 1 },
      { name: 'dh', stride: 1 },
      { name: 'dg', stride: 1 },
    ],
    (ld, st) => [S('hv', ld('h')), st('dg', 0, vmul(ld('dh'), vsub(ONE, vmul(L('hv'), L('hv')))))].join('\n      '),
    ['hv'],
  );
  return s;
}

/** The whole module. Memory is imported (shared) so every instance, in any thread, can work on the same buffers. */
export function genWat(tile = DEFAULT_TILE) {
  const { MR, NV, KC } = tile;
  const MC = MR * Math.floor(tile.MC / MR);
  return `;; GENERATED by scripts/wasm/gen-kernels-wat.mjs (tile MR=${MR} NR=${4 * NV} KC=${KC} MC=${MC} unroll=${tile.U ?? 1}). Do not edit.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (global (export "MR") i32 (i32.const ${MR}))
  (global (export "NR") i32 (i32.const ${4 * NV}))
  (global (export "KC") i32 (i32.const ${KC}))
  (global (export "MC") i32 (i32.const ${MC}))
${genKernel(MR, NV, tile.U ?? 1, tile.FMA ?? false)}
${genPackA(MR)}
${genPackB(4 * NV)}
${genSgemm(MR, NV, KC, MC)}
${genPointwise()}
)
`;
}

/** Assemble WAT to wasm bytes with the wabt npm package (build time only). */
export async function assemble(wat, name = 'kernels.wat') {
  const wabt = await (await import('wabt')).default();
  const features = { simd: true, threads: true, relaxed_simd: /relaxed_/.test(wat) };
  const mod = wabt.parseWat(name, wat, features);
  try {
    mod.resolveNames();
    mod.validate(features);
    return mod.toBinary({ log: false, canonicalize_lebs: true, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}
