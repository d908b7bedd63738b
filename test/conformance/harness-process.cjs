// The harness, run in a plain Node process for the conformance suite (see helpers.ts).
//
// Why a separate process: under mocha the test process runs with `--import tsx`, and the
// Workers the harness starts inherit process.execArgv, so every thread of every snippet would load
// tsx first — measured ~1.6 s per small run instead of ~0.18 s. Here dist/harness.js runs as the
// CLI runs it, in plain Node.
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
