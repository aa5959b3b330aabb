/**
 * The training worker (dist/worker.js): a worker_threads entry that runs one training job per request.
 * The loop is synchronous; progress goes out as events while it runs, and stopping comes in through the
 * request's shared control word.
 */
import { parentPort } from 'node:worker_threads';
import { Rpc } from '../protocol/rpc';
import { stopRequested, type WorkerEvents, type WorkerRequests } from '../protocol/worker';
import { pickKernels } from './kernels';
import { runForecastTraining } from './forecast';
import { continueForecast, inspectForecastCsv, isForecastCheckpoint, predictForecast } from './forecastPredict';
import { runTraining } from './run';

if (!parentPort) throw new Error('worker.js must run as a worker thread');
const port = parentPort;
const rpc = new Rpc<Record<string, never>, WorkerEvents, WorkerRequests, Record<string, never>>(port);
port.on('message', (m) => rpc.receive(m));

rpc.handle('train/start', (req) => {
  const log = (level: 'info' | 'warn' | 'error', message: string) => rpc.notify('train/log', { jobId: req.jobId, level, message });
  const kernels = pickKernels((m) => log('warn', m), req.threads ?? 1);
  // "Continue Training" on a CSV forecaster resumes its forecasting run
  if (req.resume && isForecastCheckpoint(req.resume.from))
    return continueForecast(req, { kernels, log, progress: (p) => rpc.notify('train/progress', p), shouldStop: () => stopRequested(req.control) });
  return runTraining(req, {
    kernels,
    log,
    progress: (p) => rpc.notify('train/progress', p),
    sample: (step, text) => rpc.notify('train/sample', { jobId: req.jobId, step, text }),
    shouldStop: () => stopRequested(req.control),
  });
});

rpc.handle('forecast/train', (req) => {
  const log = (level: 'info' | 'warn' | 'error', message: string) => rpc.notify('train/log', { jobId: req.jobId, level, message });
  return runForecastTraining(req, {
    kernels: pickKernels((m) => log('warn', m)),
    log,
    progress: (p) => rpc.notify('train/progress', p),
    shouldStop: () => stopRequested(req.control),
  });
});
rpc.handle('forecast/predict', (req) => predictForecast(req));
rpc.handle('forecast/inspect', (req) => inspectForecastCsv(req.file, req.wide));
