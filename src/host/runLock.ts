/**
 * A run lock in the model folder (`.seqlab-run.json`: pid and host of the VS Code extension host running it), so that
 * another window can tell a run that is live elsewhere from one that was cut short (shown as "interrupted").
 * No vscode import.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';

export const RUN_LOCK_FILE = '.seqlab-run.json';

interface RunLock { pid: number; host: string; jobId: string; startedAt: string }

export function writeRunLock(dir: string, jobId: string): void {
  const lock: RunLock = { pid: process.pid, host: hostname(), jobId, startedAt: new Date().toISOString() };
  try { writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify(lock)); } catch { /* best effort: the folder may not exist yet */ }
}

export function removeRunLock(dir: string, jobId: string): void {
  const lock = readRunLock(dir);
  if (lock && lock.pid === process.pid && lock.jobId === jobId) rmSync(path.join(dir, RUN_LOCK_FILE), { force: true });
}

function readRunLock(dir: string): RunLock | undefined {
  try {
    const l = JSON.parse(readFileSync(path.join(dir, RUN_LOCK_FILE), 'utf8')) as RunLock;
    return typeof l.pid === 'number' && typeof l.host === 'string' ? l : undefined;
  } catch { return undefined; }
}

/** Is a run in `dir` live in another process on this machine (another VS Code window)? */
export function liveElsewhere(dir: string): boolean {
  const lock = readRunLock(dir);
  if (!lock || lock.host !== hostname() || lock.pid === process.pid) return false;
  try { process.kill(lock.pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
