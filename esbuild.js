// Builds every entry point into dist/. Type-checking is separate: `npm run typecheck`.
//   node esbuild.js               development build (source maps)
//   node esbuild.js --production  minified, for the .vsix
//   node esbuild.js --watch       rebuild on change
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Node-side entry points. The runtime is its own file: snippets and workers share one copy of it. */
const nodeEntries = {
  cli: 'src/cli/main.ts',
  runtime: 'src/runtime/index.ts',
  worker: 'src/harness/worker.ts',
  harness: 'src/harness/index.ts',
  // The VS Code extension (vscode is external) and the child process it runs snippets in.
  extension: 'src/extension/extension.ts',
  'harness-runner': 'src/extension/runner/child.ts',
};

async function main() {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    // esbuild ships a native binary: keep it a runtime dependency, never bundled.
    external: ['vscode', 'esbuild'],
  };
  const builds = Object.entries(nodeEntries).map(([name, entry]) =>
    esbuild.context({
      ...common,
      entryPoints: { [name]: entry },
      outdir: 'dist',
      // The worker loads the runtime from dist/runtime.js so a snippet and its worker share one instance.
      plugins: name === 'worker' ? [runtimeExternal] : [],
      banner: name === 'cli' ? { js: '#!/usr/bin/env node' } : undefined,
    }),
  );
  // The panel app: a browser bundle (iife) and its stylesheet, always minified because the
  // HTML report (src/export/html.ts) inlines both; the VS Code webview loads them from dist/.
  builds.push(
    esbuild.context({
      bundle: true,
      platform: 'browser',
      target: ['chrome110', 'firefox115', 'safari16'],
      format: 'iife',
      minify: true,
      sourcemap: production ? false : 'external',
      logLevel: 'warning',
      entryPoints: [
        { in: 'src/webview/main.ts', out: 'webview' },
        { in: 'media/webview.css', out: 'webview' },
      ],
      outdir: 'dist',
    }),
  );
  const contexts = await Promise.all(builds);
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

/** Resolve imports of the runtime module (from the worker) to ./runtime.js at run time. */
const runtimeExternal = {
  name: 'runtime-external',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/runtime(\/index)?$/ }, () => ({ path: './runtime.js', external: true }));
  },
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
