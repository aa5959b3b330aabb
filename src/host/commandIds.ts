/**
 * Every command id of the extension, in one place (test/unit/command-ids.test.ts checks them against package.json's
 * contributes.commands, both ways). Grouped by the module that registers them.
 */
export const COMMANDS = {
  trainCurrentFile: 'seqlab.trainCurrentFile',
  trainSelection: 'seqlab.trainSelection',
  train: 'seqlab.train',
  trainFromExplorer: 'seqlab.trainFromExplorer',
  runRecipe: 'seqlab.runRecipe',
  stopTraining: 'seqlab.stopTraining',
  continueTraining: 'seqlab.continueTraining',
  deleteModel: 'seqlab.deleteModel',
  renameModel: 'seqlab.renameModel',
  revealModel: 'seqlab.revealModel',
  refreshModels: 'seqlab.refreshModels',
  exportOnnx: 'seqlab.exportOnnx',
  importOnnx: 'seqlab.importOnnx',
  exportPytorchScript: 'seqlab.exportPytorchScript',
  showLog: 'seqlab.showLog',
} as const;

/** the webview panels (host/panels/index.ts) */
export const PANEL_COMMANDS = {
  openDashboard: 'seqlab.openDashboard',
  generateText: 'seqlab.generateText',
  showHiddenStates: 'seqlab.showHiddenStates',
} as const;

/** CSV forecasting (host/forecast/) */
export const FORECAST_COMMANDS = {
  forecastCsv: 'seqlab.forecastCsv',
  openForecast: 'seqlab.openForecast',
} as const;

/** autocomplete (host/completion/) */
export const COMPLETION_COMMANDS = {
  useModel: 'seqlab.useModelForAutocomplete',
  toggle: 'seqlab.toggleAutocomplete',
  showStats: 'seqlab.showAutocompleteStatistics',
  train: 'seqlab.trainAutocompleteModel',
  menu: 'seqlab.completion.menu',
  /** run by an accepted inline completion (its `command`), with the number of characters accepted */
  accepted: 'seqlab.completion.accepted',
  snooze: 'seqlab.completion.snooze',
  state: 'seqlab.completion.state',
  /** ask for a suggestion now (the only way in manual mode) */
  trigger: 'seqlab.completion.trigger',
  /** accept the next line of a multi-line suggestion */
  acceptLine: 'seqlab.completion.acceptLine',
} as const;

export const ALL_COMMAND_IDS: string[] = [COMMANDS, PANEL_COMMANDS, FORECAST_COMMANDS, COMPLETION_COMMANDS].flatMap((g) => Object.values(g));
