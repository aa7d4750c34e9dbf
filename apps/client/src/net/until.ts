/** Waiting for a condition on an event emitter, with a timeout: the session's `settled` and `drained`. */
import type { EventEmitter } from 'node:events';

/**
 * Resolves true when `done()` holds — checked now and on each of `events`
 * of `emitter` — or false after `timeoutMs`; the listeners are removed either way.
 */
export function until(emitter: Pick<EventEmitter, 'on' | 'off'>, events: readonly string[], done: () => boolean, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (done()) return resolve(true);
    const check = () => {
      if (done()) finish(true);
    };
    const finish = (value: boolean) => {
      clearTimeout(timer);
      for (const e of events) emitter.off(e, check);
      resolve(value);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    for (const e of events) emitter.on(e, check);
  });
}
