/**
 * A run lock in the model folder (`.seqlab-run.json`: pid and host of the process running the training worker, the
 * CLI or a VS Code extension host), written by the run itself once its folder exists. A card that says 'training'
 * while no live process holds the lock belongs to a run that was cut short (killed, crashed, power loss): it reads
 * as 'interrupted', with the steps and time of its last checkpoint (the card is written with each checkpoint).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import type { ModelCard, ModelStatus } from '../protocol/model';

export const RUN_LOCK_FILE = '.seqlab-run.json';

interface RunLock {
  pid: number;
  host: string;
  jobId: string;
  startedAt: string;
}

export function writeRunLock(dir: string, jobId: string): void {
  const lock: RunLock = { pid: process.pid, host: hostname(), jobId, startedAt: new Date().toISOString() };
  try {
    writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify(lock));
  } catch {
    /* best effort: the folder may not exist yet */
  }
}

export function removeRunLock(dir: string, jobId: string): void {
  const lock = readRunLock(dir);
  if (lock && lock.pid === process.pid && lock.jobId === jobId) rmSync(path.join(dir, RUN_LOCK_FILE), { force: true });
}

function readRunLock(dir: string): RunLock | undefined {
  try {
    const l = JSON.parse(readFileSync(path.join(dir, RUN_LOCK_FILE), 'utf8')) as RunLock;
    return typeof l.pid === 'number' && typeof l.host === 'string' ? l : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is a run in `dir` live in another process on this machine (another VS Code window, a CLI run)? */
export function liveElsewhere(dir: string): boolean {
  const lock = readRunLock(dir);
  if (!lock || lock.host !== hostname() || lock.pid === process.pid) return false;
  return alive(lock.pid);
}

/** Is a run in `dir` live in a process on this machine, this one included? */
export function runIsLive(dir: string): boolean {
  const lock = readRunLock(dir);
  return !!lock && lock.host === hostname() && (lock.pid === process.pid || alive(lock.pid));
}

/** The status a card means now: 'training' with no live run is 'interrupted'. */
export function effectiveStatus(dir: string, card: ModelCard): ModelStatus {
  return card.status === 'training' && !runIsLive(dir) ? 'interrupted' : card.status;
}
