/**
 * One line per event for line mode: readable (`12:03:04 alice -> bob: text`)
 * or one JSON object. Readable lines escape control characters (text from the
 * network never reaches a terminal raw); JSON escapes them by itself.
 */
import type { LeaveReason } from '@udpchat/protocol';
import { formatEndpoint } from '@udpchat/net';
import { escapeControls } from '../text/sanitize.js';
import { clockTime } from '../text/time.js';

/** Everything line mode reports. `time` is in ms since the epoch. */
export type LineEvent =
  | { event: 'registered'; name: string; address: string; port: number; relay: string; hosting: boolean; time: number }
  | { event: 'contacts'; names: string[]; time: number }
  | {
      event: 'message';
      id: string;
      from: string;
      to: string;
      text: string;
      time: number;
      sent: number;
      /** Read from the stored history (`--history N`, `/search`), not just received. */
      history?: true;
      /** For a stored own message: its delivery state (`delivered`, `failed`, …). */
      state?: string;
    }
  | { event: 'joined'; name: string; time: number }
  | { event: 'left'; name: string; reason: LeaveReason; time: number }
  | { event: 'error'; code: string; message: string; ref: string; time: number }
  | { event: 'relay'; status: string; detail: string; time: number }
  /** Fail-over (several servers): the client left relay `from` for `to` (`host:port`), and why. */
  | { event: 'moved'; from: string; to: string; reason: string; time: number }
  | { event: 'datagram'; direction: 'in' | 'out'; peer: string; bytes: number; kind: string; payload: string; time: number }
  | { event: 'info'; message: string; time: number }
  | { event: 'delivered'; id: string; to: string; delivered: number; of: number; time: number }
  | { event: 'failed'; id: string; to: string; reason: string; time: number }
  | { event: 'at-relay'; id: string; to: string; recipients: number; time: number }
  | { event: 'stored'; id: string; to: string; time: number }
  | { event: 'renamed'; from: string; to: string; time: number };

/** Formats one event as one line (no newline). */
export function formatEvent(e: LineEvent, json: boolean): string {
  if (json) {
    const sent = e.event === 'message' ? { sent: new Date(e.sent).toISOString() } : {};
    return JSON.stringify({ ...e, time: new Date(e.time).toISOString(), ...sent });
  }
  const t = clockTime(e.time);
  const s = escapeControls;
  switch (e.event) {
    case 'registered':
      return `${t} * registered as ${s(e.name)} (${formatEndpoint(e)}) at relay ${e.relay}${e.hosting ? ', hosted in this process' : ''}`;
    case 'contacts':
      return `${t} * online: ${e.names.length ? e.names.map(s).join(', ') : 'nobody else'}`;
    case 'message':
      return `${t} ${s(e.from)} -> ${s(e.to)}: ${s(e.text)}${e.state ? ` [${e.state}]` : ''}`;
    case 'joined':
      return `${t} * ${s(e.name)} joined`;
    case 'left':
      return `${t} * ${s(e.name)} left (${e.reason})`;
    case 'error':
      return `${t} ! ${s(e.message)} (${e.code})`;
    case 'relay':
      return `${t} * relay ${e.status}${e.detail ? `: ${s(e.detail)}` : ''}`;
    case 'moved':
      return `${t} * moved to ${s(e.to)} (${s(e.reason)})`;
    case 'datagram':
      return `${t} ${e.direction === 'out' ? '>>' : '<<'} ${e.peer} ${e.bytes} B ${e.kind} ${e.payload}`;
    case 'info':
      return `${t} * ${s(e.message)}`;
    case 'delivered':
      return `${t} * delivered to ${e.of > 1 ? `${e.delivered} of ${e.of}` : s(e.to)} (${e.id})`;
    case 'failed':
      return `${t} ! not delivered to ${s(e.to)}: ${s(e.reason)} (${e.id})`;
    case 'at-relay':
      return e.recipients === 0
        ? `${t} * at relay, nobody else online (${e.id})`
        : `${t} * at relay, forwarded to ${e.recipients} who do not acknowledge (plain-text peers) (${e.id})`;
    case 'stored':
      return `${t} * stored for ${s(e.to)}, offline (${e.id})`;
    case 'renamed':
      return `${t} * ${s(e.from)} is now ${s(e.to)}`;
  }
}
