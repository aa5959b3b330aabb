/**
 * CSV time-series pipeline (the data half). Typical use:
 *
 *   const table = parseCsvFile(file);                       // or parseCsvText(text); streams, bounded memory
 *   const plan = inspectColumns(table);                     // time column, numeric columns, excluded + reasons, defaults
 *   groupColumns(table);                                    // long-format files: columns to filter one series on
 *   const series = buildSeries(table, { targets, features, fill: 'interpolate', filter });
 *   const fd = prepareForecast(series, { window: 24, horizon: 1 });   // 70/20/10, train-only z-score, relative windows
 *   const train = new WindowBatcher(fd.train, B, true, seed);         // engine BatchSource: x (W,B,F), y (W,B,O) last step
 *   const val = new WindowBatcher(fd.val, B, false);                  // Trainer(..., { lastOnly: true, stateful: false })
 *   const base = evaluateBaselines(fd);                     // persistence, drift, seasonal naive, training mean on test (MAE, RMSE, MAPE, sMAPE, MASE)
 *   const model = scoreForecast(fd.test.toOriginal(predTest), actualY(fd, fd.test), fd.K);
 *   compareWithBaselines(model.metrics, base).summary;      // says plainly when persistence is not beaten
 *   const spec = forecastSpec(fd);                          // JSON: store in the model; inferenceInput(table, spec) later
 *   writeForecastCsv(file, { ... futureTimes(series, N) ... });        // never overwrites
 */
export * from './cells';
export * from './detect';
export * from './parse';
export * from './columns';
export * from './prepare';
export * from './time';
export * from './zscore';
export * from './baselines';
export * from './batcher';
export * from './output';
export * from './wide';
export * from './ets';
export * from './theta';
export { ETS_MAX_SEASON, FIT_MAX } from './statForecasts';
export { DataError, isDataError } from '../errors';
