/**
 * CSV time-series pipeline (issue 7, data half). Typical use:
 *
 *   const table = parseCsvFile(file);                       // or parseCsvText(text)
 *   const plan = inspectColumns(table);                     // time column, numeric columns, excluded + reasons, defaults
 *   const series = buildSeries(table, { targets, features, fill: 'interpolate' });
 *   const fd = prepareForecast(series, { window: 24, horizon: 1 });   // 70/20/10, train-only z-score, windows
 *   fd.train.batch(idx, x, y);                              // x (W,B,F) time-major, y (B, horizon*K)
 *   const base = evaluateBaselines(fd);                     // persistence, seasonal naive, training mean on test
 *   const model = scoreForecast(denormalizeY(predTest, fd.stats, fd.K), actualY(fd, fd.test), fd.K);
 *   compareWithBaselines(model.metrics, base).summary;
 */
export * from './parse';
export * from './columns';
export * from './prepare';
export * from './baselines';
export * from './batcher';
export { DataError, isDataError } from '../errors';
