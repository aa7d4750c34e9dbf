/**
 * What the full-screen UI says about the relay itself: whether it answers,
 * its bye, a fail-over to the next relay of `--server a,b,c` (`moved`),
 * hosting it in this process, socket errors. A move keeps the contact list
 * (the new relay's list replaces it); only a bye without a move clears it.
 */
import type { RelayMove } from '../net/core/types.js';
import type { ChatSession } from '../net/session.js';
import { escapeControls } from '../text/sanitize.js';
import type { Presence } from './presence.js';
import type { Notice } from './types.js';

/** How a move reads: `moved to 127.0.0.1:8082 (127.0.0.1:8081 stopped answering)` (terminal-safe). */
export function describeMove(move: RelayMove): string {
  return `moved to ${escapeControls(move.to)} (${escapeControls(move.reason)})`;
}

/** What the relay notices change of the controller. */
export interface RelayNoticeParts {
  backend: Pick<ChatSession, 'on'>;
  presence: Presence;
  /** The notice shown now, if any. */
  current(): Notice | null;
  setNotice(notice: Notice): void;
  /** A system line in the group conversation. */
  system(text: string, level: 'info' | 'error'): void;
  changed(): void;
}

export class RelayNotices {
  /** The move since the last registration, if any: the registration's notice tells it. */
  private move: RelayMove | null = null;

  constructor(private readonly parts: RelayNoticeParts) {
    const { backend: b, presence } = parts;
    b.on('status', (status) => {
      if (status === 'silent') parts.setNotice({ text: 'relay not answering, retrying…', level: 'warning' });
      else if (status === 'answering' && parts.current()?.level === 'warning') parts.setNotice({ text: 'relay answering again', level: 'info' });
      else parts.changed();
    });
    b.on('relay-bye', (reason) => {
      parts.system(`relay going away${reason ? `: ${escapeControls(reason)}` : ''}`, 'error');
      presence.clear();
    });
    b.on('moved', (move) => {
      this.move = move;
      parts.system(describeMove(move), 'info');
      parts.setNotice({ text: `${describeMove(move)}; registering there…`, level: 'warning' });
    });
    b.on('hosting', () => parts.setNotice({ text: 'the relay was gone: hosting it in this process now', level: 'info' }));
    b.on('socket-error', (err) => parts.setNotice({ text: `socket: ${err.message}`, level: 'error' }));
  }

  /** The notice of a (re-)registration: `said` (`registered as alice`), after the move that led here if any. */
  registered(said: string): string {
    const move = this.move;
    this.move = null;
    return move ? `${describeMove(move)} · ${said}` : said;
  }
}
