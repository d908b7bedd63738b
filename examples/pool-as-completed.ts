// pool-as-completed.ts — asCompleted() hands back futures in the order they finish.
// From the GIL article's "Processing Results with as_completed"; sleeps of 0.3 / 0.1 / 0.2 s
// stand for the article's 3 / 1 / 2 s fetches. No network.
//
// Shows: results come as tasks complete, not in submission order.
// Expect: outcome "completed"; lanes MainThread plus two pool workers; the first line is
// "Fetched: https://example.org in 0.1 seconds"; all three "Fetched:" lines are printed.
import { ThreadPoolExecutor, asCompleted, sleep } from "threadlanes";

function fetchPage(url: string, delay: number): string {
  sleep(delay);
  return `Fetched: ${url} in ${delay} seconds`;
}

export function main(): void {
  const urls = ["https://example.com", "https://example.org", "https://example.net"];
  const delays = [0.3, 0.1, 0.2]; // different delays

  using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const futures = urls.map((url, i) => executor.submit(fetchPage, url, delays[i]));
  // Results are returned in completion order
  for (const future of asCompleted(futures)) {
    console.log(future.result());
  }
}
