import { useStdin } from 'ink';
import { useCallback, useEffect, useRef } from 'react';

/** Bracketed paste (xterm, tmux, most terminals): sent around pasted text once the app asks with `\x1b[?2004h`. */
export const PASTE_START = '\x1b[200~';
export const PASTE_END = '\x1b[201~';
/** Turns bracketed paste on and off (runTui writes these on entering and leaving). */
export const ENABLE_BRACKETED_PASTE = '\x1b[?2004h';
export const DISABLE_BRACKETED_PASTE = '\x1b[?2004l';

/** What `usePaste` gives the key handler. */
export interface PasteApi {
  /**
   * True when the key event being handled belongs to a paste (its markers or
   * its text), which `usePaste` has taken: the key handler must ignore it.
   * Reading it clears it.
   */
  consumed: () => boolean;
}

/**
 * Collects bracketed pastes from Ink's raw input events and hands each to
 * `onPaste` whole, line breaks included, once its end marker arrives (a long
 * paste may come in several reads). Ink 6 has no usePaste: its useInput would
 * see the text as typed keys, every line break an Enter.
 *
 * Must be called before the hook that calls useInput, so its listener runs
 * first for each event (useInput re-subscribes on every render and so stays behind).
 */
export function usePaste(onPaste: (text: string) => void): PasteApi {
  const { internal_eventEmitter: events } = useStdin();
  const latest = useRef(onPaste);
  latest.current = onPaste;
  const taken = useRef(false);
  useEffect(() => {
    let buffer: string | null = null;
    const onInput = (data: string | Buffer) => {
      const text = String(data);
      if (text === PASTE_START) {
        buffer = '';
        taken.current = true;
      } else if (text === PASTE_END) {
        const pasted = buffer ?? '';
        buffer = null;
        taken.current = true;
        if (pasted) latest.current(pasted);
      } else if (buffer !== null) {
        buffer += text;
        taken.current = true;
      }
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
    };
  }, [events]);
  const consumed = useCallback(() => {
    const was = taken.current;
    taken.current = false;
    return was;
  }, []);
  return { consumed };
}
