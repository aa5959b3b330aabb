/**
 * Shape letters, defined once for the whole engine. Every buffer is commented with its shape.
 *
 *   B  batch (parallel streams)          T  time steps (truncated-BPTT length, `seq`)
 *   I  input size of a layer             H  hidden size
 *   V  vocabulary size (char models)     E  embedding size (char models)
 *   F  features per step (CSV models)    O  outputs of the head (V for char models)
 *   G  gates of a cell: LSTM 4 (iofc), GRU 3 (zrh), RNN 1
 *   L  layers (1..4)
 *
 * Time-major everywhere, as ONNX `layout=0`: a sequence buffer is (T,B,X), element [t][b][x] at (t*B+b)*X+x.
 * All buffers are flat typed arrays. `Arr` lets the reference kernels run in float64 for gradient checks.
 */
export type Arr = Float32Array | Float64Array;
export type ArrCtor = Float32ArrayConstructor | Float64ArrayConstructor;
