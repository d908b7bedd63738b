// pool-map.ts — executor.map() returns results in the order of its inputs.
// From the GIL article's "Using map for Ordered Results"; sleeps of 0.3 / 0.1 / 0.2 s stand
// for the article's 3 / 1 / 2 s fetches. No network.
//
// The article maps a lambda over (url, delay) pairs. A pool task must be a module-level
// function (each worker finds it by name), so this passes fetchPage itself and two iterables,
// which map() zips — Python's executor.map(fetch_page, urls, delays).
// Expect: outcome "completed"; lanes MainThread plus two pool workers; "Fetched:" lines in
// input order: example.com, example.org, example.net, although example.com finishes last.
import { ThreadPoolExecutor, sleep } from "threadlanes";

function fetchPage(url: string, delay: number): string {
  sleep(delay);
  return `Fetched: ${url} in ${delay} seconds`;
}

export function main(): void {
  const urls = ["https://example.com", "https://example.org", "https://example.net"];
  const delays = [0.3, 0.1, 0.2];

  using executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  // Results are returned in input order
  for (const result of executor.map(fetchPage, urls, delays)) {
    console.log(result);
  }
}
