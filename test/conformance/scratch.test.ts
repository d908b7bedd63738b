import { runSnippet, describeRun } from './helpers';
const SRC = `import { RLock, Thread, Event } from "threadlanes";
const lock = new RLock();
const acquired = new Event();
const finish = new Event();
function owner() {
  lock.acquire();
  acquired.set();
  finish.wait();
  lock.release();
}
export function main() {
  const t = new Thread({ target: owner });
  t.start();
  acquired.wait();
  const error = errorName(() => lock.release());
  finish.set();
  t.join();
  emit({ error });
}`;
describe('scratch', () => {
  it('repeat', async () => {
    let bad = 0;
    for (let i = 0; i < 30; i++) {
      const run = await runSnippet(SRC);
      if (run.result.outcome !== 'completed') { bad++; console.log(describeRun(run)); }
    }
    console.log('bad', bad);
  });
});
