// pool-wait.ts — wait(…, FIRST_COMPLETED) returns as soon as one task is done.
// From the GIL article's "Waiting for Specific Tasks with wait"; sleeps of 0.3 / 0.1 / 0.2 s
// stand for the article's 3 / 1 / 2 s fetches. No network.
//
// Shows: wait() splits the futures into done / notDone; with FIRST_COMPLETED it returns after
// the quickest fetch (example.org, 0.1 s) while the others are still running. asCompleted()
// then collects all three.
// Expect: outcome "completed"; lanes MainThread plus two pool workers; "First task completed"
// (with 1 done, 2 not done) before any "Fetched:" line, then three "Fetched:" lines.
import { FIRST_COMPLETED, ThreadPoolExecutor, asCompleted, sleep, wait } from "threadlanes";

function fetchPage(url: string, delay: number): string {
  sleep(delay);
  return `Fetched: ${url} in ${delay} seconds`;
}

export function main(): void {
  const urls = ["https://example.com", "https://example.org", "https://example.net"];
  const delays = [0.3, 0.1, 0.2];

  using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const futures = urls.map((url, i) => executor.submit(fetchPage, url, delays[i]));
  // Wait for the first task to complete
  const { done, notDone } = wait(futures, { returnWhen: FIRST_COMPLETED });
  console.log(`First task completed (${done.size} done, ${notDone.size} not done)`);
  // Process the remaining results
  for (const future of asCompleted(futures)) {
    console.log(future.result());
  }
}
