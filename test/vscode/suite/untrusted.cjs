// Mocha in the extension host of a code-server with Workspace Trust on and the folder untrusted
// (see test/vscode/run.mjs): Threadlanes must refuse to run a snippet, and say why.
const path = require('node:path');
const Mocha = require('mocha');

exports.run = function run() {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'untrusted.test.cjs'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host tests failed`)) : resolve()));
  });
};
