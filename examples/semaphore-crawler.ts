// semaphore-crawler.ts — a Semaphore(3) lets at most three "crawls" run at once.
// From the GIL article's Semaphore example (WebCrawler / URLGenerator); the 2 s network request
// is simulated by a 0.2 s sleep. Nothing touches the network.
//
// Shows: ten crawler threads are started, but each must take a permit of `semaphore` first, so
// they run in waves of at most three. (As in the article, the generator also holds a permit
// while it starts each crawler.) Added to the article's code: a small count of the crawls in
// progress, so the limit can be seen, and joins so the main thread can print it at the end.
// Expect: outcome "completed" in about 0.8 s (four waves of 0.2 s); lanes MainThread,
// Thread-1 (the generator), Thread-2 … Thread-11 (crawlers); ten "Crawled:" lines; "at most 3
// crawls ran at once".
import { Lock, Semaphore, Thread, Value, sleep } from "threadlanes";

const inProgress = new Value(0);
const mostInProgress = new Value(0);
const countLock = new Lock();

class WebCrawler extends Thread {
  url: string;
  semaphore: Semaphore;

  constructor(url: string, semaphore: Semaphore) {
    super();
    this.url = url;
    this.semaphore = semaphore;
  }

  override run(): void {
    this.semaphore.withLock(() => {
      countLock.withLock(() => {
        inProgress.value += 1;
        mostInProgress.value = Math.max(mostInProgress.value, inProgress.value);
      });
      sleep(0.2); // simulate the network request
      console.log(`Crawled: ${this.url}`);
      countLock.withLock(() => {
        inProgress.value -= 1;
      });
    });
  }
}

class URLGenerator extends Thread {
  semaphore: Semaphore;

  constructor(semaphore: Semaphore) {
    super();
    this.semaphore = semaphore;
  }

  override run(): void {
    const urls = Array.from({ length: 10 }, (_, i) => `https://example.com/page${i}`);
    const crawlers: WebCrawler[] = [];
    for (const url of urls) {
      this.semaphore.withLock(() => {
        const crawler = new WebCrawler(url, this.semaphore);
        crawler.start();
        crawlers.push(crawler);
      });
    }
    for (const crawler of crawlers) crawler.join();
  }
}

export function main(): void {
  const semaphore = new Semaphore(3); // limit to 3 concurrent crawlers
  const urlGenerator = new URLGenerator(semaphore);
  urlGenerator.start();
  urlGenerator.join();
  console.log(`at most ${mostInProgress.value} crawls ran at once`);
}
