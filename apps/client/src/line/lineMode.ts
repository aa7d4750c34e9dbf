/**
 * Line mode, for scripts and bots: each input line is sent (`/to NAME`
 * switches the target, default `all`; `@NAME text` sends one direct
 * message; `/quit` leaves) and each event prints one line. At end of input
 * it sends what is pending, waits for the relay's answers, says bye and exits 0.
 * `/to` and `/who` wait for the contact list first (at most the registration
 * timeout), so that they are answered from the real list, not an empty one.
 */
import { createInterface } from 'node:readline';
import { formatEndpoint } from '@udpchat/net';
import { ERROR_CODES, GROUP_ALL, nameKey, type ErrorMessage } from '@udpchat/protocol';
import { REGISTRATION_BLOCKERS } from '../net/relayErrors.js';
import { SendError, type ChatSession } from '../net/session.js';
import { actionFor, needsContactList } from '../state/actions.js';
import { openWarning, parseInput, splitNotice } from '../state/commands.js';
import { sendSplit } from '../state/split.js';
import { payloadPreview } from '../text/payload.js';
import { Presence } from '../state/presence.js';
import { formatEvent, type LineEvent } from './format.js';
import type { HistoryDb, StoredMessage } from '../history/historyDb.js';

/** Options of `runLineMode`. */
export interface LineModeOptions {
  /** An opened session; `start()` is called here. */
  session: ChatSession;
  /** One JSON object per line instead of readable lines. */
  json: boolean;
  /** Where input lines come from. */
  input: NodeJS.ReadableStream;
  /** Where event lines go. */
  output: NodeJS.WritableStream;
  /** Where help goes. */
  errors: NodeJS.WritableStream;
  /** How long to wait for registration at end of input, in ms (default 5000). */
  registerTimeoutMs?: number;
  /** The stored history (`--history N`, `/search`); absent: none. */
  history?: HistoryDb | null;
  /** `--history N`: the last N stored messages are printed first. */
  historyLines?: number;
  /** Called right after the session started (the history's retry of unfinished messages). */
  afterStart?: () => void;
}

/** A stored message as a line-mode event, marked `history`. */
function storedEvent(m: StoredMessage): LineEvent {
  const state = m.delivery ? { state: m.delivery.state } : {};
  return { event: 'message', id: m.id, from: m.sender, to: m.recipient, text: m.text, time: m.time, sent: m.sentAt, history: true, ...state };
}

/**
 * Runs line mode until end of input or `/quit`.
 * @returns the exit code: 0, or 1 when registration never succeeded.
 */
export async function runLineMode(options: LineModeOptions): Promise<number> {
  const { session, json, output } = options;
  const roster = new Presence();
  // A reader that went away (`… | head -1`: EPIPE) ends the printing, not the program: what was
  // typed is still sent and the bye still goes out; nothing more is written.
  let outputGone = false;
  output.on('error', () => {
    outputGone = true;
  });
  const print = (e: LineEvent) => {
    if (!outputGone) output.write(`${formatEvent(e, json)}\n`);
  };
  const now = () => Date.now();
  // The relay in use as the events tell it, in their order: a `status` silent that led to a move names the old one.
  let relay = formatEndpoint(session.relay);
  const relayLabel = () => relay;
  const registerTimeoutMs = options.registerTimeoutMs ?? 5000;
  let target = GROUP_ALL;
  /** The last registration blocker the relay answered (SECRET_REQUIRED…), for the end-of-input report. */
  let blocker: ErrorMessage | null = null;

  session.on('registered', (w) => {
    blocker = null;
    print({ event: 'registered', name: w.name, address: w.address, port: w.port, relay: relayLabel(), hosting: session.hosting, time: now() });
  });
  session.on('contacts', (list) => {
    roster.received(list);
    print({ event: 'contacts', names: roster.list().map((c) => c.name), time: now() });
  });
  session.on('rename', (from, to) => {
    roster.rename(from, to);
    // The same person under a new name: the target follows them (the old name may be someone else's next).
    if (nameKey(target) === nameKey(from)) target = to;
    print({ event: 'renamed', from, to, time: now() });
  });
  session.on('join', (c) => {
    roster.join(c);
    print({ event: 'joined', name: c.name, time: now() });
  });
  session.on('leave', (name, reason) => {
    roster.leave(name);
    print({ event: 'left', name, reason, time: now() });
  });
  session.on('delivery', (m, d) => {
    if (d.state === 'delivered') print({ event: 'delivered', id: m.id, to: m.to, delivered: d.delivered, of: d.of, time: now() });
    else if (d.state === 'failed') print({ event: 'failed', id: m.id, to: m.to, reason: d.reason, time: now() });
    // Final at the relay: nobody to acknowledge it (nobody else online, or only plain-text peers).
    else if (d.state === 'at-relay' && d.final) print({ event: 'at-relay', id: m.id, to: m.to, recipients: d.recipients, time: now() });
    else if (d.state === 'stored') print({ event: 'stored', id: m.id, to: d.to, time: now() }); // kept at the relay for someone offline
  });
  // A stored message acknowledged by its recipient (maybe sent before this client restarted).
  session.on('receipt', (id, by) => print({ event: 'delivered', id, to: by, delivered: 1, of: 1, time: now() }));
  // `time` is the arrival (this computer's clock, like every other event's); `sent` the sender's clock.
  session.on('chat', (m) => print({ event: 'message', id: m.id, from: m.from, to: m.to, text: m.text, time: now(), sent: m.time }));
  session.on('relay-error', (e) => {
    if (REGISTRATION_BLOCKERS.has(e.code) || (e.code === ERROR_CODES.NAME_TAKEN && session.registration === 'registering')) blocker = e;
    print({ event: 'error', code: e.code, message: e.message, ref: e.ref, time: now() });
  });
  session.on('status', (status) =>
    print({ event: 'relay', status: status === 'silent' ? 'not answering' : status, detail: relayLabel(), time: now() }),
  );
  session.on('relay-bye', (reason) => print({ event: 'relay', status: 'going away', detail: reason, time: now() }));
  session.on('moved', (m) => {
    relay = m.to;
    print({ event: 'moved', from: m.from, to: m.to, reason: m.reason, time: now() });
  });
  session.on('hosting', (on) => on && print({ event: 'relay', status: 'hosted in this process', detail: relayLabel(), time: now() }));
  const localError = (code: string, message: string) => print({ event: 'error', code, message, ref: '', time: now() });

  if (session.simulation) print({ event: 'info', message: session.simulation, time: now() });
  const history = options.history ?? null;
  if (history && (options.historyLines ?? 0) > 0) for (const m of history.recent(options.historyLines ?? 0)) print(storedEvent(m));
  session.start();
  options.afterStart?.();

  const sendOne = (to: string, text: string): boolean => {
    try {
      session.send(to, text);
      return true;
    } catch (err) {
      if (err instanceof SendError) localError(err.code, err.message);
      else throw err;
      return false;
    }
  };
  /** Sends a typed text, in several messages when it is over MAX_TEXT_BYTES (split.ts). */
  const send = (to: string, text: string): boolean => {
    const { sent, parts } = sendSplit(text, (part) => sendOne(to, part));
    if (sent < parts) return false;
    if (parts > 1) print({ event: 'info', message: splitNotice(parts), time: now() });
    return true;
  };
  let waitedInVain = false;
  /** Waits (once at most `registerTimeoutMs`) for the contact list, unless registration was refused. */
  const contactList = async (): Promise<void> => {
    if (roster.listed || waitedInVain) return;
    const arrived = await new Promise<boolean>((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        session.off('contacts', onList);
        session.off('relay-error', onError);
        resolve(value);
      };
      const onList = () => done(true);
      const onError = () => {
        if (session.registration === 'refused' || session.registration === 'closed') done(false);
      };
      const timer = setTimeout(() => done(false), registerTimeoutMs);
      if (session.registration === 'refused' || session.registration === 'closed') return done(false);
      session.on('contacts', onList);
      session.on('relay-error', onError);
    });
    if (!arrived) waitedInVain = true;
  };
  let unwatch: (() => void) | null = null;

  const lines = createInterface({ input: options.input, crlfDelay: Infinity, terminal: false });
  let quitting = false;
  for await (const line of lines) {
    const command = parseInput(line);
    if (needsContactList(command)) await contactList();
    const action = actionFor(command, { target, presence: roster, registration: session.registration });
    switch (action.type) {
      case 'send':
        send(action.to, action.text);
        break;
      case 'open': {
        // Always switches (commands.ts): a message for a name that is not online fails for that name, never goes to all.
        target = action.target.kind === 'group' ? GROUP_ALL : action.target.name;
        const warning = openWarning(action.target);
        if (warning) print({ event: 'info', message: warning, time: now() });
        break;
      }
      case 'rename':
        session.rename(action.name);
        break;
      case 'who':
        print({ event: 'contacts', names: action.names, time: now() });
        break;
      case 'whoUnknown':
        print({ event: 'info', message: action.reason, time: now() });
        break;
      case 'burst':
        for (const text of action.texts) if (!send(action.to, text)) break;
        break;
      case 'datagrams':
        if (unwatch) {
          unwatch();
          unwatch = null;
        } else {
          unwatch = session.watchDatagrams((r) =>
            print({
              event: 'datagram',
              direction: r.direction,
              peer: formatEndpoint(r.peer),
              bytes: r.bytes.length,
              kind: r.kind,
              payload: payloadPreview(r.bytes, 1200),
              time: r.time,
            }),
          );
        }
        break;
      case 'empty':
        session.sendEmpty();
        print({ event: 'info', message: 'sent a 0-byte datagram to the relay', time: now() });
        break;
      case 'help':
        options.errors.write(`${action.lines.join('\n')}\n`);
        break;
      case 'invalid':
        localError('USAGE', action.message);
        break;
      case 'quit':
        quitting = true;
        break;
      case 'search': {
        const conv = nameKey(target) === GROUP_ALL ? GROUP_ALL : nameKey(target);
        const found = history && action.text ? history.search(conv, action.text, 200).reverse() : [];
        for (const m of found) print(storedEvent(m));
        const what = action.text ? `“${action.text}” in ${target}` : '(usage: /search TEXT)';
        print({ event: 'info', message: history ? `${found.length} match${found.length === 1 ? '' : 'es'} for ${what}` : 'no history to search', time: now() });
        break;
      }
      case 'retry': // line mode keeps no failed messages to send again
      case 'none':
        break;
    }
    if (quitting) break;
  }
  lines.close();
  return finish(session, registerTimeoutMs, localError, () => blocker, contactList);
}

/** Longest wait at end of input for the last messages to be acknowledged, in ms (the give-up time is 30 s). */
const DRAIN_TIMEOUT_MS = 35_000;

/** Waits for registration (so queued lines go out), then for the relay's answers, then says bye. */
async function finish(
  session: ChatSession,
  registerTimeoutMs: number,
  localError: (code: string, message: string) => void,
  blocker: () => ErrorMessage | null,
  completed: () => Promise<void>,
): Promise<number> {
  // Registration completes with the relay's answer to list/identify (`completed`: the contact list, or a
  // refusal): a name refused then (reserved for another key, PROTOCOL.md §6.5) is a refusal too (exit 1).
  if ((await session.settled(registerTimeoutMs)) === 'registered') await completed();
  let code = 0;
  if (session.registration !== 'registered') {
    const relay = `relay ${formatEndpoint(session.relay)}`;
    const refusal = blocker();
    if (session.registration === 'registering' && refusal) {
      // The relay answered, with a reason (the shared secret, the clock, its limits): report that, not silence.
      localError(refusal.code, `${relay} did not let this client in: ${refusal.message}`);
    } else if (session.registration === 'registering') {
      localError('NO_RELAY', `${relay} did not answer`);
    }
    if (session.pending > 0) localError('NOT_SENT', `${session.pending} message(s) not sent`);
    code = 1;
  } else if (!(await session.drained(DRAIN_TIMEOUT_MS))) {
    localError('NOT_DELIVERED', `${session.pending} message(s) still unacknowledged after ${DRAIN_TIMEOUT_MS / 1000} s`);
  }
  await session.close();
  return code;
}
