/** The forecast panel's webview → host requests are validated before use (src/protocol/webview.ts, like every panel's). */
import assert from 'node:assert/strict';
import { MAX_FORECAST_STEPS, validateFromWebview } from '../../src/protocol/webview';

const req = (method: string, params: unknown) => ({ kind: 'req', id: 1, method, params });

describe('forecast panel messages', () => {
  it('accepts its three requests', () => {
    assert.deepEqual(validateFromWebview('forecast', req('forecast/ready', {})), req('forecast/ready', {}));
    assert.deepEqual(validateFromWebview('forecast', req('forecast/next', { steps: 24 })), req('forecast/next', { steps: 24 }));
    assert.deepEqual(validateFromWebview('forecast', req('forecast/next', { steps: 3, method: 'ETS' })), req('forecast/next', { steps: 3, method: 'ETS' }));
    assert.throws(() => validateFromWebview('forecast', req('forecast/next', { steps: 3, method: 'arima' })), /method/);
    assert.deepEqual(
      validateFromWebview('forecast', req('forecast/openFile', { path: '/x/y.forecast.csv' })),
      req('forecast/openFile', { path: '/x/y.forecast.csv' }),
    );
  });
  it('refuses anything else', () => {
    for (const bad of [
      null,
      1,
      'ready',
      {},
      { kind: 'evt', method: 'forecast/ready' },
      req('forecast/nope', {}),
      req('forecast/next', {}),
      req('forecast/next', { steps: 0 }),
      req('forecast/next', { steps: 2.5 }),
      req('forecast/next', { steps: '3' }),
      req('forecast/next', { steps: MAX_FORECAST_STEPS + 1 }),
      req('forecast/next', { steps: 3, extra: 1 }),
      req('forecast/openFile', { path: 3 }),
      req('dashboard/stop', { runId: 'x' }),
    ]) {
      assert.throws(() => validateFromWebview('forecast', bad), Error, JSON.stringify(bad));
    }
  });
});
