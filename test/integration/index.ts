/**
 * Integration-suite entry, loaded by VS Code's extension host as `extensionTestsPath` (see scripts/run-integration.mjs,
 * and .vscode-test.mjs for @vscode/test-cli). Runs every out/integration/*.test.js.
 *
 * The files do not depend on each other or on an order: activation.test.js runs first (it is about a fresh extension
 * host: nothing may have activated the extension before it), and the others run in a shuffled order. The seed is
 * printed; SEQLAB_IT_SEED=<n> repeats an order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, slow: 5_000 });
  if (process.env.SEQLAB_IT_GREP) mocha.grep(process.env.SEQLAB_IT_GREP);
  // SEQLAB_IT_SUITE=restricted runs restricted/ (an untrusted workspace), =zh runs zh/ (display language zh-cn),
  // =nofolder runs nofolder/ (an empty window);
  // anything else runs the main suite
  const suite = process.env.SEQLAB_IT_SUITE;
  const dir = suite === 'restricted' || suite === 'zh' || suite === 'nofolder' ? path.join(__dirname, suite) : __dirname;
  const files = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.test.js'))
    .sort();
  const seed = Number(process.env.SEQLAB_IT_SEED) || Math.floor(Math.random() * 2 ** 31);
  const order = [
    ...files.filter((f) => f === 'activation.test.js'),
    ...shuffle(
      files.filter((f) => f !== 'activation.test.js'),
      seed,
    ),
  ];
  console.log(`integration files in this order (SEQLAB_IT_SEED=${seed}): ${order.join(', ')}`);
  for (const f of order) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed.`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}

/** Fisher–Yates with a small seeded generator (mulberry32), so an order can be repeated. */
function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
