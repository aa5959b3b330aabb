/**
 * Helpers shared by the unit and parity suites: temporary folders that are removed after the run (a root hook,
 * loaded by .mocharc.json), and the DataError assertion.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../src/data/errors';

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
