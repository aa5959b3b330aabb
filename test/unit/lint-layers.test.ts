/**
 * The layer rules are real: probe files that break them must fail lint (eslint/layers.mjs, eslint.config.mjs), and
 * the same imports in the layer that may make them must pass. The probes are linted in memory at the paths they would
 * have in src/; nothing is written.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..');

describe('layer rules (lint)', function () {
  this.timeout(120000);
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (file: string, code: string) => {
    const [r] = await eslint.lintText(`${code}\nexport const probe = 1;\n`, { filePath: join(ROOT, file) });
    return r!.messages.filter((m) => m.ruleId === 'layers/imports' || m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals');
  };
  const fails: [string, string, RegExp][] = [
    ['src/engine/probe.ts', "import { Vocab } from '../data/vocab'; void Vocab;", /engine\/ may import engine; not data\//],
    ['src/engine/probe.ts', "import { OnnxModel } from '../onnx/runtime'; void OnnxModel;", /not onnx\//],
    ['src/engine/probe.ts', "import { readFile } from 'node:fs/promises'; void readFile;", /engine\/ may not import Node's 'node:fs\/promises'/],
    ['src/engine/wasm/probe.ts', "import { Vocab } from '../../data/vocab'; void Vocab;", /not data\//],
    ['src/data/probe.ts', "import { OnnxModel } from '../onnx/runtime'; void OnnxModel;", /data\/ may import engine, protocol, data; not onnx\//],
    ['src/protocol/probe.ts', "import { OnnxModel } from '../onnx/runtime'; void OnnxModel;", /not onnx\//],
    ['src/protocol/probe.ts', "import { Worker } from 'node:worker_threads'; void Worker;", /protocol\/ may not import Node's/],
    ['src/webview/dashboard/probe.ts', "import * as path from 'path'; void path;", /webview\/ may not import Node's 'path'/],
    ['src/webview/dashboard/probe.ts', "import * as path from 'node:path'; void path;", /webview\/ may not import Node's 'node:path'/],
    ['src/webview/dashboard/probe.ts', "import { Model } from '../../engine/model'; void Model;", /webview\/ may import protocol, webview; not engine\//],
    ['src/onnx/probe.ts', "import * as ort from 'onnxruntime-node'; void ort;", /the package 'onnxruntime-node'/],
    ['src/worker/probe.ts', "import * as vscode from 'vscode'; void vscode;", /the package 'vscode'/],
    ['src/data/probe.ts', "import { x } from '../host/commands'; void x;", /not host\//],
    ['src/host/probe.ts', "import { x } from '../webview/shared/colors'; void x;", /not webview\//],
    ['src/worker/probe.ts', 'const f = () => document.title; void f;', /document/],
    ['src/cli/probe.ts', "import * as vscode from 'vscode'; void vscode;", /cli\/ may not import the package 'vscode'/],
    ['src/cli/probe.ts', "import { x } from '../host/commands'; void x;", /cli\/ may import .*; not host\//],
    ['src/misc/probe.ts', 'export const y = 2;', /src\/misc\/ is not a layer/],
  ];
  for (const [file, code, re] of fails) {
    it(`${file}: ${code.split(';')[0]} fails lint`, async () => {
      const msgs = await lint(file, code);
      assert.ok(
        msgs.some((m) => re.test(m.message)),
        `expected a layer error matching ${re}; got ${JSON.stringify(msgs.map((m) => m.message))}`,
      );
    });
  }
  const passes: [string, string][] = [
    ['src/engine/probe.ts', "import { Model } from './model'; void Model;"],
    ['src/data/probe.ts', "import { Model } from '../engine/model'; import * as fs from 'node:fs'; void Model; void fs;"],
    ['src/onnx/runtime.ts', "import type * as Ort from 'onnxruntime-node'; export type X = Ort.Tensor;"],
    ['src/host/probe.ts', "import * as vscode from 'vscode'; import { Vocab } from '../data/vocab'; void vscode; void Vocab;"],
    ['src/webview/dashboard/probe.ts', "import { FROM_WEBVIEW } from '../../protocol/webview'; void FROM_WEBVIEW;"],
    ['src/cli/probe.ts', "import { Command } from 'commander'; import { TrainingWorker } from '../worker/client'; void Command; void TrainingWorker;"],
  ];
  for (const [file, code] of passes) {
    it(`${file}: ${code.split(';')[0]} passes`, async () => {
      assert.deepEqual(
        (await lint(file, code)).map((m) => m.message),
        [],
      );
    });
  }
});
