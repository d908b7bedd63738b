// The harness, run in a plain Node process for the conformance suite (see helpers.ts).
//
// Why a separate process: under mocha the test process loads tsx, which resolves bare imports
// through tsconfig's `baseUrl: "."`, so dist/harness.js's `require('esbuild')` would load the
// repository's build script esbuild.js instead of the esbuild package; and every worker the
// harness starts would inherit `--import tsx`. Here, dist/harness.js runs as the CLI runs it.
//
// Protocol (IPC, advanced serialization): { id, options } in; { id, result } or { id, error } out.
// The trace's event bytes are dropped: the suite asserts on the header, outcome and errors.
'use strict';
const path = require('node:path');
const { run } = require(path.resolve(__dirname, '..', '..', 'dist', 'harness.js'));

process.on('message', async ({ id, options }) => {
  try {
    const result = await run(options);
    result.trace = { header: result.trace.header, events: [] };
    process.send({ id, result });
  } catch (error) {
    process.send({ id, error: String(error && error.stack ? error.stack : error) });
  }
});

// Never outlive the test process.
process.on('disconnect', () => process.exit(0));
