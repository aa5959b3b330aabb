/**
 * Writing forecasts: a new CSV beside the input, never overwriting a file ("x.csv" -> "x.forecast.csv",
 * then "x.forecast-2.csv", ...), created with the exclusive 'wx' flag so a race cannot overwrite either.
 */
import * as fs from 'fs';
import * as path from 'path';
import Papa from 'papaparse';
import type { TimeKind } from './columns';
import { formatTime } from './time';

export interface ForecastTable {
  /** name of the time column in the output ('step' when the series had none) */
  timeColumn: string;
  timeKind: TimeKind;
  /** time value per forecast row (epoch ms for dates; see futureTimes) */
  times: ArrayLike<number>;
  /** target names, one column each */
  targets: string[];
  /** (rows, K) forecasts in original units */
  values: ArrayLike<number>;
  /** optional interval bounds (rows, K), written as "<target> lower" / "<target> upper" */
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
}

/** the CSV text of a forecast table (header + one row per time step; numbers with up to 6 significant decimals) */
export function forecastCsvText(t: ForecastTable): string {
  const K = t.targets.length;
  const header = [t.timeColumn];
  for (const name of t.targets) {
    header.push(name);
    if (t.lower && t.upper) header.push(`${name} lower`, `${name} upper`);
  }
  const rows: string[][] = [];
  for (let i = 0; i < t.times.length; i++) {
    const row = [formatTime(t.times[i]!, t.timeKind)];
    for (let k = 0; k < K; k++) {
      row.push(num(t.values[i * K + k]!));
      if (t.lower && t.upper) row.push(num(t.lower[i * K + k]!), num(t.upper[i * K + k]!));
    }
    rows.push(row);
  }
  return Papa.unparse({ fields: header, data: rows }, { newline: '\n' }) + '\n';
}

/** writes the forecast beside `inputFile` under a name that does not exist yet; returns the path written */
export function writeForecastCsv(inputFile: string, t: ForecastTable): string {
  const dir = path.dirname(inputFile);
  const base = path.basename(inputFile).replace(/\.(csv|tsv|txt)$/i, '');
  const text = forecastCsvText(t);
  for (let i = 1; i < 10000; i++) {
    const file = path.join(dir, `${base}.forecast${i === 1 ? '' : `-${i}`}.csv`);
    try {
      fs.writeFileSync(file, text, { flag: 'wx' });
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`Could not find a free file name for the forecast next to ${inputFile}.`);
}

function num(x: number): string {
  if (!Number.isFinite(x)) return '';
  return String(Number(x.toPrecision(10)));
}
