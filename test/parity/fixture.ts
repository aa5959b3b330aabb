/** The golden fixtures of test/fixtures/parity (written by test/parity/gen_fixtures.py from PyTorch). */
import type { ModelConfig } from '../../src/engine/config';

export interface Fixture {
  config: ModelConfig;
  T: number;
  B: number;
  inputs: number[];
  targets: number[];
  h0: number[][];
  c0?: number[][];
  params: Record<string, number[]>;
  logits: number[];
  loss: number;
  hT: number[][];
  cT?: number[][];
  Y: number[][];
  grads: Record<string, number[]>;
  dh0: number[][];
  dc0?: number[][];
}
