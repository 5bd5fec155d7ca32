import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request being processed ran past its processing deadline (REQUEST_DEADLINE_MS). Its answer has been given
 * up on; the store cancels its running statement and rolls its transaction back (src/store/database.ts).
 */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
  constructor(readonly deadlineMs: number) {
    super(`processing took longer than the deadline of ${deadlineMs} ms`);
  }
}

// Carried along the async calls of one request, so that the store learns of a cancellation without every
// layer in between passing a signal on.
const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` (and everything it awaits) under `signal`: work started there stops when the signal aborts. */
export function runCancellable<T>(signal: AbortSignal | undefined, fn: () => T): T {
  return signal ? scope.run(signal, fn) : fn();
}

/** The signal of the work now running, if it has one. */
export function currentSignal(): AbortSignal | undefined {
  return scope.getStore();
}
