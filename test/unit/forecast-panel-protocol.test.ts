/** The forecast panel's webview → host messages are validated before use (src/protocol/forecastPanel.ts). */
import assert from 'node:assert/strict';
import { validateFromForecastWebview } from '../../src/protocol/forecastPanel';

describe('forecast panel messages', () => {
  it('accepts the three message kinds', () => {
    assert.deepEqual(validateFromForecastWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(validateFromForecastWebview({ type: 'forecastNext', steps: 24, extra: 1 }), { type: 'forecastNext', steps: 24 });
    assert.deepEqual(validateFromForecastWebview({ type: 'openFile', path: '/x/y.forecast.csv' }), { type: 'openFile', path: '/x/y.forecast.csv' });
  });
  it('refuses anything else', () => {
    for (const bad of [null, 1, 'ready', {}, { type: 'nope' }, { type: 'forecastNext' }, { type: 'forecastNext', steps: 0 }, { type: 'forecastNext', steps: 2.5 },
      { type: 'forecastNext', steps: '3' }, { type: 'forecastNext', steps: 10001 }, { type: 'openFile', path: '' }, { type: 'openFile', path: 3 }]) {
      assert.throws(() => validateFromForecastWebview(bad), Error, JSON.stringify(bad));
    }
    assert.throws(() => validateFromForecastWebview({ type: 'forecastNext', steps: 50 }, 40), /1 to 40/);
  });
});
