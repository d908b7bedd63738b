/** The errors the snippet API throws, named as in Python so translated code reads the same. */

export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

export class ValueError extends Error {
  override name = 'ValueError';
}

/** A timeout beyond TIMEOUT_MAX. */
export class OverflowError extends Error {
  override name = 'OverflowError';
}

/** Raised by Future.result(timeout), asCompleted and map when time runs out. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export class BrokenBarrierError extends RuntimeError {
  override name = 'BrokenBarrierError';
}

/** Queue.get(block=false) or a timed get on an empty queue. */
export class Empty extends Error {
  override name = 'Empty';
}

/** Queue.put(block=false) or a timed put on a full queue. */
export class Full extends Error {
  override name = 'Full';
}

export class CancelledError extends Error {
  override name = 'CancelledError';
}

export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
}

/**
 * A misuse of the API that the harness reports as a usage error at the user's line (a closure
 * as a thread target, a value that cannot cross to another thread, a thread started at module
 * top level in a worker).
 */
export class ThreadlanesUsageError extends Error {
  override name = 'ThreadlanesUsageError';
  constructor(
    message: string,
    public readonly siteId: number,
  ) {
    super(message);
  }
}

/** Every error class a value crossing threads may be rebuilt as. */
export const ERROR_CLASSES: Record<string, new (message?: string) => Error> = {
  RuntimeError,
  ValueError,
  TimeoutError,
  BrokenBarrierError,
  Empty,
  Full,
  CancelledError,
  InvalidStateError,
  OverflowError,
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
};
