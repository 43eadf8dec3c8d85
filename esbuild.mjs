// Builds the extension client, the language server and the CLI into dist/,
// and copies the two WebAssembly files the parser needs and the ROS package index next to the
// server bundle (the index is read on first use, not bundled: parsing it at start-up would cost).
//   node esbuild.mjs               development build (source maps)
//   node esbuild.mjs --production  minified, no source maps (what the .vsix and the npm package ship)
//   node esbuild.mjs --watch       rebuild on change
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
// `npm pack` and `npm publish` run the `prepare` script after `prepack`: what they ship is built here,
// so it is built as for the .vsix (npm names the command it runs in npm_command).
const production = process.argv.includes('--production') || ['pack', 'publish'].includes(process.env.npm_command ?? '');
const watch = process.argv.includes('--watch');

/** The runtime and the grammar, and where each comes from (logged by the server at start). */
const wasmFiles = [
  { from: require.resolve('web-tree-sitter/tree-sitter.wasm'), to: 'dist/server/tree-sitter.wasm' },
  {
    from: require.resolve('@cursorless/tree-sitter-wasms/out/tree-sitter-nix.wasm'),
    to: 'dist/server/tree-sitter-nix.wasm',
  },
];

/** Data the server reads from beside its bundle. */
const dataFiles = [{ from: 'server/ros/ros-index.txt', to: 'dist/server/ros-index.txt' }];

function copyWasm() {
  mkdirSync('dist/server', { recursive: true });
  for (const { from, to } of [...wasmFiles, ...dataFiles]) {
    if (!existsSync(from)) throw new Error(`missing ${from}: run npm ci`);
    copyFileSync(from, to);
  }
}

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  plugins: [
    {
      // Take web-tree-sitter's CommonJS build: its ES module build needs import.meta, which a CJS bundle lacks.
      name: 'web-tree-sitter-cjs',
      setup(build) {
        build.onResolve({ filter: /^web-tree-sitter$/ }, () => ({ path: require.resolve('web-tree-sitter') }));
      },
    },
  ],
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // web-tree-sitter probes for these in the browser branch only.
  external: ['vscode', 'fs/promises', 'module'],
  define: { 'process.env.JETSON_NIX_PRODUCTION': JSON.stringify(production ? '1' : '') },
};

const builds = [
  { ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client/extension.js' },
  {
    ...common,
    entryPoints: {
      server: 'server/src/server.ts',
      cli: 'server/src/cli.ts',
      'check-worker': 'server/src/cli/check-worker.ts',
    },
    outdir: 'dist/server',
  },
];

copyWasm();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[watch] watching client/ and server/ for changes');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`built ${builds.length} bundles into ${path.resolve('dist')}${production ? ' (production)' : ''}`);
}
