/**
 * A stand-in for the session in store tests: it records what the store
 * sends and lets the test emit the session's events in any order and at any
 * moment (a contact list that has not arrived yet, a rename, a refusal),
 * which real sockets cannot time exactly. Store behaviour that depends on
 * the relay is also tested over real UDP (ui.test.tsx, storeSend.test.ts).
 */
import { EventEmitter } from 'node:events';
import { GROUP_ALL, nameKey, newMessageId, type ChatMessage, type WelcomeMessage } from '@udpchat/protocol';
import type { DeliveryState } from '../../src/net/delivery/states.js';
import type { RegistrationState, RelayStatus, SessionEvents } from '../../src/net/session.js';
import { SendError } from '../../src/net/session.js';
import type { ChatBackend } from '../../src/state/store.js';
import type { DatagramRecord, Endpoint } from '../../src/net/transport.js';

/** A fake `ChatBackend`: `sent` holds every message the store sent, in order. */
export class FakeBackend extends EventEmitter<SessionEvents> implements ChatBackend {
  name: string;
  registration: RegistrationState = 'registering';
  status: RelayStatus = 'connecting';
  readonly relay: Endpoint = { address: '127.0.0.1', port: 9 };
  seenAs: Endpoint | null = null;
  hosting = false;
  hostedOthers = 0;
  simulation: string | null = null;
  readonly sent: ChatMessage[] = [];
  readonly renames: string[] = [];
  /** When set, `send` throws this (QUEUE_FULL etc.). */
  refuse: SendError | null = null;

  constructor(name: string) {
    super();
    this.name = name;
  }

  send(to: string, text: string, kept?: { id: string; time: number }): ChatMessage {
    if (this.refuse) throw this.refuse;
    const message: ChatMessage = { kind: 'chat', id: kept?.id ?? newMessageId(), from: this.name, to, time: kept?.time ?? Date.now(), text, epoch: 1, seq: this.sent.length + 1, base: 1 };
    this.sent.push(message);
    return message;
  }

  rename(name: string): void {
    this.renames.push(name);
  }

  sendEmpty(): void {}

  watchDatagrams(_listener: (record: DatagramRecord) => void): () => void {
    return () => {};
  }

  /** Registration accepted as `name`: the state, then the `registered` event (as the session does). */
  register(name = this.name): void {
    this.name = name;
    this.registration = 'registered';
    this.status = 'answering';
    this.emit('registered', welcome(name));
  }

  /** The contact list arrives. */
  list(...names: string[]): void {
    this.emit('contacts', names.map((n) => ({ name: n, type: 'client' as const })));
  }

  /** A message from `from` to `to` (this client's name, or `all`). */
  incoming(from: string, text: string, to = GROUP_ALL, time = Date.now()): ChatMessage {
    const message: ChatMessage = { kind: 'chat', id: newMessageId(), from, to, time, text, epoch: 1, seq: 1, base: 1 };
    this.emit('chat', message);
    return message;
  }

  /** The own message `message` reaches delivery state `state`. */
  deliver(message: ChatMessage, state: DeliveryState): void {
    this.emit('delivery', message, state);
  }

  /** Messages sent to `name` (any case). */
  sentTo(name: string): string[] {
    return this.sent.filter((m) => nameKey(m.to) === nameKey(name)).map((m) => m.text);
  }
}

function welcome(name: string): WelcomeMessage {
  return { kind: 'welcome', name, address: '127.0.0.1', port: 40000, heartbeatIntervalMs: 5000, presenceTimeoutMs: 15_000, token: new Uint8Array(16) };
}
