import { runSnippet as inProcess } from '/work/main/test/helpers';
import { runSnippet as child } from '/work/main/test/conformance/helpers';
const SRC = `import { Thread, Lock } from "threadlanes";
const lock = new Lock();
function w() { lock.withLock(() => console.log("x")); }
export function main() { const ts = [1,2,3,4].map(() => new Thread({ target: w })); ts.forEach(t => t.start()); ts.forEach(t => t.join()); }`;
describe('cmp', () => {
  it('child', async () => { await child(SRC); const t0 = Date.now(); for (let i = 0; i < 10; i++) { const r = await child(SRC, { bare: true }); if (r.result.outcome !== 'completed') throw new Error(r.result.outcome); } console.log('child', (Date.now() - t0) / 10); });
  it('in-process', async () => { await inProcess(SRC); const t0 = Date.now(); for (let i = 0; i < 10; i++) { const r = await inProcess(SRC); if (r.result.outcome !== 'completed') throw new Error(r.result.outcome); } console.log('inproc', (Date.now() - t0) / 10); });
});
