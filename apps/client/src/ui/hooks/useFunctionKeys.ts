import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { functionKeyPresses } from '../../keys/functionKeys.js';
import type { KeyPress } from '../../keys/keyBindings.js';

/**
 * Hands each function-key press (decoded by functionKeys.ts from Ink's raw
 * input events, since Ink 6's useInput cannot tell F-keys apart) to `onPress`,
 * the same handler the useInput presses go to, so one key map and one matcher
 * decide what every key does.
 */
export function useFunctionKeys(onPress: (press: KeyPress) => void): void {
  const { internal_eventEmitter: events } = useStdin();
  const latest = useRef(onPress);
  latest.current = onPress;
  useEffect(() => {
    const onInput = (data: string | Buffer) => {
      for (const press of functionKeyPresses(String(data))) latest.current(press);
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
    };
  }, [events]);
}
