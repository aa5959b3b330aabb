/**
 * bench:forecast — the forecasting flow on real public time series from the `vega-datasets` npm package
 * (a dev dependency) and generated ones with a known season: for each series, train an LSTM and a GRU with the
 * defaults of `seqlab forecast train` (early stopping on validation loss) and print the test MASE and sMAPE of both,
 * of every baseline (persistence, drift, seasonal naive, AutoETS, Theta) and of Auto (chosen on validation), the
 * season found against the true one, and the interval coverage. The baselines are the anchor of the same run.
 *
 *   npm run bench:forecast [-- --only co2] [-- --cell lstm] [-- --json]
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createControl, type ForecastReport } from '../src/protocol/worker';
import { runForecastTraining } from '../src/worker/forecast';

interface Case {
  id: string;
  file: string;
  target: string;
  window: number;
  what: string;
  /** generated series: the season they were made with */
  season?: number;
}

const CASES: Case[] = [
  { id: 'co2', file: 'co2-concentration.csv', target: 'CO2', window: 24, what: 'Mauna Loa CO2, monthly ppm, 1958–2020' },
  { id: 'seattle', file: 'seattle-weather.csv', target: 'temp_max', window: 28, what: 'Seattle daily max temperature °C, 2012–2015' },
  { id: 'sp500', file: 'sp500.csv', target: 'price', window: 12, what: 'S&P 500 monthly close, 2000–2010' },
  { id: 'global-temp', file: 'global-temp.csv', target: 'temp', window: 10, what: 'global temperature anomaly °C, yearly 1880–2023' },
  { id: 'seattle-hourly', file: 'seattle-weather-hourly-normals.csv', target: 'temperature', window: 48, what: 'Seattle hourly temperature normals °C, 2010' },
  { id: 'employment', file: 'us-employment.csv', target: 'nonfarm', window: 12, what: 'US nonfarm employment, monthly thousands, 2006–2015' },
  { id: 'github', file: 'github.csv', target: 'count', window: 48, what: 'GitHub commits per hour of one project, 2015' },
  { id: 'sp500-daily', file: 'sp500-2000.csv', target: 'close', window: 20, what: 'S&P 500 daily close (business days), 2000–2020' },
  { id: 'gen-monthly', file: 'gen-monthly.csv', target: 'y', window: 24, what: 'generated: monthly, season 12, trend, noise', season: 12 },
  { id: 'gen-daily', file: 'gen-daily.csv', target: 'y', window: 28, what: 'generated: daily, season 7, noise', season: 7 },
  { id: 'gen-quarterly', file: 'gen-quarterly.csv', target: 'y', window: 12, what: 'generated: quarterly, season 4, trend, noise', season: 4 },
];

/** the generated series: a season of known length, a trend and Gaussian noise (Box–Muller on a fixed LCG) */
function writeGenerated(dir: string): void {
  let seed = 12345;
  const u = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
  const noise = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const make = (name: string, n: number, m: number, trend: number, date: (i: number) => string) => {
    const rows = ['date,y'];
    for (let i = 0; i < n; i++)
      rows.push(`${date(i)},${(100 + trend * i + 10 * Math.sin((2 * Math.PI * i) / m) + 4 * Math.cos((4 * Math.PI * i) / m) + 2 * noise()).toFixed(3)}`);
    writeFileSync(join(dir, name), rows.join('\n') + '\n');
  };
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  make('gen-monthly.csv', 240, 12, 0.3, (i) => iso(new Date(Date.UTC(2000, i, 1))));
  make('gen-daily.csv', 730, 7, 0, (i) => iso(new Date(Date.UTC(2020, 0, 1 + i))));
  make('gen-quarterly.csv', 120, 4, 0.5, (i) => `${1990 + Math.floor(i / 4)}-${String(1 + 3 * (i % 4)).padStart(2, '0')}-01`);
}

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

interface Row {
  c: Case;
  r: ForecastReport;
  gru?: ForecastReport;
  steps: number;
  sec: number;
}

async function train(c: Case, dir: string, out: string, cell: 'lstm' | 'gru') {
  return runForecastTraining({
    jobId: `${c.id}-${cell}`,
    file: join(dir, c.file),
    outDir: join(out, `${c.id}-${cell}`),
    name: c.id,
    control: createControl(),
    targets: [c.target],
    features: [],
    window: c.window,
    cell,
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const cells = (args.includes('--cell') ? args[args.indexOf('--cell') + 1]! : 'lstm,gru').split(',') as ('lstm' | 'gru')[];
  const json = args.includes('--json');
  const data = dataDir();
  const out = mkdtempSync(join(tmpdir(), 'seqlab-bench-forecast-'));
  writeGenerated(out);
  const rows: Row[] = [];
  try {
    for (const c of CASES.filter((x) => !only || x.id === only)) {
      const t0 = Date.now();
      process.stderr.write(`${c.id}: ${c.what} … `);
      const dir = c.season ? out : data;
      const res = await train(c, dir, out, cells[0]!);
      const gru = cells[1] ? (await train(c, dir, out, cells[1])).report : undefined;
      const sec = (Date.now() - t0) / 1000;
      process.stderr.write(`${res.steps} steps, ${sec.toFixed(0)} s (${res.stopReason})\n`);
      rows.push({ c, r: res.report, gru, steps: res.steps, sec });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  if (json) {
    process.stdout.write(
      JSON.stringify(
        rows.map(({ c, r, gru }) => ({
          series: c.id,
          rows: r.rows,
          frequency: r.frequency,
          season: r.season,
          true_season: c.season ?? null,
          model: r.model,
          gru: gru?.model ?? null,
          baselines: r.baselines,
          auto: r.auto,
          best: r.best,
          coverage: r.intervals.testCoverage,
        })),
      ) + '\n',
    );
    return;
  }
  printTable(rows, cells);
}

const m2 = (m: { mase?: number | null; smape?: number | null } | undefined) =>
  m ? `${m.mase == null ? '–' : m.mase.toFixed(3)} / ${m.smape == null ? '–' : m.smape.toFixed(2)}` : '–';

function printTable(rows: Row[], cells: string[]): void {
  const names = ['persistence', 'drift', 'seasonal naive', 'ETS', 'Theta'];
  const table: string[][] = [
    ['series', 'freq', 'season (true)', cells[0]!.toUpperCase(), ...(cells[1] ? [cells[1].toUpperCase()] : []), ...names, 'Auto (choice)', 'coverage'],
  ];
  for (const { c, r, gru } of rows) {
    const b = (n: string) => r.baselines.find((x) => x.name === n)?.metrics;
    table.push([
      c.id,
      r.frequency ?? '?',
      `${r.season?.period ?? 'none'}${c.season ? ` (${c.season})` : ''}`,
      m2(r.model),
      ...(cells[1] ? [m2(gru?.model)] : []),
      ...names.map((n) => m2(b(n))),
      `${m2(r.auto?.test)} (${r.auto?.choice ?? '?'})`,
      r.intervals.testCoverage === null ? '–' : `${(100 * r.intervals.testCoverage).toFixed(0)}%`,
    ]);
  }
  const w = table[0]!.map((_, i) => Math.max(...table.map((x) => x[i]!.length)));
  const line = (x: string[]) => `| ${x.map((v, i) => v.padEnd(w[i]!)).join(' | ')} |`;
  process.stdout.write(`Test MASE / sMAPE % (last 10% of each series; MASE scaled by the seasonal naive's in-sample MAE), nominal interval coverage 90%\n\n`);
  process.stdout.write([line(table[0]!), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...table.slice(1).map(line)].join('\n') + '\n\n');
  const autoVsEts = rows.filter(({ r }) => r.auto?.test.mase != null && r.baselines.find((x) => x.name === 'ETS')?.metrics.mase != null);
  const better = autoVsEts.filter(({ r }) => r.auto!.test.mase! < r.baselines.find((x) => x.name === 'ETS')!.metrics.mase!).length;
  const worse = autoVsEts.filter(({ r }) => r.auto!.test.mase! > r.baselines.find((x) => x.name === 'ETS')!.metrics.mase! + 1e-12).length;
  const found = rows.filter(({ c, r }) => c.season && r.season?.period === c.season).length;
  const cov = rows.map(({ r }) => r.intervals.testCoverage).filter((x): x is number => x !== null);
  process.stdout.write(`Auto against AutoETS (MASE): better on ${better}, worse on ${worse} of ${autoVsEts.length} series\n`);
  process.stdout.write(`season found on ${found} of ${rows.filter(({ c }) => c.season).length} generated series\n`);
  process.stdout.write(`mean interval coverage ${((100 * cov.reduce((a, x) => a + x, 0)) / (cov.length || 1)).toFixed(1)}% (nominal 90%)\n\n`);
  for (const { c, r } of rows) process.stdout.write(`${c.id}: ${r.verdict}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:forecast failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
