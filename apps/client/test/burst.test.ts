/**
 * Datagrams keep their boundaries: a /burst of N messages is N datagrams and
 * N separate messages at the receiver, in order — never merged, never split.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Relay } from '@udpchat/server';
import type { ChatSession } from '../src/net/session.js';
import { ChatStore } from '../src/state/store.js';
import type { MessageEntry } from '../src/state/types.js';
import { registeredSession, testRelay } from './helpers/chat.js';
import { until } from './helpers/wait.js';

describe('/burst and the datagram inspector', () => {
  let relay: Relay;
  let alice: ChatSession;
  let bob: ChatSession;
  let aliceStore: ChatStore;
  let bobStore: ChatStore;

  beforeEach(async () => {
    // The relay's default rate limit (200/s, bursts of 400 per address) is on: the client paces
    // its chats below it, so none of the 500 is dropped there and they arrive in order.
    relay = await testRelay();
    alice = await registeredSession(relay, 'alice');
    aliceStore = new ChatStore(alice, { notifyEveryMs: 5 });
    bob = await registeredSession(relay, 'bob');
    bobStore = new ChatStore(bob, { notifyEveryMs: 5 });
  });
  afterEach(async () => {
    aliceStore.dispose();
    bobStore.dispose();
    await alice.close();
    await bob.close();
    await relay.stop();
  });

  const received = () =>
    bobStore.getSnapshot().open.entries.filter((e): e is MessageEntry => e.kind === 'message' && !e.own);

  it('/burst 500 arrives as 500 separate messages and 500 inspector rows, in order', async () => {
    await until(() => {
      aliceStore.flush();
      return aliceStore.getSnapshot().contacts.length === 2;
    }, 'alice to see bob');
    aliceStore.submit('/burst 500 hello');
    await until(() => {
      bobStore.flush();
      return received().length >= 500;
    }, '500 messages at bob', 20_000);
    const texts = received().map((e) => e.text);
    expect(texts).toEqual(Array.from({ length: 500 }, (_, i) => `hello ${i + 1}/500`));
    const chats = bobStore.getSnapshot().inspector.records.filter((r) => r.direction === 'in' && r.kind === 'chat');
    // Each of the 500 is one whole datagram in the inspector, in order. A datagram seen again is a
    // retransmission (the sender's timer ran out before bob's delayed ack came back: on a loaded machine
    // alice, bob and the relay share this process): the same message again, whole, never a merge or a split.
    const numbers = chats.map((r) => Number(/hello (\d+)\/500$/.exec(new TextDecoder().decode(r.bytes))?.[1] ?? NaN));
    expect(numbers.every((n) => n >= 1 && n <= 500)).toBe(true);
    const firsts = numbers.filter((n, i) => numbers.indexOf(n) === i);
    expect(firsts).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(chats.length).toBeLessThan(1000); // retransmissions are the exception, not the rule
    // alice's inspector shows 500 chat datagrams going out
    const out = aliceStore.getSnapshot().inspector.total;
    expect(out).toBeGreaterThanOrEqual(500);
  });

  it('/empty sends a 0-byte datagram that the inspector shows, and the relay counts it', async () => {
    aliceStore.submit('/empty');
    aliceStore.flush();
    const empty = aliceStore.getSnapshot().inspector.records.find((r) => r.kind === 'empty');
    expect(empty?.bytes.length).toBe(0);
    expect(empty?.direction).toBe('out');
    await until(() => relay.stats().datagramsIn > 0 && Object.values(relay.stats().dropped).reduce((a, b) => a + b, 0) >= 1, 'the relay to count the empty datagram');
  });

  it('/burst refuses a bad count with a usage line', () => {
    aliceStore.submit('/burst 0');
    aliceStore.flush();
    expect(aliceStore.getSnapshot().notice?.text).toBe('usage: /burst N [text], N from 1 to 10000');
  });
});
