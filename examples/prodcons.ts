// prodcons.ts — the producer-consumer problem with a Queue, in the style of Chun's prodcons.py
// (Core Python Applications Programming, "Producer-Consumer Problem and the Queue/queue
// Module"), using the MyThread class of mtsleep5.ts. Random sleeps scaled down 20×.
//
// Shows: a writer puts a random number of items into a bounded Queue(32) at random intervals,
// a reader takes the same number out, slower; get() blocks whenever the reader catches up.
// Expect: outcome "completed"; lanes MainThread, writer, reader; as many "consumed object"
// lines as "producing object" lines (2 to 5), then "all DONE".
import { Queue, Thread, sleep } from "threadlanes";

/** Python's time.ctime(), e.g. "Sun Aug 13 05:03:34 2006". */
function ctime(): string {
  const now = new Date();
  return `${now.toDateString().slice(0, 10)} ${now.toTimeString().slice(0, 8)} ${now.getFullYear()}`;
}

/** Python's random.randint(a, b): an integer from a to b, both included. */
function randint(a: number, b: number): number {
  return a + Math.floor(Math.random() * (b - a + 1));
}

function writeQ(queue: Queue<string>): void {
  console.log("producing object for Q...");
  queue.put("xxx", true);
  console.log("size now", queue.qsize());
}

function readQ(queue: Queue<string>): void {
  queue.get(true);
  console.log("consumed object from Q... size now", queue.qsize());
}

function writer(queue: Queue<string>, loops: number): void {
  for (let i = 0; i < loops; i++) {
    writeQ(queue);
    sleep(randint(1, 3) / 20);
  }
}

function reader(queue: Queue<string>, loops: number): void {
  for (let i = 0; i < loops; i++) {
    readQ(queue);
    sleep(randint(2, 5) / 20);
  }
}

class MyThread extends Thread {
  func: (...args: any[]) => void;
  args: unknown[];

  constructor(func: (...args: any[]) => void, args: unknown[], name = "") {
    super({ name });
    this.func = func;
    this.args = args;
  }

  override run(): void {
    console.log("starting", this.name, "at:", ctime());
    this.func(...this.args);
    console.log(this.name, "finished at:", ctime());
  }
}

const funcs = [writer, reader];

export function main(): void {
  const nloops = randint(2, 5);
  const q = new Queue<string>(32);

  const threads: MyThread[] = [];
  for (const func of funcs) {
    const t = new MyThread(func, [q, nloops], func.name);
    threads.push(t);
  }
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  console.log("all DONE");
}
