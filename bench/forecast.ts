/**
 * bench:forecast — the forecasting flow on real public time series from the `vega-datasets` npm package
 * (a dev dependency): for each series, train with the same defaults as `seqlab forecast train` (early stopping on
 * validation loss) and print the test RMSE of the model next to every baseline (persistence, seasonal naive,
 * training mean), in the series' own units, plus the model's ratio to persistence (the anchor of the same run).
 *
 *   npm run bench:forecast [-- --only co2] [-- --cell gru] [-- --json]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createControl, type ForecastReport } from '../src/protocol/worker';
import { fmt, runForecastTraining } from '../src/worker/forecast';

interface Case {
  id: string;
  file: string;
  target: string;
  window: number;
  what: string;
}

const CASES: Case[] = [
  { id: 'co2', file: 'co2-concentration.csv', target: 'CO2', window: 24, what: 'Mauna Loa CO2, monthly ppm, 1958–2020' },
  { id: 'seattle', file: 'seattle-weather.csv', target: 'temp_max', window: 28, what: 'Seattle daily max temperature °C, 2012–2015' },
  { id: 'sp500', file: 'sp500.csv', target: 'price', window: 12, what: 'S&P 500 monthly close, 2000–2010' },
  { id: 'global-temp', file: 'global-temp.csv', target: 'temp', window: 10, what: 'global temperature anomaly °C, yearly 1880–2023' },
];

function dataDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(join(dirname(require.resolve('vega-datasets')), '..', 'data'));
  } catch {
    /* exports may hide it */
  }
  candidates.push(join(process.cwd(), 'node_modules', 'vega-datasets', 'data'), join(__dirname, '..', '..', 'node_modules', 'vega-datasets', 'data'));
  const d = candidates.find((c) => existsSync(join(c, 'co2-concentration.csv')));
  if (!d) throw new Error('vega-datasets is not installed (it is a dev dependency: npm ci)');
  return d;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const cell = (args.includes('--cell') ? args[args.indexOf('--cell') + 1] : 'lstm') as 'lstm' | 'gru';
  const json = args.includes('--json');
  const data = dataDir();
  const out = mkdtempSync(join(tmpdir(), 'seqlab-bench-forecast-'));
  const rows: { c: Case; r: ForecastReport; steps: number; sec: number; reason: string }[] = [];
  try {
    for (const c of CASES.filter((x) => !only || x.id === only)) {
      const t0 = Date.now();
      process.stderr.write(`${c.id}: ${c.what} … `);
      const res = await runForecastTraining({
        jobId: c.id,
        file: join(data, c.file),
        outDir: join(out, c.id),
        name: c.id,
        control: createControl(),
        targets: [c.target],
        features: [],
        window: c.window,
        cell,
      });
      const sec = (Date.now() - t0) / 1000;
      process.stderr.write(`${res.steps} steps, ${sec.toFixed(0)} s (${res.stopReason})\n`);
      rows.push({ c, r: res.report, steps: res.steps, sec, reason: res.stopReason });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  if (json) {
    process.stdout.write(
      JSON.stringify(
        rows.map(({ c, r, steps, sec }) => ({
          series: c.id,
          file: c.file,
          target: c.target,
          rows: r.rows,
          window: r.window,
          steps,
          seconds: sec,
          model: r.model.rmse,
          baselines: Object.fromEntries(r.baselines.map((b) => [b.name, b.metrics.rmse])),
          season: r.season,
          beats_persistence: r.beatsPersistence,
        })),
      ) + '\n',
    );
    return;
  }
  const table: string[][] = [
    ['series', 'rows', 'test n', `model (${cell.toUpperCase()})`, 'persistence', 'seasonal naive', 'training mean', 'model / persistence'],
  ];
  for (const { c, r } of rows) {
    const b = (n: string) => r.baselines.find((x) => x.name === n);
    const sn = b('seasonal naive');
    table.push([
      `${c.id} (${c.target})`,
      String(r.rows),
      String(r.model.count),
      fmt(r.model.rmse),
      fmt(b('persistence')!.metrics.rmse),
      sn ? `${fmt(sn.metrics.rmse)} (s=${sn.period})` : '– (no season)',
      fmt(b('training mean')!.metrics.rmse),
      (r.model.rmse / b('persistence')!.metrics.rmse).toFixed(3),
    ]);
  }
  const w = table[0]!.map((_, i) => Math.max(...table.map((x) => x[i]!.length)));
  const line = (x: string[]) => `| ${x.map((v, i) => v.padEnd(w[i]!)).join(' | ')} |`;
  process.stdout.write(`Test RMSE (last 10% of each series, original units; one-step-ahead, window per series, early stopping on validation loss)\n\n`);
  process.stdout.write([line(table[0]!), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...table.slice(1).map(line)].join('\n') + '\n\n');
  for (const { c, r } of rows) process.stdout.write(`${c.id}: ${r.verdict}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:forecast failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
