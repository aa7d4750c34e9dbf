import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Relay } from '@udpchat/server';
import type { ChatSession } from '../src/net/session.js';
import { ChatStore } from '../src/state/store.js';
import type { MessageEntry } from '../src/state/types.js';
import { inbox, registeredSession, storeFixture } from './helpers/chat.js';
import { until } from './helpers/wait.js';

/** The store over real sessions and a real relay on 127.0.0.1: what the relay answers for names that are not online. */
describe('store over UDP: a message for one name never reaches anyone else (issue 10)', () => {
  let relay: Relay;
  let alice: ChatSession;
  let bob: ChatSession;
  let store: ChatStore;
  const fixture = storeFixture({ storeFirst: false });
  beforeEach(() => ({ relay, alice, bob, store } = fixture));

  const ownEntries = () => store.getSnapshot().open.entries.filter((e): e is MessageEntry => e.kind === 'message' && e.own);

  it('/to carol (not online) then a line: the relay refuses it for carol (✗), bob gets nothing', async () => {
    const got = inbox(bob);
    expect(store.submit('/to carol')).toBe('done');
    expect(store.submit('for carol only')).toBe('done');
    await until(() => ownEntries()[0]?.delivery?.state === 'failed', 'the message to fail for carol');
    expect(ownEntries()[0]?.delivery).toEqual({ state: 'failed', reason: 'carol is not online' });
    expect(store.getSnapshot().open.key).toBe('carol');
    // A group message after it proves bob was listening all along.
    store.submit('@all now everyone');
    await until(() => got.length > 0, 'bob to get the group message');
    expect(got.map((m) => m.text)).toEqual(['now everyone']);
  });

  it('echobot left: /to echobot reopens its conversation; sending there fails for echobot, never goes to all', async () => {
    const echobot = await registeredSession(relay, 'echobot');
    await until(() => store.getSnapshot().contacts.some((c) => c.name === 'echobot'), 'echobot in the list');
    echobot.send('alice', 'echo: hello');
    await until(() => store.getSnapshot().contacts.find((c) => c.name === 'echobot')?.unread === 1, 'the message from echobot');
    await echobot.close();
    await until(() => store.getSnapshot().contacts.find((c) => c.name === 'echobot')?.online === false, 'echobot offline, still listed');
    const got = inbox(bob);
    store.submit('/to echobot');
    await until(() => store.getSnapshot().open.key === 'echobot', 'the conversation with echobot');
    expect(store.getSnapshot().open.entries.map((e) => e.text)).toEqual(['echo: hello', 'echobot left']);
    store.submit('are you there?');
    await until(() => ownEntries()[0]?.delivery?.state === 'failed', 'the message to fail for echobot');
    expect(ownEntries()[0]?.delivery).toEqual({ state: 'failed', reason: 'echobot is not online' });
    store.submit('@all ping');
    await until(() => got.length > 0, 'bob to get the group message');
    expect(got.map((m) => m.text)).toEqual(['ping']);
  });
});
