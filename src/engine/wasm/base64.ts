/** The kernels' WebAssembly bytes are embedded as base64 (kernels-bytes.ts); atob exists in Node and in browsers. */
export function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
