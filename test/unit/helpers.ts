/**
 * Helpers shared by the unit and parity suites: temporary folders that are removed after the run (a root hook,
 * loaded by .mocharc.json), the DataError assertion, and the kernel suites' error measure and random fills.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../src/data/errors';
import type { Rng } from '../../src/engine/rng';

const made: string[] = [];

/** A fresh folder under the system temp folder, removed when the whole mocha run ends. */
export function tempDir(prefix = 'seqlab-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** mocha root hooks (see .mocharc.json `require`) */
export const mochaHooks = {
  afterAll(): void {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  },
};

/** `fn` throws a DataError whose message matches `re` and is one line. */
export function throwsData(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    return true;
  });
}

/** max |a-b| / max(1, |b|) over the checked range (NaN counts as infinite) */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = b.length): number {
  let m = 0;
  for (let i = from; i < to; i++) {
    const e = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}

/** `a` filled with uniform values in [-scale, scale] */
export function fill(a: Float32Array, rng: Rng, scale = 1): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}
