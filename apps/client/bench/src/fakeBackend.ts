/**
 * A session stand-in for the store: no sockets, it only emits the events a
 * `ChatSession` would. The benchmark pushes 'chat' events through it, so what
 * is measured is the store and the UI, not the network.
 */
import { EventEmitter } from 'node:events';
import { GROUP_ALL, type ChatMessage } from '@udpchat/protocol';
import type { ChatBackend } from '../../dist/state/store.js';
import type { RegistrationState, RelayStatus, SessionEvents } from '../../dist/net/session.js';
import type { DatagramRecord, Endpoint } from '../../dist/net/transport.js';

/** A registered, answering session named `name` that never sends anything anywhere. */
export class FakeBackend extends EventEmitter<SessionEvents> {
  readonly registration: RegistrationState = 'registered';
  readonly status: RelayStatus = 'answering';
  readonly relay: Endpoint = { address: '127.0.0.1', port: 8081 };
  readonly seenAs: Endpoint | null = { address: '127.0.0.1', port: 40000 };
  readonly hosting = false;
  readonly hostedOthers = 0;
  readonly simulation: string | null = null;
  private seq = 0;

  constructor(public name: string) {
    super();
  }

  /** Accepts the message and reports nothing (no delivery events). */
  send(to: string, text: string): ChatMessage {
    this.seq++;
    return { kind: 'chat', id: `own${this.seq}`, from: this.name, to, epoch: 1, seq: this.seq, base: 0, time: Date.now(), text };
  }

  rename(name: string): void {
    this.name = name;
  }

  sendEmpty(): void {}

  watchDatagrams(_listener: (record: DatagramRecord) => void): () => void {
    return () => {};
  }

  /** This object as the store's backend type. */
  asBackend(): ChatBackend {
    return this as unknown as ChatBackend;
  }
}

const SENDERS = ['bob', 'carol', 'dave', '小明', 'erin'];
const TEXTS = [
  'ok',
  'see you at 8',
  '你好，今天的会议改到下午三点了',
  'did anyone try the new relay build? it seems fine on my side 👍',
  'a longer message that has to wrap in the conversation pane, because it goes on and on about UDP datagrams, ' +
    'retransmission timers, acknowledgements and why every message keeps its boundaries on the wire',
  '🎉🎉🎉',
  'mixed 中文 and English, with an emoji 😀 in the middle',
];

/**
 * The `i`-th synthetic group message (deterministic): varied senders, CJK and
 * emoji, about one in seven long enough to wrap over several rows.
 * @param i index from 0; it appears in the text, so every message is unique
 * @param tag word put first in the text (to find a message on screen)
 */
export function syntheticMessage(i: number, tag = 'msg'): ChatMessage {
  const from = SENDERS[i % SENDERS.length] as string;
  const text = `${tag} ${i + 1} ${TEXTS[i % TEXTS.length] as string}`;
  return { kind: 'chat', id: `${tag}${i}`, from, to: GROUP_ALL, epoch: 1, seq: i + 1, base: 0, time: Date.now(), text };
}
