/**
 * Line mode in this process (runLineMode over a real ChatSession, real UDP,
 * an in-process relay), so that input can be timed against the session's
 * events: issue 10's "/to NAME before the contact list arrived" race, and
 * line mode's reports (items 1, 8, 14, 3).
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthKey, MAX_TEXT_BYTES, utf8Length } from '@udpchat/protocol';
import { startRelay, type Relay } from '@udpchat/server';
import { formatEvent } from '../src/line/format.js';
import { runLineMode } from '../src/line/lineMode.js';
import { ChatSession } from '../src/net/session.js';
import { inbox, registeredSession, testRelay } from './helpers/chat.js';
import { LineCollector, until } from './helpers/wait.js';

/** When the test writes the input: at once, or as soon as registration is accepted (before the contact list). */
type Timing = 'at-once' | 'on-registered';

interface LineRun {
  session: ChatSession;
  input: PassThrough;
  out: LineCollector;
  exit: Promise<number>;
}

/** Starts line mode as `name` at `port`; `script` is written at `timing` (and the input ended) when given. */
async function lineMode(port: number, name: string, options: { json?: boolean; script?: string; timing?: Timing } = {}): Promise<LineRun> {
  const session = await ChatSession.open({ host: '127.0.0.1', port, name, autoHost: false, helloRetryMs: 200 });
  const input = new PassThrough();
  const output = new PassThrough();
  const out = new LineCollector(output);
  if (options.script !== undefined) {
    if (options.timing === 'on-registered') session.once('registered', () => input.end(options.script));
    else input.end(options.script);
  }
  const exit = runLineMode({ session, json: options.json ?? true, input, output, errors: new PassThrough(), registerTimeoutMs: 3000 });
  return { session, input, out, exit };
}

describe('line mode: text meant for one person never goes to anyone else (issue 10)', () => {
  let relay: Relay;
  let port: number;
  beforeEach(async () => {
    relay = await testRelay();
    port = relay.address.port;
  });
  afterEach(async () => {
    await relay.stop();
  });

  it('/to carol then a line, 20 times, input at once or right after registration: carol gets each one, bob none', async () => {
    const bob = await registeredSession(relay, 'bob');
    const carol = await registeredSession(relay, 'carol');
    const atBob = inbox(bob);
    const atCarol = inbox(carol);
    try {
      for (let i = 1; i <= 20; i++) {
        const timing: Timing = i % 2 === 0 ? 'at-once' : 'on-registered';
        const run = await lineMode(port, `leak${i}`, { script: `/to carol\nfor carol only ${i}\n`, timing });
        expect(await run.exit).toBe(0);
        const events = run.out.json();
        expect(events.filter((e) => e.event === 'error')).toEqual([]);
        expect(events.find((e) => e.event === 'delivered')).toMatchObject({ to: 'carol', delivered: 1, of: 1 });
      }
      await until(() => atCarol.filter((m) => m.text.startsWith('for carol only')).length === 20, 'carol to get all 20');
      expect(atCarol.every((m) => m.to === 'carol')).toBe(true);
      expect(atBob.filter((m) => m.text.startsWith('for carol only'))).toEqual([]);
    } finally {
      await bob.close();
      await carol.close();
    }
  });

  it('/to a name that is offline switches anyway: the line fails for that name, and bob gets nothing', async () => {
    const bob = await registeredSession(relay, 'bob');
    const atBob = inbox(bob);
    try {
      const run = await lineMode(port, 'alice', { script: '/to echobot\nfor echobot only\n' });
      expect(await run.exit).toBe(0);
      const events = run.out.json();
      expect(events.find((e) => e.event === 'info')).toMatchObject({ message: expect.stringContaining('echobot is not online') });
      expect(events.find((e) => e.event === 'failed')).toMatchObject({ to: 'echobot', reason: 'echobot is not online' });
      expect(events.some((e) => e.event === 'delivered')).toBe(false);
      expect(atBob).toEqual([]);
    } finally {
      await bob.close();
    }
  });
});

describe('line mode reports (issue 10, items 8, 14, 3)', () => {
  let relay: Relay;
  let port: number;
  beforeEach(async () => {
    relay = await testRelay();
    port = relay.address.port;
  });
  afterEach(async () => {
    await relay.stop();
  });

  it('/who typed before registration waits for the contact list instead of saying nobody else', async () => {
    const bob = await registeredSession(relay, 'bob');
    const carol = await registeredSession(relay, 'carol');
    try {
      const run = await lineMode(port, 'alice', { script: '/who\n' });
      expect(await run.exit).toBe(0);
      const lists = run.out.json().filter((e) => e.event === 'contacts');
      expect(lists.length).toBeGreaterThanOrEqual(2); // the session's own, and /who's
      for (const list of lists) expect(list.names).toEqual(['bob', 'carol']);
    } finally {
      await bob.close();
      await carol.close();
    }
  });

  it('a group message with nobody else online says so', async () => {
    const run = await lineMode(port, 'alice', { json: false, script: 'anyone?\n' });
    expect(await run.exit).toBe(0);
    expect(run.out.lines.join('\n')).toMatch(/^\d\d:\d\d:\d\d \* at relay, nobody else online \([A-Za-z0-9_-]{21}\)$/m);
  });

  it('without the shared secret it reports the relay’s reason (SECRET_REQUIRED), not "did not answer"', async () => {
    const guarded = await startRelay({ host: '127.0.0.1', port: 0, secret: createAuthKey('s3cret s3cret') });
    try {
      const run = await lineMode(guarded.address.port, 'alice', { json: false, script: 'hi\n' });
      expect(await run.exit).toBe(1);
      const text = run.out.lines.join('\n');
      expect(text).toContain('did not let this client in: this relay requires the shared secret');
      expect(text).toMatch(/\(SECRET_REQUIRED\)$/m);
      expect(text).not.toContain('NO_RELAY');
    } finally {
      await guarded.stop();
    }
  });

  it('a 2,000-character line goes out as 3 messages, in order, with a notice', async () => {
    const bob = await registeredSession(relay, 'bob');
    const atBob = inbox(bob);
    const long = Array.from({ length: 400 }, (_, i) => `w${String(i).padStart(3, '0')}`).join(' ');
    try {
      const run = await lineMode(port, 'alice', { script: `@bob ${long}\n` });
      expect(await run.exit).toBe(0);
      expect(run.out.json().find((e) => e.event === 'info')).toMatchObject({ message: 'sent as 3 messages (over 790 bytes)' });
      await until(() => atBob.length === 3, 'the 3 parts at bob');
      for (const m of atBob) expect(utf8Length(m.text)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
      expect(atBob.map((m) => m.text).join(' ')).toBe(long);
    } finally {
      await bob.close();
    }
  });

  it('another contact renamed: the line is printed, and /to follows them to the new name', async () => {
    const bob = await registeredSession(relay, 'bob');
    const atBob = inbox(bob);
    try {
      const run = await lineMode(port, 'alice');
      run.input.write('/to bob\n/who\n');
      await until(() => run.out.json().filter((e) => e.event === 'contacts').length >= 2, '/who to be answered');
      // What the session emits when the relay says bob renamed (the relay here does not know robert).
      run.session.emit('rename', 'bob', 'robert');
      run.input.end('still you?\n');
      expect(await run.exit).toBe(0);
      const events = run.out.json();
      expect(events.find((e) => e.event === 'renamed')).toMatchObject({ from: 'bob', to: 'robert' });
      expect(events.find((e) => e.event === 'failed')).toMatchObject({ to: 'robert' });
      expect(atBob).toEqual([]);
    } finally {
      await bob.close();
    }
  });
});

describe('formatEvent: the new events and fields', () => {
  it('a message carries its arrival time and, as sent, the sender’s clock; renames and at-relay read clearly', () => {
    const time = Date.UTC(2026, 0, 2, 3, 4, 5);
    const json = JSON.parse(formatEvent({ event: 'message', id: 'x', from: 'bob', to: 'all', text: 'hi', time, sent: time - 3_600_000 }, true)) as Record<string, unknown>;
    expect(json).toMatchObject({ time: '2026-01-02T03:04:05.000Z', sent: '2026-01-02T02:04:05.000Z' });
    expect(formatEvent({ event: 'renamed', from: 'alicia', to: 'carol', time }, false)).toMatch(/^\d\d:\d\d:\d\d \* alicia is now carol$/);
    expect(formatEvent({ event: 'at-relay', id: 'x', to: 'all', recipients: 0, time }, false)).toMatch(/\* at relay, nobody else online \(x\)$/);
  });
});
