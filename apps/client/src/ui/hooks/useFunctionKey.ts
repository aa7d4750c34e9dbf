import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';

/** Escape sequences terminals send for the function keys we use (xterm, VT220, Linux console). */
const SEQUENCES = {
  f2: ['\x1bOQ', '\x1b[12~', '\x1b[[B', '\x1b[1;2Q'],
} as const;

/**
 * Calls `handler` when a function key is pressed. Ink 6's useInput reports
 * F-keys as an empty input with no key flag, so this listens to Ink's raw
 * input events and matches the escape sequences itself.
 */
export function useFunctionKey(key: keyof typeof SEQUENCES, handler: () => void): void {
  const { internal_eventEmitter: events } = useStdin();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const onInput = (data: string | Buffer) => {
      const text = String(data);
      if (SEQUENCES[key].some((s) => text.includes(s))) latest.current();
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
    };
  }, [events, key]);
}
