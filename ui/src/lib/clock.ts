// Time as the view logic sees it. Views never call Date.now() or setInterval themselves, so
// tests can hold time still and fire "every 30 s" by hand instead of waiting for it.

export interface Clock {
  /** Epoch milliseconds (UTC), like every timestamp from the engine. */
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms` unless the returned function is called first. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  },
  after(ms, fn) {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  },
};
