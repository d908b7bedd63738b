// Mocha in the real (Node) extension host of code-server: loaded by the workbench from the
// payload's extensionTestsPath (see test/vscode/run.mjs). Plain CommonJS: nothing compiles it.
const path = require('node:path');
const Mocha = require('mocha');

exports.run = function run() {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'extension.test.cjs'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host tests failed`)) : resolve()));
  });
};
