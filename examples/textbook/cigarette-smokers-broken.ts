// cigarette-smokers-broken.ts — the naive smokers: each grabs its first missing ingredient. BROKEN.
// Pattern: the cigarette smokers problem (Patil), the obvious solution that deadlocks.
//
// An agent puts two of the three ingredients (tobacco, paper, matches) on the table, three
// times: tobacco + paper, then paper + matches, then tobacco + matches, each time waiting for
// `agentSem` before the next. Three smokers each have an endless supply of one ingredient and
// take the two they lack, one after the other, smoke, and signal the agent. Each ingredient is
// a semaphore.
// What goes wrong: for tobacco + paper only the smoker with matches can smoke, but the smoker
// with paper also wants tobacco and the smoker with tobacco also wants paper. If the paper
// smoker grabs the tobacco first, it then waits for matches, which never come; the match
// smoker waits for tobacco; the agent waits for `agentSem`: DEADLOCK.
// Interleaving: agent puts tobacco, paper → paper smoker takes tobacco → match smoker waits for
// tobacco → (tobacco smoker takes paper) → everyone waits.
// The fix (Parnas; the Little Book): "pusher" threads that see which pair is on the table.
import { Semaphore, Thread } from "threadlanes";

const tobacco = new Semaphore(0);
const paper = new Semaphore(0);
const matches = new Semaphore(0);
const agentSem = new Semaphore(0); // "I have smoked, put the next pair"

function agent(): void {
  const offers: [Semaphore, Semaphore][] = [
    [tobacco, paper],
    [paper, matches],
    [tobacco, matches],
  ];
  for (const [a, b] of offers) {
    a.release();
    b.release();
    agentSem.acquire();
  }
}

/** A smoker who lacks `first` and `second`: takes them in that order. */
function smoker(first: Semaphore, second: Semaphore): void {
  first.acquire();
  second.acquire(); // may wait for ever, holding `first`, which someone else needed
  // smoke
  agentSem.release();
}

export function main(): void {
  const threads = [
    new Thread({ target: agent, name: "agent" }),
    new Thread({ target: smoker, args: [tobacco, paper], name: "has matches" }),
    new Thread({ target: smoker, args: [tobacco, matches], name: "has paper" }),
    new Thread({ target: smoker, args: [paper, matches], name: "has tobacco" }),
  ];
  threads.forEach((t) => t.start());
  threads.forEach((t) => t.join());
  console.log("everyone has smoked");
}
