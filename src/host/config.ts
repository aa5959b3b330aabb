/** Settings under `seqlab.*`, read fresh each time (so changes take effect without a reload). */
import { availableParallelism } from 'node:os';
import * as vscode from 'vscode';
import type { CellType } from '../engine/config';
import { PRESETS, type TrainOptions } from '../engine/options';

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
export const CELLS: CellType[] = ['lstm', 'gru', 'rnn'];

export function section(scope?: vscode.ConfigurationScope): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('seqlab', scope);
}

/** `seqlab.modelsLocation`: a folder relative to the first workspace folder, or absolute. */
export function modelsLocationSetting(): string {
  const v = section().get<string>('modelsLocation', '.seqlab/models');
  return typeof v === 'string' && v.trim() ? v.trim() : '.seqlab/models';
}

export function maxConcurrentRuns(): number {
  const v = section().get<number>('training.maxConcurrentRuns', 1);
  return Number.isInteger(v) && v >= 1 ? Math.min(v, 8) : 1;
}

/**
 * `seqlab.training.threads`: kernel threads per run (speed only, never the math). 0 = automatic: the cores less one
 * (left to the editor), shared among the runs that may go at once.
 */
export function trainingThreads(): number {
  const v = section().get<number>('training.threads', 0);
  if (Number.isInteger(v) && v >= 1) return Math.min(v, 32);
  return Math.max(1, Math.floor((availableParallelism() - 1) / maxConcurrentRuns()));
}

export function defaultCell(): CellType {
  const v = section().get<string>('training.defaultCell', 'lstm');
  return (CELLS as string[]).includes(v) ? (v as CellType) : 'lstm';
}

export function defaultPreset(): PresetName {
  const v = section().get<string>('training.defaultPreset', 'small');
  return (PRESET_NAMES as string[]).includes(v) ? (v as PresetName) : 'small';
}

/** A preset, with the user's `seqlab.training.presets` overrides merged over the built-in sizes. */
export function presetOptions(name: PresetName): Partial<TrainOptions> {
  const overrides = section().get<Record<string, Partial<TrainOptions>>>('training.presets', {}) ?? {};
  const o = overrides[name];
  const allowed = ['layers', 'hidden', 'emb', 'batch', 'seq', 'dropout'] as const;
  const merged: Partial<TrainOptions> = { ...PRESETS[name] };
  if (o && typeof o === 'object') {
    for (const k of allowed) if (typeof o[k] === 'number') (merged as Record<string, number>)[k] = o[k] as number;
  }
  return merged;
}
