// h2o-broken.ts — building water molecules without a barrier: atoms of two molecules mix. BROKEN.
// Pattern: the H2O problem (Andrews; The Little Book of Semaphores), with the barrier left out.
//
// Two oxygen and four hydrogen threads must bond in groups: one O and two H per molecule, and
// all three atoms of a molecule must bond before any atom of the next one. Each hydrogen
// announces itself (`hydrogens.release()`) and waits for an oxygen to pick it
// (`oxygenSays.acquire()`); each oxygen takes two hydrogens, lets two hydrogens go, and bonds.
// Every bond() call appends the atom to a shared log; main checks the log in groups of three.
// What goes wrong: nothing makes the three atoms of a molecule bond together. Both oxygens
// can pick their hydrogens and bond before any hydrogen does: the log starts O, O, H and the
// assert in MainThread fails. (A hydrogen released by one oxygen can also bond in the other's
// molecule.) No thread ever blocks for good: every hydrogen announces itself before waiting.
// Interleaving: all four H announce → O1 takes two, releases two, bonds → O2 takes two,
// releases two, bonds → the four H bond.
// The fix (Little Book): a mutex around the oxygen's pick and a Barrier(3) before bond().
import assert from "node:assert";
import { Lock, Semaphore, SharedArray, Thread, Value } from "threadlanes";

const O = 8;
const H = 1;
const hydrogens = new Semaphore(0); // hydrogens ready to bond
const oxygenSays = new Semaphore(0); // "you may bond", from an oxygen to a hydrogen
const log = new SharedArray(6); // the atoms, in bond() order
const logged = new Value(0);
const logLock = new Lock("log");

function bond(atom: number): void {
  logLock.withLock(() => {
    log[logged.value] = atom;
    logged.value = logged.value + 1;
  });
}

function oxygen(): void {
  hydrogens.acquire();
  hydrogens.acquire();
  oxygenSays.release(2);
  bond(O);
}

function hydrogen(): void {
  hydrogens.release();
  oxygenSays.acquire();
  bond(H);
}

export function main(): void {
  const atoms = [
    new Thread({ target: oxygen, name: "O1" }),
    new Thread({ target: oxygen, name: "O2" }),
    ...[1, 2, 3, 4].map((i) => new Thread({ target: hydrogen, name: `H${i}` })),
  ];
  atoms.forEach((t) => t.start());
  atoms.forEach((t) => t.join());
  for (let m = 0; m < 2; m++) {
    const molecule = log[3 * m] + log[3 * m + 1] + log[3 * m + 2];
    assert.strictEqual(molecule, O + 2 * H, `molecule ${m + 1} is not H2O`);
  }
  console.log("two water molecules");
}
