// The layer rule (DEVELOPERS.md): each layer of src/ imports only the layers below it and the packages on its list.
//
// A small local rule rather than a plugin (eslint-plugin-boundaries, import/no-restricted-paths): those need an import
// resolver and a settings block to say the same thing, and their messages name patterns, not our layers. This one
// resolves each relative import against the importing file, finds the layer of both ends (the first folder under
// src/, or `top` for src/cli*.ts and src/extension.ts), and checks one table: ALLOW below.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** layer → the layers it may import, and the packages (name or name/ prefix); 'node' = Node's built-in modules */
export const ALLOW = {
  engine: { layers: ['engine'], packages: [] },
  protocol: { layers: ['engine', 'protocol'], packages: [] },
  data: { layers: ['engine', 'protocol', 'data'], packages: ['node', 'papaparse'] },
  onnx: { layers: ['engine', 'protocol', 'data', 'onnx'], packages: ['node', 'protobufjs'] },
  worker: { layers: ['engine', 'protocol', 'data', 'onnx', 'worker'], packages: ['node', 'ml-matrix', 'umap-js'] },
  host: { layers: ['engine', 'protocol', 'data', 'onnx', 'worker', 'host'], packages: ['node', 'vscode', 'ignore'] },
  webview: { layers: ['protocol', 'webview'], packages: ['uplot', '@vscode-elements/elements'] },
  cli: { layers: ['engine', 'protocol', 'data', 'onnx', 'worker', 'cli'], packages: ['node', 'commander', 'cli-progress'] },
  top: { layers: ['engine', 'protocol', 'data', 'onnx', 'worker', 'host', 'cli', 'top'], packages: ['node', 'vscode', 'commander', 'cli-progress'] },
};
/** files that may import one more package than their layer */
const EXTRA = { 'src/onnx/runtime.ts': ['onnxruntime-node'] };

function layerOf(root, file) {
  const rel = relative(resolve(root, 'src'), file).split(sep);
  if (rel[0] === '..' || rel.length === 0) return null;
  if (rel.length === 1) return 'top';
  return rel[0] in ALLOW ? rel[0] : `unknown:${rel[0]}`;
}

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

export const layersPlugin = {
  rules: {
    imports: {
      meta: { type: 'problem', schema: [], docs: { description: 'each layer of src/ imports only what its allow-list names' } },
      create(context) {
        const root = context.cwd;
        const file = context.filename;
        const from = layerOf(root, file);
        if (!from) return {};
        if (from.startsWith('unknown:')) {
          const folder = from.slice('unknown:'.length);
          const message = `src/${folder}/ is not a layer: add it to ALLOW in eslint/layers.mjs (and to DEVELOPERS.md, "Layers")`;
          return { Program: (node) => context.report({ node, message }) };
        }
        const allow = ALLOW[from];
        const extra = EXTRA[relative(root, file).split(sep).join('/')] ?? [];
        const check = (node, spec) => {
          if (typeof spec !== 'string') return;
          if (spec.startsWith('.')) {
            const to = layerOf(root, resolve(dirname(file), spec));
            if (to && !to.startsWith('unknown:') && !allow.layers.includes(to)) {
              context.report({ node, message: `${from}/ may import ${allow.layers.join(', ')}; not ${to}/ ('${spec}'). See DEVELOPERS.md, "Layers".` });
            }
            return;
          }
          const ok = NODE.has(spec) ? allow.packages.includes('node') : [...allow.packages, ...extra].includes(packageName(spec));
          if (!ok) {
            const what = NODE.has(spec) ? `Node's '${spec}'` : `the package '${packageName(spec)}'`;
            context.report({
              node,
              message: `${from}/ may not import ${what}; its packages: ${allow.packages.join(', ') || 'none'}. See DEVELOPERS.md, "Layers".`,
            });
          }
        };
        return {
          ImportDeclaration: (n) => check(n, n.source.value),
          ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
          ExportAllDeclaration: (n) => check(n, n.source.value),
          ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
          CallExpression: (n) => {
            if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments[0]?.type === 'Literal') check(n, n.arguments[0].value);
          },
        };
      },
    },
  },
};
