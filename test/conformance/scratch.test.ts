import { runSnippet, describeRun } from './helpers';
describe('scratch', () => {
  it('using', async () => {
    const t0 = Date.now();
    const run = await runSnippet(`import { Lock, Thread } from "threadlanes";
const lock = new Lock();
function w() { emit({ inThread: lock.locked() }); }
export function main() {
  { using _h = lock.hold(); emit({ held: lock.locked() }); }
  emit({ after: lock.locked() });
  const t = new Thread({ target: w }); t.start(); t.join();
  emit({ s: String(lock), e: errorName(() => lock.acquire(true, 1e100)) });
}`);
    console.log(Date.now() - t0, describeRun(run), run.json);
  });
});
