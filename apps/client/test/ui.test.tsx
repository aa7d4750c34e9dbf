import { createSocket } from 'node:dgram';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Relay } from '@udpchat/server';
import type { ChatSession } from '../src/net/session.js';
import { ChatStore } from '../src/state/store.js';
import { App } from '../src/ui/App.js';
import { contactColor } from '../src/ui/contactColors.js';
import { inbox, registeredSession, testRelay } from './helpers/chat.js';
import { until } from './helpers/wait.js';
import { plain } from './helpers/frames.js';

// chalk's SGR codes for the palette in theme.ts
const SGR: Record<string, number> = {
  cyan: 36, magenta: 35, yellow: 33, green: 32, blueBright: 94, redBright: 91, magentaBright: 95, cyanBright: 96, greenBright: 92,
};

describe('full-screen client (ink-testing-library, real relay over UDP)', () => {
  let relay: Relay;
  let alice: ChatSession;
  let bob: ChatSession;
  let store: ChatStore;
  let quits = 0;

  beforeEach(async () => {
    relay = await testRelay();
    alice = await registeredSession(relay, 'alice');
    store = new ChatStore(alice, { notifyEveryMs: 5 });
    quits = 0;
  });

  afterEach(async () => {
    cleanup();
    store.dispose();
    await bob?.close();
    await alice.close();
    await relay.stop();
  });

  const show = (columns = 100) => render(<App store={store} columns={columns} rows={24} onQuit={() => quits++} />);

  it('lists all first, then contacts as they join, and drops them when they leave', async () => {
    const ui = show();
    await until(() => plain(ui.lastFrame()).includes('alice @ 127.0.0.1:'), 'the status line');
    expect(plain(ui.lastFrame())).toMatch(/› # all/);
    expect(plain(ui.lastFrame())).toContain('● answering');
    bob = await registeredSession(relay, 'bob');
    await until(() => plain(ui.lastFrame()).includes('● bob'), 'bob in the list');
    await bob.close();
    await until(() => !plain(ui.lastFrame()).includes('● bob'), 'bob to leave the list');
    expect(plain(ui.lastFrame())).toContain('bob left');
  });

  it('counts unread messages per contact, opens with /to, and colours incoming text', async () => {
    const ui = show();
    bob = await registeredSession(relay, 'bob');
    await until(() => plain(ui.lastFrame()).includes('● bob'), 'bob in the list');
    bob.send('alice', '你好 alice 👋');
    bob.send('alice', 'second');
    await until(() => /● bob\s+2/.test(plain(ui.lastFrame())), 'an unread count of 2 next to bob');
    expect(plain(ui.lastFrame())).not.toContain('你好 alice 👋'); // all is open, not bob
    ui.stdin.write('/to bob');
    ui.stdin.write('\r');
    await until(() => plain(ui.lastFrame()).includes('你好 alice 👋'), 'the conversation with bob');
    const frame = ui.lastFrame() ?? '';
    expect(frame).toContain(`\x1b[${SGR[contactColor('bob')]}m你好 alice 👋`);
    expect(plain(frame)).not.toMatch(/● bob\s+2/);
    expect(plain(frame)).toMatch(/╭ bob ─/);
  });

  it('sends typed text to the open conversation and never sends empty input', async () => {
    const ui = show();
    bob = await registeredSession(relay, 'bob');
    const got = inbox(bob);
    await until(() => plain(ui.lastFrame()).includes('● bob'), 'bob in the list');
    ui.stdin.write('\r'); // empty: not sent
    ui.stdin.write('hello everyone');
    ui.stdin.write('\r');
    await until(() => got.length === 1, 'bob to receive the group message');
    expect(got[0]).toEqual({ from: 'alice', to: 'all', text: 'hello everyone' });
    await until(() => plain(ui.lastFrame()).includes('hello everyone'), 'the own message on screen');
    ui.stdin.write('@bob 私聊');
    ui.stdin.write('\r');
    await until(() => got.length === 2, 'the direct message');
    expect(got[1]).toEqual({ from: 'alice', to: 'bob', text: '私聊' });
  });

  it('moves focus with Tab, picks a contact with the arrows and opens it with Enter', async () => {
    const ui = show();
    bob = await registeredSession(relay, 'bob');
    await until(() => plain(ui.lastFrame()).includes('● bob'), 'bob in the list');
    ui.stdin.write('\t');
    await new Promise((r) => setImmediate(r));
    ui.stdin.write('\x1b[B'); // down
    await new Promise((r) => setImmediate(r));
    ui.stdin.write('\r');
    await until(() => /╭ bob ─/.test(plain(ui.lastFrame())), 'the conversation with bob to open');
    ui.stdin.write('yo');
    ui.stdin.write('\r');
    const got = inbox(bob);
    await until(() => got.length === 1, 'bob to receive yo');
    expect(got[0]?.to).toBe('bob');
  });

  it('F2 opens the datagram inspector: one row per datagram, with size, kind and payload', async () => {
    const ui = show(160);
    await until(() => plain(ui.lastFrame()).includes('answering'), 'the relay to answer');
    ui.stdin.write('\x1bOQ'); // F2
    await until(() => plain(ui.lastFrame()).includes('╭ datagrams ·'), 'the inspector');
    ui.stdin.write('one datagram');
    ui.stdin.write('\r');
    // 5 header + 16 session token + 22 id + 6 "alice" + 4 "all" + 4 epoch + 4 seq + 4 base + 8 time + 14 text = 87 bytes
    await until(() => /→ 127\.0\.0\.1:\d+\s+87 B\s+chat\s+"one datagram"  ff 55 02 06 01/.test(plain(ui.lastFrame())), 'the sent chat row');
    expect(plain(ui.lastFrame())).toMatch(/╭ all ─/); // the conversation shares the column
    ui.stdin.write('/datagrams'); // enlarge: the whole right column
    ui.stdin.write('\r');
    await until(() => !/╭ all ─/.test(plain(ui.lastFrame())), 'the inspector to take the column');
    expect(plain(ui.lastFrame())).toContain('F2 hides');
    ui.stdin.write('\x1bOQ'); // F2 again: hidden
    await until(() => !plain(ui.lastFrame()).includes('╭ datagrams ·'), 'the inspector to close');
  });

  it('a plain-text peer (netcat-style raw socket) chats with the TUI both ways, escaped', async () => {
    const ui = show(120);
    await until(() => plain(ui.lastFrame()).includes('answering'), 'the relay to answer');
    const nc = createSocket('udp4');
    const got: Buffer[] = [];
    nc.on('message', (m) => got.push(m));
    await new Promise<void>((resolve) => nc.bind(0, '127.0.0.1', resolve));
    const name = `127.0.0.1:${nc.address().port}`;
    try {
      nc.send('hello from nc \x1b]0;pwned\x07\x1b[2J\n', relay.address.port, '127.0.0.1');
      await until(() => plain(ui.lastFrame()).includes(`● ${name}`), 'the plain peer in the contact list');
      const frame = plain(ui.lastFrame());
      expect(frame).toContain('hello from nc \\x1b]0;pwned\\x07\\x1b[2J');
      expect(ui.lastFrame()).not.toContain('\x1b]0;pwned');
      ui.stdin.write(`/to ${name}`);
      ui.stdin.write('\r');
      ui.stdin.write('hi nc, 你好');
      ui.stdin.write('\r');
      await until(() => got.length === 1, 'the reply at the plain peer');
      expect(got[0]?.toString('utf8')).toBe('[alice] hi nc, 你好\n');
      expect(got[0]?.length).toBeLessThanOrEqual(1024);
    } finally {
      nc.close();
    }
  });

  it('shows mistakes in the status area: unknown contact, unknown command', async () => {
    const ui = show();
    await until(() => plain(ui.lastFrame()).includes('answering'), 'the relay to answer');
    ui.stdin.write('/to zed');
    ui.stdin.write('\r');
    await until(() => plain(ui.lastFrame()).includes('✗ zed is not online'), 'the error notice');
    ui.stdin.write('/frob');
    ui.stdin.write('\r');
    await until(() => plain(ui.lastFrame()).includes('unknown command /frob'), 'the unknown command notice');
    expect(plain(ui.lastFrame())).toMatch(/› \/frob/); // the mistyped command stays in the editor to be fixed
    ui.stdin.write('\x15'); // Ctrl+U clears it
    await until(() => !/› \/frob/.test(plain(ui.lastFrame())), 'the input to clear');
    ui.stdin.write('/quit');
    ui.stdin.write('\r');
    await until(() => quits === 1, 'quit');
  });
});

describe('Pane', () => {
  it('keeps its rows in place when focus changes its border (Ink 6 style-update pitfall)', async () => {
    const { ContactList } = await import('../src/ui/components/ContactList.js');
    const contacts = [
      { key: 'all', name: 'all', type: 'group' as const, unread: 0 },
      { key: 'bob', name: 'bob', type: 'client' as const, unread: 0, online: true },
    ];
    const list = (focused: boolean) => (
      <ContactList contacts={contacts} openKey="all" cursor={0} colorOf={() => undefined} focused={focused} width={16} height={6} />
    );
    const ui = render(list(false));
    expect(plain(ui.lastFrame()).split('\n')[1]).toMatch(/^│› # all/);
    ui.rerender(list(true));
    const lines = plain(ui.lastFrame()).split('\n');
    expect(lines[0]).toMatch(/^┏ contacts ━/);
    expect(lines[1]).toMatch(/^┃▸ # all/);
    expect(lines[2]).toMatch(/^┃ {2}● bob/);
    expect(lines).toHaveLength(6);
  });
});

describe('StatusLine', () => {
  it('prints IPv6 endpoints in brackets (issue 10 #15)', async () => {
    const { StatusLine } = await import('../src/ui/components/StatusLine.js');
    const ui = render(
      <StatusLine
        self={{ name: 'ivy', registration: 'registered', seenAs: { address: '::1', port: 50880 } }}
        relay={{ label: '[::1]:19849', status: 'answering', hosting: false, hostedOthers: 0, simulation: null }}
        width={100}
      />,
    );
    expect(plain(ui.lastFrame())).toContain('ivy @ [::1]:50880 · relay [::1]:19849 ● answering');
  });
});

describe('ContactList on a narrow terminal', () => {
  it('gives names the unread column while nobody has unread messages, and cuts long names in the middle', async () => {
    const { ContactList } = await import('../src/ui/components/ContactList.js');
    const rows = (unread: number) => [
      { key: 'all', name: 'all', type: 'group' as const, unread: 0 },
      { key: 'abcdefghijklmnop-alice', name: 'abcdefghijklmnop-alice', type: 'client' as const, unread: 0, online: true },
      { key: 'abcdefghijklmnop-bob', name: 'abcdefghijklmnop-bob', type: 'client' as const, unread, online: true },
    ];
    const list = (unread: number) => <ContactList contacts={rows(unread)} openKey="all" cursor={0} colorOf={() => undefined} focused={false} width={16} height={6} />;
    const quiet = plain(render(list(0)).lastFrame()).split('\n');
    expect(quiet[2]).toBe('│  ● abcde…lice│'); // 10 columns for the name
    expect(quiet[3]).toBe('│  ● abcde…-bob│');
    const busy = plain(render(list(12)).lastFrame()).split('\n');
    expect(busy[3]).toBe('│  ● abc…bob 12│');
  });
});
