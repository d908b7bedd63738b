// pool-submit.ts — a ThreadPoolExecutor with two workers runs three "fetches"; submit() gives
// Futures, result() waits for each.
// From the GIL article's "Thread Pools with ThreadPoolExecutor" example; the fetches are
// simulated by sleeps of 0.1 / 0.2 / 0.3 s (the article's 1 / 2 / 3 s). No network.
//
// Shows: `using executor = …` is Python's `with ThreadPoolExecutor(...) as executor:` — at the
// end of the block the pool shuts down and waits for its workers. The third task waits for a
// free worker. Reading results in submission order blocks on each in turn.
// Expect: outcome "completed" in about 0.4 s; lanes MainThread plus the two pool workers;
// the three "Fetched:" lines in submission order: example.com, example.org, example.net.
import { ThreadPoolExecutor, sleep } from "threadlanes";

function fetchPage(url: string, delay: number): string {
  sleep(delay);
  return `Fetched: ${url} in ${delay} seconds`;
}

export function main(): void {
  const urls = ["https://example.com", "https://example.org", "https://example.net"];
  const delays = [0.1, 0.2, 0.3];

  using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  // Submit tasks
  const futures = urls.map((url, i) => executor.submit(fetchPage, url, delays[i]));
  // Check task completion
  for (const future of futures) {
    console.log(future.result());
  }
}
