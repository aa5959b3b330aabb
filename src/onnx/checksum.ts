/**
 * A CRC-32 over a model file, so a damaged model.onnx is refused instead of run with wrong weights.
 *
 * The checksum is the file's last metadata_props entry, `seqlab.crc32` = 8 hex digits, appended as a protobuf field
 * after everything else (a later field of a repeated message appends to it, so the file stays a valid ONNX model
 * that any runtime loads). It covers every byte before that entry. Files that must carry it: ours of format 2 and
 * later, and imported models' folder copies (`seqlab.imported`); others (format 1, foreign files) have none.
 */
import { crc32 } from '../engine/crc32';
import { encodePatch } from './proto';

export const CRC_KEY = 'seqlab.crc32';
export const IMPORTED_KEY = 'seqlab.imported';

const hex = (n: number) => n.toString(16).padStart(8, '0');
const trailer = (value: string) => encodePatch({ metadataProps: [{ key: CRC_KEY, value }] });

/** `body` with its checksum appended */
export function withChecksum(body: Uint8Array): Uint8Array {
  const t = trailer(hex(crc32(body)));
  const out = new Uint8Array(body.length + t.length);
  out.set(body);
  out.set(t, body.length);
  return out;
}

/** Why `bytes` (decoded metadata `meta`) fails its checksum, or null when it holds (or has none and needs none). */
export function checksumProblem(bytes: Uint8Array, meta: Record<string, string>, required: boolean): string | null {
  const value = meta[CRC_KEY];
  if (value === undefined) return required ? 'its checksum is missing (the file is truncated or damaged)' : null;
  const t = trailer(value);
  const at = bytes.length - t.length;
  const tailMatches = at > 0 && /^[0-9a-f]{8}$/.test(value) && t.every((b, i) => bytes[at + i] === b);
  if (!tailMatches || crc32(bytes.subarray(0, at)) !== parseInt(value, 16)) return 'its checksum does not match (the file is truncated or damaged)';
  return null;
}
