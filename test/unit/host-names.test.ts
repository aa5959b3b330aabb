import * as assert from 'node:assert/strict';
import { sanitizeModelName, uniqueName } from '../../src/host/names';
import { forecastModelName } from '../../src/protocol/model';

describe('model names (host/names)', () => {
  it('replaces path separators, reserved and control characters; keeps Unicode letters', () => {
    assert.equal(sanitizeModelName('my/model:v1'), 'my-model-v1');
    assert.equal(sanitizeModelName('唐诗 模型'), '唐诗 模型');
    assert.equal(sanitizeModelName('a\u0000b\tc'), 'a-b-c');
    assert.equal(sanitizeModelName('  ..hidden.  '), 'hidden');
    assert.equal(sanitizeModelName('../../etc'), 'etc');
  });
  it('never returns an empty or reserved name, and caps the length', () => {
    assert.equal(sanitizeModelName('///'), 'model');
    assert.equal(sanitizeModelName(''), 'model');
    assert.equal(sanitizeModelName('CON'), '_CON');
    assert.equal(sanitizeModelName('x'.repeat(200)).length, 64);
  });
  it('uniqueName appends -2, -3… until free', () => {
    const taken = new Set(['a', 'a-2']);
    assert.equal(
      uniqueName('a', (n) => taken.has(n)),
      'a-3',
    );
    assert.equal(
      uniqueName('b', (n) => taken.has(n)),
      'b',
    );
  });
});

describe('forecasting model names', () => {
  it('name the file, the target unless the file is named after it, and the cell', () => {
    assert.equal(forecastModelName('/data/sales.csv', ['sales'], 'lstm'), 'sales-lstm');
    assert.equal(forecastModelName('C:\\data\\Sales.CSV', ['sales'], 'gru'), 'Sales-gru');
    assert.equal(forecastModelName('shop.csv', ['sales', 'visits'], 'lstm'), 'shop-sales+visits-lstm');
    assert.equal(forecastModelName('my data.csv', ['y (€)'], 'lstm'), 'my_data-y_-lstm');
  });
});
