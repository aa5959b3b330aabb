/**
 * Integration-suite entry, loaded by VS Code's extension host as `extensionTestsPath` (see scripts/run-integration.mjs,
 * and .vscode-test.mjs for @vscode/test-cli). Runs every out/integration/*.test.js in name order.
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
  for (const f of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.test.js'))
    .sort())
    mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed.`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}
