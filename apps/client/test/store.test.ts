import { MAX_TEXT_BYTES, utf8Length } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { SendError } from '../src/net/session.js';
import { ChatStore } from '../src/state/store.js';
import type { ChatSnapshot, MessageEntry } from '../src/state/types.js';
import { FakeBackend } from './helpers/fakeBackend.js';

/** A store over a fake backend; `snap()` flushes and returns the snapshot. */
function setup(name = 'alice') {
  const backend = new FakeBackend(name);
  const store = new ChatStore(backend, { notifyEveryMs: 1_000_000 });
  const snap = (): ChatSnapshot => {
    store.flush();
    return store.getSnapshot();
  };
  return { backend, store, snap };
}

const texts = (s: ChatSnapshot) => s.open.entries.map((e) => e.text);
const own = (s: ChatSnapshot) => s.open.entries.filter((e): e is MessageEntry => e.kind === 'message' && e.own);

describe('store: a direct message never goes to all (issue 10, item 1)', () => {
  it('/to carol before the contact list arrived opens carol, and the next line goes to carol only', () => {
    const { backend, store, snap } = setup();
    backend.register();
    // registered, but the contact list (carol, bob) has not arrived yet
    expect(store.submit('/to carol')).toBe('done');
    expect(store.submit('for carol only')).toBe('done');
    expect(backend.sentTo('all')).toEqual([]);
    expect(backend.sentTo('carol')).toEqual(['for carol only']);
    expect(snap().open.key).toBe('carol');
    backend.list('bob', 'carol');
    expect(snap().openOnline).toBe(true);
  });

  it('/to a name nobody has: the conversation opens, the notice says so, and sending there goes to that name', () => {
    const { backend, store, snap } = setup();
    backend.register();
    backend.list('bob');
    store.submit('/to zed');
    expect(snap().notice).toMatchObject({ level: 'error', text: expect.stringContaining('zed is not online') });
    store.submit('hello?');
    expect(backend.sentTo('zed')).toEqual(['hello?']);
    expect(backend.sentTo('all')).toEqual([]);
    // A typo leaves nothing behind once another conversation is opened... unless something was written there.
    store.submit('/to nobody');
    store.submit('/to all');
    expect(snap().contacts.map((c) => c.name)).toEqual(['all', 'bob', 'zed']);
  });
});

describe('store: long texts are split, refusals keep the input (item 8)', () => {
  it('a 2,000-character text goes out as 3 messages of at most 790 bytes, in order, with a notice', () => {
    const { backend, store, snap } = setup();
    backend.register();
    backend.list('bob');
    const words = Array.from({ length: 400 }, (_, i) => `w${String(i).padStart(3, '0')}`);
    const long = words.join(' '); // 400 × 4 + 399 = 1,999 characters
    expect(store.submit(long)).toBe('done');
    const parts = backend.sentTo('all');
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(utf8Length(p)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(parts.join(' ')).toBe(long); // cut at spaces only: no word is split
    expect(snap().notice).toEqual({ text: 'sent as 3 messages (over 790 bytes)', level: 'info' });
    expect(own(snap()).map((e) => e.text)).toEqual(parts);
  });

  it('a refused send and a mistyped command return kept, so the editor keeps the text', () => {
    const { backend, store, snap } = setup();
    backend.register();
    backend.refuse = new SendError('QUEUE_FULL', 'too many messages waiting');
    expect(store.submit('hello')).toBe('kept');
    expect(snap().notice).toMatchObject({ level: 'error', text: 'too many messages waiting' });
    expect(store.submit('/to')).toBe('kept');
    backend.refuse = null;
    expect(store.submit('hello')).toBe('done');
  });
});

describe('store: conversations with offline contacts stay (item 10)', () => {
  it('echobot leaves: still listed (offline), readable, reopened by /to, and sending there goes to echobot', () => {
    const { backend, store, snap } = setup();
    backend.register();
    backend.list('bob', 'echobot');
    backend.incoming('echobot', 'echo: hi', 'alice');
    store.submit('/to echobot');
    store.submit('/to all');
    backend.emit('leave', 'echobot', 'bye');
    const rows = snap().contacts;
    expect(rows.map((c) => [c.name, c.online])).toEqual([
      ['all', true],
      ['bob', true],
      ['echobot', false],
    ]);
    expect(store.submit('/to echobot')).toBe('done');
    const s = snap();
    expect(s.open.key).toBe('echobot');
    expect(s.openOnline).toBe(false);
    expect(s.notice).toEqual({ text: 'echobot is offline: messages sent here fail until echobot is back', level: 'warning' });
    expect(texts(s)).toEqual(expect.arrayContaining(['echo: hi', 'echobot left']));
    store.submit('are you there?');
    expect(backend.sentTo('echobot')).toEqual(['are you there?']);
    expect(backend.sentTo('all')).toEqual([]);
  });
});

describe('store: notices (item 11)', () => {
  it('a direct preview is not overwritten by a later group message, and is cleared when its conversation is opened', () => {
    const { backend, store, snap } = setup();
    backend.register();
    backend.list('bob', 'carol');
    store.submit('/to carol');
    backend.incoming('bob', 'psst, only you', 'alice');
    backend.incoming('carol', 'hello group', 'all');
    const notice = snap().notice?.text ?? '';
    expect(notice.startsWith('bob: psst, only you')).toBe(true);
    expect(notice).toContain('carol in all: hello group');
    store.submit('/to bob');
    expect(snap().notice?.text ?? '').not.toContain('psst');
    expect(snap().notice?.text).toContain('carol in all: hello group');
    store.submit('/to all');
    expect(snap().notice).toBeNull();
  });

  it('@bob text from another conversation shows → bob: text with its delivery state', () => {
    const { backend, store, snap } = setup();
    backend.register();
    backend.list('bob');
    store.submit('@bob just for you');
    expect(snap().notice?.text).toBe('→ bob: just for you …');
    const message = backend.sent[0]!;
    backend.deliver(message, { state: 'at-relay', recipients: 1, acked: 0, final: false });
    expect(snap().notice?.text).toBe('→ bob: just for you ✓');
    backend.deliver(message, { state: 'delivered', delivered: 1, of: 1 });
    expect(snap().notice).toEqual({ text: '→ bob: just for you ✓✓', level: 'info' });
  });

  it('@zed text that the relay refuses shows ✗ for zed in the notice', () => {
    const { backend, store, snap } = setup();
    backend.register();
    backend.list('bob');
    store.submit('@zed hi');
    const message = backend.sent[0]!;
    backend.deliver(message, { state: 'failed', reason: 'zed is not online' });
    backend.emit('relay-error', { kind: 'error', code: 'UNKNOWN_CONTACT', message: 'zed is not online', ref: message.id });
    expect(snap().notice).toEqual({ text: '→ zed: hi ✗ zed is not online', level: 'error' });
  });
});

describe('store: entries in time order (item 15)', () => {
  it('a message from a sender whose clock is an hour behind is timed at its arrival, after the join above it', () => {
    const { backend, snap } = setup();
    backend.register();
    backend.list();
    backend.emit('join', { name: 'bob', type: 'client' });
    const sentAt = Date.now() - 3_600_000;
    backend.incoming('bob', 'hi from the past', 'all', sentAt);
    const entries = snap().open.entries;
    const joined = entries.findIndex((e) => e.text === 'bob joined');
    const message = entries.findIndex((e) => e.text === 'hi from the past');
    expect(message).toBeGreaterThan(joined);
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.time).toBeGreaterThanOrEqual(entries[i - 1]!.time);
    expect((entries[message] as MessageEntry).sentAt).toBe(sentAt);
  });
});

describe('store: renames (item 3)', () => {
  it('an own rename keeps everything, says "you are now NEW" and sends as NEW', () => {
    const { backend, store, snap } = setup('alicia');
    backend.register();
    backend.list('bob');
    store.submit('@bob before');
    store.submit('/to bob');
    store.submit('/name carol');
    expect(backend.renames).toEqual(['carol']);
    backend.register('carol');
    const s = snap();
    expect(s.open.key).toBe('bob');
    expect(texts(s)).toContain('before');
    expect(s.notice?.text).toBe('you are now carol');
    store.submit('after');
    expect(own(snap()).map((e) => [e.from, e.text])).toEqual([
      ['alicia', 'before'],
      ['carol', 'after'],
    ]);
  });

  it('a refused own rename: "name carol is taken; you are still alicia", nothing moves', () => {
    const { backend, store, snap } = setup('alicia');
    backend.register();
    backend.list('bob', 'carol');
    store.submit('/to bob');
    store.submit('/name carol');
    backend.emit('relay-error', { kind: 'error', code: 'NAME_TAKEN', message: 'name "carol" is taken', ref: '' });
    expect(snap().notice).toEqual({ text: 'name carol is taken; you are still alicia', level: 'error' });
    expect(snap().open.key).toBe('bob');
  });

  it('another contact renamed: its conversation, history and unread count move to the new name', () => {
    const { backend, store, snap } = setup('bob');
    backend.register();
    backend.list('alicia');
    backend.incoming('alicia', 'one', 'bob');
    backend.incoming('alicia', 'two', 'bob');
    backend.emit('rename', 'alicia', 'carol');
    const s = snap();
    expect(s.contacts.map((c) => [c.name, c.unread, c.online])).toEqual([
      ['all', 0, true],
      ['carol', 2, true],
    ]);
    store.submit('/to carol');
    expect(texts(snap())).toEqual(['one', 'two', 'alicia is now carol']);
    store.submit('still you?');
    expect(backend.sentTo('carol')).toEqual(['still you?']);
    expect(backend.sentTo('alicia')).toEqual([]);
  });

  it('messages typed before registration are shown under the name they go out as', () => {
    const { backend, store, snap } = setup('bob');
    backend.registration = 'refused'; // "bob" was taken
    store.submit('typed while refused');
    expect(own(snap())[0]?.from).toBe('bob');
    store.submit('/name bob2');
    backend.register('bob2');
    expect(own(snap()).map((e) => [e.from, e.text])).toEqual([['bob2', 'typed while refused']]);
  });
});
