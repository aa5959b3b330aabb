/**
 * The `seqlab` CLI: the same engine and the same training worker as the extension. The commands live in cli/
 * (train, the model commands, forecast); this file builds the program and maps failures to exit codes:
 * wrong usage prints usage and exits 2; bad input prints one clear line and exits 1 (no stack traces).
 */
import { Command, CommanderError } from 'commander';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDataError } from './data/errors';
import { RemoteError } from './protocol/rpc';
import { isOnnxUserError, num, UsageError, UserError } from './cli/common';
import { addForecastCommands } from './cli/forecast';
import { addModelCommands, sample } from './cli/models';
import { addStatesCommand } from './cli/states';
import { addCompleteEvalCommand } from './cli/completeEval';
import { addTrainCommand, train } from './cli/train';

/** `npm start`: train a small LSTM for about a minute on TypeScript's own lib.*.d.ts, then print text. */
async function demo(o: { minutes: number; json?: boolean }): Promise<void> {
  let tsLib: string;
  try {
    tsLib = dirname(require.resolve('typescript/lib/lib.d.ts', { paths: [process.cwd(), __dirname] }));
  } catch {
    throw new UserError("the demo corpus (TypeScript's lib.*.d.ts, installed by `npm ci`) was not found");
  }
  const files = readdirSync(tsLib)
    .filter((f) => /^lib\.es20\d\d\.[a-z.]+\.d\.ts$|^lib\.es5\.d\.ts$|^lib\.dom\.d\.ts$/.test(f))
    .sort()
    .map((f) => join(tsLib, f));
  const out = join('.seqlab', 'models');
  process.stderr.write(
    `Sequence Lab demo: a 1-layer LSTM (hidden 128) learns to write TypeScript declarations from ${files.length} lib.*.d.ts files, for ${o.minutes} minute(s).\n`,
  );
  await train(
    files,
    { cell: 'lstm', minutes: o.minutes, out, name: 'demo-lstm', json: o.json },
    { hidden: 128, emb: 32, batch: 32, seq: 64, lr: 3e-3, evalEvery: 50, evalBatches: 10, sampleChars: 0 },
  );
  const dirs = readdirSync(out)
    .filter((d) => d.startsWith('demo-lstm'))
    .map((d) => join(out, d))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  process.stderr.write('\nGenerated text (temperature 0.7, primed with "interface "):\n\n');
  await sample(dirs[0], { prime: 'interface ', length: 600, temperature: 0.7, seed: 1, engine: 'onnx' });
}

export function buildProgram(): Command {
  const p = new Command('seqlab')
    .description('Sequence Lab: train and use char-level RNN / LSTM / GRU models')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  addTrainCommand(p);
  addModelCommands(p);
  addStatesCommand(p);
  addCompleteEvalCommand(p);
  p.command('demo')
    .description("train a small LSTM on TypeScript's lib files for about a minute, then generate text")
    .option('--minutes <x>', 'time budget', num('--minutes', 0.001), 1)
    .option('--json', 'JSON progress')
    .action((o: { minutes: number; json?: boolean }) => demo(o));
  addForecastCommands(p);
  return p;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      return 2;
    }
    if (e instanceof UsageError || typeof (e as { usage?: unknown })?.usage === 'string') {
      process.stderr.write(`seqlab: ${(e as Error).message}\nusage: ${(e as UsageError).usage}\n`);
      return 2;
    }
    if (
      e instanceof UserError ||
      isDataError(e) ||
      isOnnxUserError(e) ||
      (e instanceof RemoteError && e.code === 'user') ||
      (e as { userFacing?: boolean }).userFacing
    ) {
      process.stderr.write(`seqlab: ${(e as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`seqlab: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
