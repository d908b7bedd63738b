// lock-cycle3-broken.ts — three threads, three locks, each thread takes "its" lock then the next. BROKEN.
// Pattern: a circular wait of length three (Coffman's fourth condition), as in a ring of
// three stations passing work to their neighbour.
//
// Station i locks buffer i, then buffer (i + 1) % 3, and moves one item along the ring.
// What goes wrong: if every station takes its first lock before any takes its second, station
// 0 waits for buffer 1 (held by station 1), station 1 for buffer 2 (held by station 2), station
// 2 for buffer 0 (held by station 0): DEADLOCK (a wait-for cycle of three).
// Interleaving: s0 acquires b0 → s1 acquires b1 → s2 acquires b2 → each waits for the next.
// Any two of them alone cannot deadlock: it takes all three.
import { Lock, SharedArray, Thread } from "threadlanes";

const buffers = new SharedArray([1, 1, 1]); // items in each buffer
const b0 = new Lock("buffer 0");
const b1 = new Lock("buffer 1");
const b2 = new Lock("buffer 2");
const locks = [b0, b1, b2];

function station(i: number): void {
  const next = (i + 1) % 3;
  locks[i].withLock(() => {
    locks[next].withLock(() => {
      buffers[i] = buffers[i] - 1;
      buffers[next] = buffers[next] + 1;
    });
  });
}

export function main(): void {
  const stations = [0, 1, 2].map((i) => new Thread({ target: station, args: [i], name: `station ${i}` }));
  stations.forEach((t) => t.start());
  stations.forEach((t) => t.join());
  console.log(`buffers: ${buffers[0]}, ${buffers[1]}, ${buffers[2]}`);
}
