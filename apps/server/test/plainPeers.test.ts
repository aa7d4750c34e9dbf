import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeDatagram, encode, isProtocolDatagram, isValidUtf8, MAX_TEXT_BYTES, paddedHello, utf8Length } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import {
  formatPlainText,
  parsePlainText,
  PLAIN_DATAGRAM_MAX_BYTES,
  type Relay,
  type RelayContactInfo,
} from '../src/index.js';
import { barrier, chat } from './helpers/peer.js';
import type { RawPeer } from './helpers/raw.js';
import { captureLogger, peerOf, rawPeerOf, registered, testRelay } from './helpers/relay.js';
import { until } from './helpers/wait.js';
import { addsUp } from './helpers/stats.js';

const QQ_CLIENT = fileURLToPath(new URL('./fixtures/qq_client.py', import.meta.url));
const NANOID = /^[A-Za-z0-9_-]{21}$/;

/** Asserts `bytes` is one plain datagram: UTF-8, no protocol header, at most 1024 bytes. */
function expectPlainDatagram(bytes: Buffer): string {
  expect(isProtocolDatagram(bytes)).toBe(false);
  expect(isValidUtf8(bytes)).toBe(true);
  expect(bytes.length).toBeLessThanOrEqual(PLAIN_DATAGRAM_MAX_BYTES);
  const text = bytes.toString('utf8');
  expect(text.endsWith('\n')).toBe(true); // one line per datagram, for nc
  return text.slice(0, -1);
}

describe('parsePlainText', () => {
  it('strips exactly one trailing newline and reads @NAME as a direct message', () => {
    expect(parsePlainText('hello from nc\n')).toEqual({ kind: 'group', text: 'hello from nc' });
    expect(parsePlainText('windows\r\n')).toEqual({ kind: 'group', text: 'windows' });
    expect(parsePlainText('two\n\n')).toEqual({ kind: 'group', text: 'two\n' });
    expect(parsePlainText('no newline')).toEqual({ kind: 'group', text: 'no newline' });
    expect(parsePlainText('@bob hi there\n')).toEqual({ kind: 'direct', to: 'bob', text: 'hi there' });
    expect(parsePlainText('@127.0.0.1:5000 yo')).toEqual({ kind: 'direct', to: '127.0.0.1:5000', text: 'yo' });
    expect(parsePlainText('@ALL everyone\n')).toEqual({ kind: 'group', text: 'everyone' });
    expect(parsePlainText('@bob')).toEqual({ kind: 'group', text: '@bob' });
    expect(parsePlainText('mail me @bob x')).toEqual({ kind: 'group', text: 'mail me @bob x' });
  });

  it('returns null when nothing is left to send', () => {
    for (const raw of ['\n', '\r\n', '@bob \n', '@bob ']) expect(parsePlainText(raw), JSON.stringify(raw)).toBeNull();
    expect(parsePlainText(' \n')).toEqual({ kind: 'group', text: ' ' });
  });
});

describe('formatPlainText', () => {
  it('is [sender] text, unchanged when it fits', () => {
    expect(formatPlainText('bob', '你好')).toBe('[bob] 你好\n');
  });

  it('cuts at a character boundary with … within the byte limit, never inside an emoji sequence', () => {
    const family = '👨‍👩‍👧'; // 18 bytes, one grapheme of 5 code points
    for (let max = 9; max < 60; max++) {
      const out = formatPlainText('a', `x${family.repeat(5)}`, max);
      expect(utf8Length(out), `max ${max}`).toBeLessThanOrEqual(max);
      expect(out.endsWith('…\n')).toBe(true);
      const kept = out.slice('[a] x'.length, -2);
      expect(kept.length % family.length, `max ${max}: ${JSON.stringify(kept)}`).toBe(0);
    }
    const long = formatPlainText('sender', 'é€😀'.repeat(1000));
    expect(utf8Length(long)).toBeLessThanOrEqual(1024);
    expect(utf8Length(long)).toBeGreaterThan(1024 - 4 - 3);
    expect(isValidUtf8(Buffer.from(long))).toBe(true);
  });
});

/** The `plainText` vectors of packages/protocol/test-vectors.json (PROTOCOL.md §6, plain-text peers). */
interface PlainVectors {
  fromPeer: Array<{ name: string; line: string; result: { to: string; text: string; clientText?: string } | null }>;
  toPeer: Array<{ name: string; sender: string; text: string; hex: string }>;
}
const PLAIN_VECTORS = (
  JSON.parse(readFileSync(new URL('../../../packages/protocol/test-vectors.json', import.meta.url), 'utf8')) as { plainText: PlainVectors }
).plainText;

describe('plain-text vectors (test-vectors.json, PROTOCOL.md §6)', () => {
  it.each(PLAIN_VECTORS.toPeer.map((v) => [v.name, v] as const))('toPeer %s: formatPlainText gives exactly the bytes', (_name, v) => {
    const bytes = Buffer.from(formatPlainText(v.sender, v.text));
    expect(bytes.toString('hex')).toBe(v.hex);
    expect(bytes.length).toBeLessThanOrEqual(PLAIN_DATAGRAM_MAX_BYTES);
  });

  it('PROTOCOL.md quotes the bytes of the from-client vector', () => {
    const doc = readFileSync(new URL('../../../packages/protocol/PROTOCOL.md', import.meta.url), 'utf8');
    expect(doc).toContain(PLAIN_VECTORS.toPeer.find((v) => v.name === 'from-client')!.hex);
  });

  it('fromPeer: each line, sent by a real plain peer, reaches bob and another plain peer as the vector says', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const nc = await rawPeerOf(relay);
    const other = await rawPeerOf(relay);
    await other.send('here\n');
    await bob!.next('chat', (m) => m.text === 'here');
    for (const v of PLAIN_VECTORS.fromPeer) {
      const parsed = parsePlainText(v.line);
      if (v.result === null) {
        expect(parsed, v.name).toBeNull();
        continue;
      }
      expect(parsed, v.name).toEqual(v.result.to === 'all' ? { kind: 'group', text: v.result.text } : { kind: 'direct', to: v.result.to, text: v.result.text });
      await nc.send(v.line);
      const got = await bob!.next('chat', (m) => m.from === nc.contactName);
      expect(got, v.name).toMatchObject({ to: v.result.to === 'all' ? 'all' : 'bob', seq: 0, base: 0, text: v.result.clientText ?? v.result.text });
      if (v.result.to === 'all') expect(await other.nextText(), v.name).toBe(`[${nc.contactName}] ${v.result.text}`);
    }
    // The lines that relay nothing: no chat for bob (the next one is the marker), no line for the other peer.
    for (const v of PLAIN_VECTORS.fromPeer.filter((x) => x.result === null)) await nc.send(v.line);
    await nc.send('marker\n');
    expect((await bob!.next('chat', (m) => m.from === nc.contactName)).text).toBe('marker');
    expect(await other.nextText()).toBe(`[${nc.contactName}] marker`);
    expect(relay.stats().ignored['empty-text']).toBe(PLAIN_VECTORS.fromPeer.filter((x) => x.result === null).length);
  });
});

describe('a plain-text (netcat-style) peer', () => {
  it('joins as a plain contact on its first datagram and chats to the group', async () => {
    const { logger, lines } = captureLogger();
    const joined: RelayContactInfo[] = [];
    const relay = await testRelay({ logger, onJoin: (c) => joined.push(c) });
    const [bob] = await registered(relay, 'bob');
    const nc = await rawPeerOf(relay);
    const name = `127.0.0.1:${nc.port}`;
    expect(nc.contactName).toBe(name);

    const before = Date.now();
    await nc.send('hello from nc\n');
    // In this order: the join, then the chat.
    expect(await bob!.nextMatching(() => true)).toMatchObject({ kind: 'join', name, type: 'plain' });
    const message = await bob!.nextMatching(() => true);
    expect(message).toMatchObject({ kind: 'chat', from: name, to: 'all', epoch: 0, seq: 0, base: 0, text: 'hello from nc' }); // unnumbered: shown at once, never acked
    if (message.kind !== 'chat') throw new Error('not a chat');
    expect(message.id).toMatch(NANOID);
    expect(message.time).toBeGreaterThanOrEqual(before);
    expect(message.time).toBeLessThanOrEqual(Date.now());

    // Its second line: no second join, \r\n stripped too.
    await nc.send('second line\r\n');
    expect(await bob!.next('chat')).toMatchObject({ from: name, text: 'second line' });
    expect(bob!.pending('join')).toEqual([]);

    // A client registering later finds it in its contact list, type plain.
    const carol = await peerOf(relay);
    const { contacts } = await carol.register('carol');
    expect(contacts).toEqual([
      { name: 'bob', type: 'client' },
      { name, type: 'plain' },
    ]);
    expect(relay.contacts().map((c) => [c.name, c.type])).toEqual([
      ['bob', 'client'],
      [name, 'plain'],
      ['carol', 'client'],
    ]);
    expect(joined.map((c) => [c.name, c.type])).toEqual([
      ['bob', 'client'],
      [name, 'plain'],
      ['carol', 'client'],
    ]);
    const log = lines.find((l) => l.msg === 'plain peer joined');
    expect(log).toMatchObject({ contact: name, address: '127.0.0.1', port: nc.port });
    expect(log).not.toHaveProperty('name');

    // The plain peer never got protocol traffic: the first thing it receives is bob's group message.
    await bob!.send(chat('all', 'welcome, nc'));
    expect(expectPlainDatagram(await nc.next())).toBe('[bob] welcome, nc');
    expect(nc.received).toHaveLength(1);
    expect(addsUp(relay.stats())).toBe(true);
  });

  it('sends `@bob hi` to bob only, as a direct chat', async () => {
    const relay = await testRelay();
    const [bob, carol] = await registered(relay, 'bob', 'carol');
    const nc = await rawPeerOf(relay);
    await nc.send('@bob hi\n');
    expect(await bob!.next('join', (m) => m.name !== 'carol')).toMatchObject({ kind: 'join', name: nc.contactName, type: 'plain' });
    expect(await bob!.next('chat')).toMatchObject({ from: nc.contactName, to: 'bob', text: 'hi' });
    expect(await carol!.next('join')).toMatchObject({ kind: 'join', name: nc.contactName, type: 'plain' });
    // Names are case-insensitive.
    await nc.send('@BOB shouting\n');
    expect(await bob!.next('chat')).toMatchObject({ from: nc.contactName, to: 'bob', text: 'shouting' });
    // carol got neither: the first chat she receives is the one bob sends her now.
    await bob!.send(chat('carol', 'marker'));
    expect(await carol!.next('chat')).toMatchObject({ from: 'bob', to: 'carol', text: 'marker' });
    expect(carol!.pending('chat')).toEqual([]);
    // And nc got no reply (no "[relay] … is not online").
    await bob!.send(chat('all', 'marker 2'));
    expect(await nc.nextText()).toBe('[bob] marker 2');
    expect(nc.received).toHaveLength(1);
  });

  it('receives direct replies and group messages from clients as one plain datagram each', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const nc = await rawPeerOf(relay);
    await nc.send('hi bob\n');
    await bob!.next('chat', (m) => m.text === 'hi bob');

    await bob!.send(chat(nc.contactName, '你好 nc'));
    expect(expectPlainDatagram(await nc.next())).toBe('[bob] 你好 nc');
    await bob!.send(chat('all', 'to everyone'));
    expect(expectPlainDatagram(await nc.next())).toBe('[bob] to everyone');

    const big = '界'.repeat(263) + 'x'; // 790 bytes, the largest chat text
    expect(utf8Length(big)).toBe(MAX_TEXT_BYTES);
    await bob!.send(chat(nc.contactName, big));
    const bytes = await nc.next();
    expect(expectPlainDatagram(bytes)).toBe(`[bob] ${big}`);
    expect(bytes.length).toBe(6 + MAX_TEXT_BYTES + 1);

    // Exactly one datagram each, and bob got no error for any of them.
    await barrier(bob!, 1);
    expect(nc.received).toHaveLength(3);
    expect(bob!.pending('error')).toEqual([]);
    expect(relay.stats().refused).toEqual({});
  });

  it('cuts long plain -> plain text to 1024 bytes and long plain -> client text to 790 bytes, with …', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const one = await rawPeerOf(relay);
    const two = await rawPeerOf(relay);
    await one.send('first\n');
    await bob!.next('chat', (m) => m.text === 'first');
    await two.send('second\n');
    expect(await one.nextText()).toBe(`[${two.contactName}] second`);

    const long = 'aé€😀'.repeat(300); // 10 bytes a repeat: 3000 bytes
    expect(utf8Length(long)).toBe(3000);
    await one.send(`${long}\n`);

    const bytes = await two.next();
    const text = expectPlainDatagram(bytes);
    expect(text.endsWith('…')).toBe(true);
    const prefix = `[${one.contactName}] `;
    expect(text.startsWith(prefix)).toBe(true);
    expect(long.startsWith(text.slice(prefix.length, -1))).toBe(true);
    expect(bytes.length).toBeGreaterThan(1024 - 4 - 3); // cut no shorter than it had to be

    const got = await bob!.next('chat', (m) => m.from === one.contactName && m.text !== 'first');
    expect(utf8Length(got.text)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(utf8Length(got.text)).toBeGreaterThan(MAX_TEXT_BYTES - 4 - 3);
    expect(got.text.endsWith('…')).toBe(true);
    expect(long.startsWith(got.text.slice(0, -1))).toBe(true);
    expect(got.to).toBe('all');

    // The sender does not get its own text back.
    await bob!.send(chat('all', 'done'));
    expect(await one.nextText()).toBe('[bob] done');
    expect(one.received.map((b) => b.toString())).toEqual([`[${two.contactName}] second\n`, '[bob] done\n']);
  });

  it('drops invalid UTF-8, 0-byte datagrams and empty lines without a contact, counting each', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({ logger });
    const [bob] = await registered(relay, 'bob');
    const nc = await rawPeerOf(relay);
    const before = relay.stats();

    await nc.send(Uint8Array.of(0xc3, 0x28));
    await until(() => relay.stats().dropped.BAD_UTF8 === 1, 'the BAD_UTF8 drop');
    await nc.send(new Uint8Array(0));
    await until(() => relay.stats().dropped['empty-datagram'] === 1, 'the empty-datagram drop');
    await nc.send('\n');
    await until(() => relay.stats().ignored['empty-text'] === 1, 'the empty-text drop');
    await nc.send('@bob \n');
    await until(() => relay.stats().ignored['empty-text'] === 2, 'the second empty-text drop');

    const stats = relay.stats();
    expect(stats.datagramsIn - before.datagramsIn).toBe(4);
    expect(stats.malformed - before.malformed).toBe(1); // the bad UTF-8
    expect(stats.empty - before.empty).toBe(1); // the 0-byte datagram
    expect(stats.accepted - before.accepted).toBe(2); // well-formed text that said nothing
    expect(stats.contacts).toBe(1);
    expect(addsUp(stats)).toBe(true);
    expect(lines.find((l) => l.msg === `0-byte datagram from 127.0.0.1:${nc.port}`)).toMatchObject({ reason: 'empty-datagram', bytes: 0 });
    expect(lines.find((l) => l.reason === 'BAD_UTF8')).toMatchObject({ msg: 'datagram dropped', from: nc.contactName, bytes: 2 });

    // Nothing was relayed and nothing joined: bob's next message is the join the first real line causes.
    await barrier(bob!, 1);
    expect(bob!.inbox).toEqual([]);
    await nc.send('now for real\n');
    expect(await bob!.nextMatching(() => true)).toMatchObject({ kind: 'join', name: nc.contactName, type: 'plain' });
    expect(await bob!.next('chat')).toMatchObject({ text: 'now for real' });
    expect(nc.received).toEqual([]);
    expect(addsUp(relay.stats())).toBe(true);
  });

  it('drops plain text from the address of a registered client', async () => {
    const relay = await testRelay();
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    await alice!.sendRaw(Buffer.from('not a protocol message\n'));
    await until(() => relay.stats().ignored['plain-from-client'] === 1, 'the plain-from-client drop');
    await barrier(bob!, 1);
    expect(bob!.inbox).toEqual([]);
    expect(relay.contacts().map((c) => c.type)).toEqual(['client', 'client']);
  });

  it('expires after plainPeerTimeoutMs without traffic; traffic keeps it alive', async () => {
    const { logger, lines } = captureLogger();
    const left: Array<[string, string, string]> = [];
    const relay = await testRelay({
      logger,
      plainPeerTimeoutMs: 300,
      sweepIntervalMs: 50,
      onLeave: (c, reason) => left.push([c.name, c.type, reason]),
    });
    const [bob] = await registered(relay, 'bob');
    const nc = await rawPeerOf(relay);
    let sent = 0;
    let lastSentAt = 0;
    const talk = setInterval(() => {
      sent += 1;
      lastSentAt = performance.now();
      void nc.send(`tick ${sent}\n`);
    }, 80);
    try {
      // 12 ticks take ~960 ms, more than three timeouts.
      await bob!.next('chat', (m) => m.text === 'tick 12', 5000);
      expect(bob!.pending('leave')).toEqual([]);
      expect(relay.contacts().some((c) => c.name === nc.contactName)).toBe(true);
    } finally {
      clearInterval(talk);
    }
    expect(await bob!.next('leave', undefined, 5000)).toMatchObject({ kind: 'leave', name: nc.contactName, reason: 'timeout' });
    expect(performance.now() - lastSentAt).toBeGreaterThanOrEqual(290);
    expect(relay.contactCount).toBe(1);
    expect(left).toEqual([[nc.contactName, 'plain', 'timeout']]);
    const log = lines.find((l) => l.msg === 'plain peer expired');
    expect(log).toMatchObject({ contact: nc.contactName, port: nc.port });
    expect(log).not.toHaveProperty('name');
    // bob, a client with the default 15 s presence timeout, is still there; nc only ever got text.
    expect(relay.contacts().map((c) => c.name)).toEqual(['bob']);
    expect(nc.received).toEqual([]);
    // Talking again makes it a new contact.
    await nc.send('back\n');
    expect(await bob!.next('join')).toMatchObject({ kind: 'join', name: nc.contactName, type: 'plain' });
  });

  it('answers @nobody with a short plain notice', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const nc = await rawPeerOf(relay);
    await nc.send('@nobody x\n');
    expect(expectPlainDatagram(await nc.next())).toBe('[relay] nobody is not online');
    await nc.send(`@${'z'.repeat(2000)} x\n`);
    const notice = expectPlainDatagram(await nc.next());
    expect(notice).toMatch(/^\[relay\] z+… is not online$/);
    expect(utf8Length(notice)).toBeLessThanOrEqual(100);
    // The peer joined with its first datagram, but nothing was relayed.
    await barrier(bob!, 1);
    expect(bob!.inbox).toMatchObject([{ kind: 'join', name: nc.contactName, type: 'plain' }]);
  });

  it('can message another plain peer directly by ip:port', async () => {
    const relay = await testRelay();
    const [bob, carol] = await registered(relay, 'bob', 'carol');
    const one = await rawPeerOf(relay);
    const two = await rawPeerOf(relay);
    await two.send('here\n');
    await bob!.next('chat', (m) => m.text === 'here');
    await carol!.next('chat', (m) => m.text === 'here');
    await one.send(`@${two.contactName} psst\n`);
    expect(await two.nextText()).toBe(`[${one.contactName}] psst`);
    await barrier(bob!, 1);
    await barrier(carol!, 1);
    expect(bob!.pending('chat')).toEqual([]);
    expect(carol!.pending('chat')).toEqual([]);
  });

  it('becomes a client when its address registers with hello', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const nc = await rawPeerOf(relay);
    await nc.send('plain first\n');
    await bob!.next('chat', (m) => m.text === 'plain first');
    expect(await bob!.next('join')).toMatchObject({ kind: 'join', name: nc.contactName, type: 'plain' });
    // The same address now speaks the protocol: hello, then its token back.
    await nc.send(encode(paddedHello('neo')));
    const welcome = await nc.next();
    expect(isProtocolDatagram(welcome)).toBe(true);
    const { message } = decodeDatagram(welcome);
    if (message.kind !== 'welcome') throw new Error(`expected a welcome, got ${message.kind}`);
    // Still a plain peer until the token comes back.
    expect(relay.contacts().map((c) => c.type)).toEqual(['client', 'plain']);
    await nc.send(encode({ kind: 'list', epoch: 0, version: 0 }, { token: message.token }));
    // In this order: the plain peer leaves, the client joins.
    expect(await bob!.nextMatching(() => true)).toMatchObject({ kind: 'leave', name: nc.contactName, reason: 'bye' });
    expect(await bob!.nextMatching(() => true)).toMatchObject({ kind: 'join', name: 'neo', type: 'client' });
    expect(relay.contacts().map((c) => [c.name, c.type])).toEqual([
      ['bob', 'client'],
      ['neo', 'client'],
    ]);
  });

  it('is off with plainPeers: false: text is dropped as plain-peers-off, nobody joins', async () => {
    const relay = await testRelay({ plainPeers: false });
    const [bob] = await registered(relay, 'bob');
    const nc = await rawPeerOf(relay);
    await nc.send('hello?\n');
    await nc.send('@bob hello?\n');
    await until(() => relay.stats().ignored['plain-peers-off'] === 2, 'two plain-peers-off drops');
    const anyone = chat('all', 'anyone?');
    await bob!.send(anyone);
    await barrier(bob!, 1);
    // Only the relay's receipt for bob's own message: forwarded to nobody.
    expect(bob!.inbox).toEqual([{ kind: 'relay-ack', id: anyone.id, recipients: 0 }]);
    expect(relay.contactCount).toBe(1);
    expect(nc.received).toEqual([]);
    const stats = relay.stats();
    expect(addsUp(stats)).toBe(true);
    expect(stats.accepted).toBe(6); // hello, list, the two ignored lines, chat, heartbeat
  });

  it('works with IPv6: named [::1]:PORT (where the machine has IPv6 loopback)', async () => {
    let relay: Relay;
    try {
      relay = await testRelay({ host: '::1' });
    } catch (err) {
      // No IPv6 loopback here: the refusal must be the clear one.
      expect(err).toMatchObject({ code: 'ADDRESS_NOT_AVAILABLE' });
      return;
    }
    const [bob] = await registered(relay, 'bob');
    const nc: RawPeer = await rawPeerOf(relay);
    expect(nc.contactName).toBe(`[::1]:${nc.port}`);
    await nc.send('over v6\n');
    expect(await bob!.next('chat')).toMatchObject({ from: `[::1]:${nc.port}`, text: 'over v6' });
    await bob!.send(chat(`[::1]:${nc.port}`, 'back'));
    expect(await nc.nextText()).toBe('[bob] back');
  });
});

describe('the classic Python client (unchanged)', () => {
  it('chats through the relay: its text reaches bob, bob replies directly, it prints the reply and exits 0', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const port = relay.address.port;
    const child = spawn('python3', [QQ_CLIENT, '127.0.0.1', String(port), '--once', '你好 from python', '--timeout', '5'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONIOENCODING: 'utf-8' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    try {
      const join = await bob!.next('join', undefined, 10_000);
      expect(join).toMatchObject({ type: 'plain', name: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
      const message = await bob!.next('chat', undefined, 10_000);
      expect(message).toMatchObject({ from: join.name, to: 'all', text: '你好 from python' });
      await bob!.send(chat(message.from, '你好 python'));
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`python did not exit; stdout ${stdout} stderr ${stderr}`)), 10_000);
        }),
      ]).finally(() => clearTimeout(timer));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      // The relay's line ends in a newline (for nc), which the classic client prints as it is.
      expect(stdout).toBe(`来自[127.0.0.1:${port}]的一条消息:\x1b[1;44m[bob] 你好 python\n\x1b[0m\n`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
