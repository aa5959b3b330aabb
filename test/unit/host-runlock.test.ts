import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveElsewhere, removeRunLock, RUN_LOCK_FILE, writeRunLock } from '../../src/data/runLock';

describe('run locks (data/runLock): live in another process, or interrupted?', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seqlab-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const lock = (pid: number, host = hostname()) => writeFileSync(join(dir, RUN_LOCK_FILE), JSON.stringify({ pid, host, jobId: 'j', startedAt: '' }));

  it('no lock, or our own process: not elsewhere', () => {
    assert.equal(liveElsewhere(dir), false);
    writeRunLock(dir, 'j1');
    assert.equal(JSON.parse(readFileSync(join(dir, RUN_LOCK_FILE), 'utf8')).pid, process.pid);
    assert.equal(liveElsewhere(dir), false);
  });

  it('a live process on this host: elsewhere; a dead one, or another host: not', () => {
    lock(process.ppid);
    assert.equal(liveElsewhere(dir), true);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    lock(Number(dead.stdout));
    assert.equal(liveElsewhere(dir), false);
    lock(process.ppid, `${hostname()}-other`);
    assert.equal(liveElsewhere(dir), false);
    writeFileSync(join(dir, RUN_LOCK_FILE), '{ broken');
    assert.equal(liveElsewhere(dir), false);
  });

  it('removeRunLock removes only our own lock for that run', () => {
    writeRunLock(dir, 'j1');
    removeRunLock(dir, 'j2');
    assert.doesNotThrow(() => readFileSync(join(dir, RUN_LOCK_FILE)));
    removeRunLock(dir, 'j1');
    assert.throws(() => readFileSync(join(dir, RUN_LOCK_FILE)));
  });
});
