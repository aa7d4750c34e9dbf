/**
 * Line mode, for scripts and bots: each input line is sent (`/to NAME`
 * switches the target, default `all`; `@NAME text` sends one direct
 * message; `/quit` leaves) and each event prints one line. At end of input
 * it sends what is pending, waits for the relay's answers, says bye and exits 0.
 */
import { createInterface } from 'node:readline';
import { formatEndpoint } from '@udpchat/net';
import { GROUP_ALL, nameKey } from '@udpchat/protocol';
import { SendError, type ChatSession } from '../net/session.js';
import { burstTexts, COMMAND_HELP, parseInput } from '../state/commands.js';
import { payloadPreview } from '../text/payload.js';
import { Roster } from '../state/roster.js';
import { formatEvent, type LineEvent } from './format.js';

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
}

/**
 * Runs line mode until end of input or `/quit`.
 * @returns the exit code: 0, or 1 when registration never succeeded.
 */
export async function runLineMode(options: LineModeOptions): Promise<number> {
  const { session, json, output } = options;
  const roster = new Roster();
  const print = (e: LineEvent) => output.write(`${formatEvent(e, json)}\n`);
  const now = () => Date.now();
  const relayLabel = formatEndpoint(session.relay);
  let target = GROUP_ALL;

  session.on('registered', (w) =>
    print({ event: 'registered', name: w.name, address: w.address, port: w.port, relay: relayLabel, hosting: session.hosting, time: now() }),
  );
  session.on('contacts', (list) => {
    roster.reset(list);
    print({ event: 'contacts', names: roster.list().map((c) => c.name), time: now() });
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
  });
  session.on('chat', (m) => print({ event: 'message', id: m.id, from: m.from, to: m.to, text: m.text, time: m.time }));
  session.on('relay-error', (e) => print({ event: 'error', code: e.code, message: e.message, ref: e.ref, time: now() }));
  session.on('status', (status) =>
    print({ event: 'relay', status: status === 'silent' ? 'not answering' : status, detail: relayLabel, time: now() }),
  );
  session.on('relay-bye', (reason) => print({ event: 'relay', status: 'going away', detail: reason, time: now() }));
  session.on('hosting', (on) => on && print({ event: 'relay', status: 'hosted in this process', detail: relayLabel, time: now() }));
  const localError = (code: string, message: string) => print({ event: 'error', code, message, ref: '', time: now() });

  if (session.simulation) print({ event: 'info', message: session.simulation, time: now() });
  session.start();

  const send = (to: string, text: string): boolean => {
    try {
      session.send(to, text);
      return true;
    } catch (err) {
      if (err instanceof SendError) localError(err.code, err.message);
      else throw err;
      return false;
    }
  };
  let unwatch: (() => void) | null = null;

  const lines = createInterface({ input: options.input, crlfDelay: Infinity, terminal: false });
  let quitting = false;
  for await (const line of lines) {
    const command = parseInput(line);
    switch (command.type) {
      case 'say':
        send(target, command.text);
        break;
      case 'direct':
        send(command.to, command.text);
        break;
      case 'open':
        if (nameKey(command.name) === GROUP_ALL) target = GROUP_ALL;
        else if (roster.get(command.name) || session.registration !== 'registered') target = command.name;
        else localError('UNKNOWN_CONTACT', `${command.name} is not online`);
        break;
      case 'rename':
        session.rename(command.name);
        break;
      case 'who':
        print({ event: 'contacts', names: roster.list().map((c) => c.name), time: now() });
        break;
      case 'burst':
        for (const text of burstTexts(command.count, command.text)) if (!send(target, text)) break;
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
        options.errors.write(`${COMMAND_HELP.join('\n')}\n`);
        break;
      case 'invalid':
        localError('USAGE', command.message);
        break;
      case 'quit':
        quitting = true;
        break;
      case 'none':
        break;
    }
    if (quitting) break;
  }
  lines.close();
  return finish(session, options.registerTimeoutMs ?? 5000, localError);
}

/** Longest wait at end of input for the last messages to be acknowledged, in ms (the give-up time is 30 s). */
const DRAIN_TIMEOUT_MS = 35_000;

/** Waits for registration (so queued lines go out), then for the relay's answers, then says bye. */
async function finish(
  session: ChatSession,
  registerTimeoutMs: number,
  localError: (code: string, message: string) => void,
): Promise<number> {
  await session.settled(registerTimeoutMs);
  let code = 0;
  if (session.registration !== 'registered') {
    if (session.registration === 'registering') {
      localError('NO_RELAY', `relay ${formatEndpoint(session.relay)} did not answer`);
    }
    if (session.pending > 0) localError('NOT_SENT', `${session.pending} message(s) not sent`);
    code = 1;
  } else if (!(await session.drained(DRAIN_TIMEOUT_MS))) {
    localError('NOT_DELIVERED', `${session.pending} message(s) still unacknowledged after ${DRAIN_TIMEOUT_MS / 1000} s`);
  }
  await session.close();
  return code;
}
