/**
 * The last step of every training run: write model.onnx from the best weights, checked against onnxruntime.
 * The export fails loudly (the card says why, no model.onnx is left) when the runtimes disagree; without
 * onnxruntime it is written unchecked, with a warning.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../engine/config';
import { writeFileAtomic } from '../data/atomic';
import { type ExportMeta, exportOnnx } from '../onnx/export';
import { ortStatus } from '../onnx/runtime';
import { ExportParityError, exportVerified } from '../onnx/verify';
import { ONNX_FILE } from '../protocol/model';

export async function writeFinalOnnx(
  outDir: string,
  config: ModelConfig,
  params: Float32Array,
  meta: ExportMeta,
  log: (level: 'info' | 'warn', message: string) => void,
  markFailed: (reason: string) => void,
  parity: { T?: number } = {},
): Promise<void> {
  const file = join(outDir, ONNX_FILE);
  const ort = ortStatus();
  if (!ort.ok) {
    writeFileAtomic(file, exportOnnx(config, params, meta));
    log('warn', `${ONNX_FILE} was written without its parity check: ${ort.error}`);
    return;
  }
  try {
    const { bytes, parity: report } = await exportVerified(config, params, meta, parity);
    writeFileAtomic(file, bytes);
    log('info', `exported ${ONNX_FILE}; onnxruntime agrees with the engine to ${report.maxDiff.toExponential(1)}`);
  } catch (e) {
    if (!(e instanceof ExportParityError)) throw e;
    rmSync(file, { force: true });
    markFailed(e.message);
    throw Object.assign(new Error(e.message), { userFacing: true });
  }
}
