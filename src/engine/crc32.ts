/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib and PNG), to tell a damaged file from a good one: checkpoints and model
 * files carry one over their bytes. Written here because the engine imports nothing outside itself (node:zlib's crc32
 * is not in every Node 20, and a web worker has none); the table form is the textbook one.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
