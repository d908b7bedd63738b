// @ts-check
// The layer table of ARCHITECTURE.md ("Layers"), checked by `npm run lint:deps`.
// To change a rule, change that table and this file in the same commit.
//
// Every rule is named `<layer>-<what it broke>`, so a violation says which layer broke which rule.
// Type-only imports count (tsPreCompilationDeps): a type from another layer is still a dependency.

/** Each layer: the src/ folders it may import, and whether it may import node built-ins / npm packages / vscode. */
const LAYERS = {
  trace: { may: ['trace'], node: false, npm: false, vscode: false },
  runtime: { may: ['runtime', 'trace'], node: true, npm: false, vscode: false },
  shared: { may: ['shared', 'trace'], node: false, npm: false, vscode: false },
  analysis: { may: ['analysis', 'trace', 'shared'], node: false, npm: false, vscode: false },
  harness: { may: ['harness', 'runtime', 'trace', 'shared'], node: true, npm: true, vscode: false },
  export: { may: ['export', 'trace', 'analysis', 'shared'], node: true, npm: false, vscode: false },
  // cli/ and extension/ run in Node (ARCHITECTURE.md, "runs in"): node built-ins are allowed; npm packages are not.
  cli: { may: ['cli', 'harness', 'analysis', 'trace', 'shared', 'export'], node: true, npm: false, vscode: false },
  // webview/ is a browser app: no node built-ins, no vscode, no npm packages (its bundle is built from src only).
  webview: { may: ['webview', 'analysis', 'trace', 'shared'], node: false, npm: false, vscode: false },
  extension: { may: ['extension', 'harness', 'analysis', 'trace', 'shared', 'export'], node: true, npm: false, vscode: true },
};

/** Folders that only their own files may import. */
const PRIVATE = ['cli', 'extension', 'webview'];

const NPM_TYPES = ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'];
// `vscode` has no runtime package (only @types/vscode); match it however it resolves.
const VSCODE = '^vscode$|(^|/)node_modules/@types/vscode/';

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const forbidden = [];

for (const [layer, allowed] of Object.entries(LAYERS)) {
  const from = { path: `^src/${layer}/` };
  const privateOthers = PRIVATE.filter((p) => p !== layer);
  forbidden.push({
    name: `${layer}-may-import-only-${allowed.may.join('-')}`,
    comment: `src/${layer}/ may import only ${allowed.may.map((m) => `${m}/`).join(', ')} of src/ (ARCHITECTURE.md, Layers).`,
    severity: 'error',
    from,
    // cli/, extension/ and webview/ as targets are reported by the `${layer}-imports-<private>` rules below.
    to: { path: '^src/', pathNot: [`^src/(${allowed.may.join('|')})/`, `^src/(${privateOthers.join('|')})/`] },
  });
  for (const p of privateOthers) {
    forbidden.push({
      name: `${layer}-imports-${p}`,
      comment: `Nothing outside src/${p}/ may import src/${p}/.`,
      severity: 'error',
      from,
      to: { path: `^src/${p}/` },
    });
  }
  if (!allowed.node) {
    forbidden.push({
      name: `${layer}-imports-node-builtin`,
      comment: `src/${layer}/ is pure (or runs in the browser): no node built-ins.`,
      severity: 'error',
      from,
      to: { dependencyTypes: ['core'] },
    });
  }
  if (!allowed.npm) {
    forbidden.push({
      name: `${layer}-imports-npm-package`,
      comment: `src/${layer}/ may not import npm packages (only harness/ may).`,
      severity: 'error',
      from,
      to: { dependencyTypes: NPM_TYPES, pathNot: VSCODE },
    });
  }
  if (!allowed.vscode) {
    forbidden.push({
      name: `${layer}-imports-vscode`,
      comment: `Only src/extension/ may import vscode.`,
      severity: 'error',
      from,
      to: { path: VSCODE },
    });
  }
}

forbidden.push(
  {
    name: 'src-imports-test-or-bench',
    comment: 'test/ and bench/ may import anything, but nothing in src/ may import test/ or bench/.',
    severity: 'error',
    from: { path: '^src/' },
    to: { path: '^(test|bench)/' },
  },
  {
    name: 'src-imports-file-outside-src',
    comment:
      'src/ imports only src/, node built-ins and packages (as its layer allows): never a file elsewhere in the repository (dist/, esbuild.js, media/ …).',
    severity: 'error',
    from: { path: '^src/' },
    to: { pathNot: ['^src/', '^(test|bench)/', '(^|/)node_modules/'], dependencyTypesNot: ['core'], couldNotResolve: false },
  },
  {
    name: 'src-file-outside-any-layer',
    comment: 'Every module under src/ belongs to a layer folder of ARCHITECTURE.md; a new folder needs a row there and here.',
    severity: 'error',
    from: { path: '^src/', pathNot: `^src/(${Object.keys(LAYERS).join('|')})/` },
    to: {},
  },
  {
    name: 'src-imports-unresolvable',
    comment: 'An import that does not resolve (typo, missing package) is never right.',
    severity: 'error',
    from: { path: '^src/' },
    to: { couldNotResolve: true },
  },
  {
    name: 'no-circular',
    comment: 'Import cycles make layering and load order fragile. Warn for now (existing cycles are listed by lint:deps).',
    severity: 'warn',
    from: { path: '^src/' },
    to: { circular: true },
  },
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      // Without .js: tsconfig.json has `paths` but no baseUrl, and dependency-cruiser then gives the paths
      // plugin a baseUrl of './', so a bare `esbuild` would resolve to the build script ./esbuild.js instead
      // of node_modules/esbuild. src/ holds only .ts; packages resolve through their manifests' full file names.
      extensions: ['.ts', '.d.ts', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
