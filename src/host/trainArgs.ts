/**
 * What the train commands take: their options object (every field optional; any of them given = no prompts), their
 * outcome, and the quick picks that ask for what is missing (cell, size, time budget).
 */
import * as vscode from 'vscode';
import { charConfig, type CellType } from '../engine/config';
import type { TrainOptions } from '../engine/options';
import { paramCount } from '../engine/params';
import type { TrainResult } from '../protocol/worker';
import { defaultCell, defaultPreset, PRESET_NAMES, presetOptions, type PresetName } from './config';
import { fmtCount } from './format';
import type { ModelEntry } from './modelStore';

/** Options accepted by the train commands (all optional; any of them given = no prompts). */
export interface TrainArgs {
  file?: string | vscode.Uri;
  files?: (string | vscode.Uri)[];
  /** inline text to train on (what "Train Model on Selection" sends) */
  text?: string;
  label?: string;
  cell?: CellType;
  preset?: PresetName;
  steps?: number;
  minutes?: number;
  /** stop when validation stops improving (early stopping) instead of a step/time budget */
  untilPlateau?: boolean;
  name?: string;
  /** any other hyperparameters (see TrainOptions) */
  options?: Partial<TrainOptions>;
  /** resolve when the run ends (default true when options are given) */
  wait?: boolean;
  /** show the progress notification (default true) */
  notify?: boolean;
}

export interface TrainOutcome {
  jobId?: string;
  name?: string;
  modelDir?: string;
  result?: TrainResult;
  /** the message shown to the user when the command failed */
  error?: string;
}

/** Assumed vocabulary size for the parameter counts shown before the data is read. */
const ASSUMED_VOCAB = 96;

export type Budget = Pick<TrainOptions, 'steps' | 'minutes' | 'patience'>;

export function asArgs(a: unknown): TrainArgs | undefined {
  return a && typeof a === 'object' && !(a instanceof vscode.Uri) ? (a as TrainArgs) : undefined;
}

export function isEntry(a: unknown): a is ModelEntry {
  return !!a && typeof a === 'object' && typeof (a as ModelEntry).dir === 'string' && typeof (a as ModelEntry).status === 'string';
}

export function budgetFromArgs(args: TrainArgs): Partial<Budget> {
  if (args.untilPlateau) return { steps: 0, minutes: 0, patience: 5 };
  if (args.steps !== undefined || args.minutes !== undefined) return { steps: args.steps ?? 0, minutes: args.minutes ?? 0 };
  return { steps: 0, minutes: 5 };
}

export async function pickCell(): Promise<CellType | 'advanced' | undefined> {
  const def = defaultCell();
  const items: (vscode.QuickPickItem & { value?: CellType | 'advanced' })[] = [
    { label: 'LSTM', description: vscode.l10n.t('long short-term memory: the reliable default'), value: 'lstm' },
    { label: 'GRU', description: vscode.l10n.t('gated recurrent unit: fewer parameters, often as good'), value: 'gru' },
    { label: 'RNN', description: vscode.l10n.t('plain tanh RNN: the simplest, forgets quickly'), value: 'rnn' },
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: vscode.l10n.t('Advanced…'), description: vscode.l10n.t('open a *.seqlab.json recipe with every hyperparameter'), value: 'advanced' },
  ];
  items.sort((x, y) => (y.value === def ? 1 : 0) - (x.value === def ? 1 : 0));
  const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Train: choose a cell (1/4)') });
  return pick?.value;
}

export async function pickPreset(cell: CellType): Promise<PresetName | undefined> {
  const labels: Record<PresetName, string> = {
    tiny: vscode.l10n.t('Tiny'),
    small: vscode.l10n.t('Small'),
    medium: vscode.l10n.t('Medium'),
    large: vscode.l10n.t('Large'),
  };
  const def = defaultPreset();
  const items = PRESET_NAMES.map((p) => {
    const o = presetOptions(p);
    const n = paramCount(charConfig({ cell, layers: o.layers, hidden: o.hidden, emb: o.emb, vocab: ASSUMED_VOCAB }));
    return {
      label: labels[p],
      value: p,
      picked: p === def,
      description: vscode.l10n.t('≈{0} parameters', fmtCount(n)),
      detail: vscode.l10n.t(
        '{0} layer(s) × {1} hidden, embedding {2}, batch {3} × {4} chars',
        o.layers ?? 1,
        o.hidden ?? 0,
        o.emb ?? 0,
        o.batch ?? 0,
        o.seq ?? 0,
      ),
    };
  });
  items.sort((x, y) => (y.value === def ? 1 : 0) - (x.value === def ? 1 : 0));
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Train: choose a size (2/4) — parameter counts assume ~{0} distinct characters', ASSUMED_VOCAB),
  });
  return pick?.value;
}

export async function pickBudget(): Promise<Partial<Budget> | undefined> {
  const items: (vscode.QuickPickItem & { budget: Partial<Budget> })[] = [
    ...[1, 5, 15, 60].map((m) => ({ label: vscode.l10n.t('{0} min', m), budget: { steps: 0, minutes: m } })),
    {
      label: vscode.l10n.t('Until validation stops improving'),
      description: vscode.l10n.t('early stopping; stop it any time'),
      budget: { steps: 0, minutes: 0, patience: 5 },
    },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Train: choose a time budget (3/4)') });
  return pick?.budget;
}
