/**
 * The input line near the one-datagram limit (issue 10 #8): a byte counter
 * from 600 bytes on, the warning colour above MAX_TEXT_BYTES, and a line the
 * store refuses ('kept') stays in the editor with its cursor.
 */
import { MAX_TEXT_BYTES } from '@udpchat/protocol';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Relay } from '@udpchat/server';
import type { ChatSession } from '../src/net/session.js';
import { ChatStore, type SubmitResult } from '../src/state/store.js';
import { App } from '../src/ui/App.js';
import { byteCount, messageBytes } from '../src/ui/byteCounter.js';
import { registeredSession, testRelay } from './helpers/chat.js';
import { until } from './helpers/wait.js';
import { plain } from './helpers/frames.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('byte counter', () => {
  it('counts the UTF-8 bytes of the message text, not of the command around it', () => {
    expect(messageBytes('你好')).toBe(6);
    expect(messageBytes('@bob 你好')).toBe(6);
    expect(messageBytes('/who')).toBe(0);
    expect(byteCount('a'.repeat(599))).toBeNull();
    expect(byteCount('a'.repeat(712))).toEqual({ bytes: 712, limit: MAX_TEXT_BYTES, over: false, label: '712/790 B' });
    expect(byteCount('é'.repeat(400))?.over).toBe(true); // 800 bytes
    expect(byteCount(`short\n${'a'.repeat(650)}`)?.bytes).toBe(650); // each line is a message
  });
});

/** The store as the store engineer agreed it: a line it refuses comes back as 'kept'. */
class KeepingStore extends ChatStore {
  override submit(line: string): SubmitResult {
    if (messageBytes(line) > MAX_TEXT_BYTES) return 'kept';
    return super.submit(line);
  }
}

describe('input line in the App (real relay over UDP)', () => {
  let relay: Relay;
  let alice: ChatSession;
  let store: ChatStore;

  beforeEach(async () => {
    relay = await testRelay();
    alice = await registeredSession(relay, 'alice');
    store = new KeepingStore(alice, { notifyEveryMs: 5 });
  });

  afterEach(async () => {
    cleanup();
    store.dispose();
    await alice.close();
    await relay.stop();
  });

  it('shows 712/790 B near the limit, warns above it, and keeps a refused line and its cursor', async () => {
    const ui = render(<App store={store} columns={100} rows={24} onQuit={() => {}} />);
    await until(() => plain(ui.lastFrame()).includes('answering'), 'the relay to answer');
    ui.stdin.write('a'.repeat(500));
    await until(() => plain(ui.lastFrame()).includes('to all › aaaa'), 'the text');
    expect(plain(ui.lastFrame())).not.toMatch(/\d+\/790 B/);
    ui.stdin.write('a'.repeat(212));
    await until(() => plain(ui.lastFrame()).includes('712/790 B'), 'the counter');
    const inputRow = plain(ui.lastFrame()).split('\n').find((l) => l.startsWith('to all ›')) ?? '';
    expect(inputRow.length).toBeLessThanOrEqual(100);
    expect(inputRow.endsWith('712/790 B')).toBe(true);

    ui.stdin.write('é'.repeat(50)); // +100 bytes
    await until(() => plain(ui.lastFrame()).includes('812/790 B'), 'the counter above the limit');
    expect(ui.lastFrame()).toMatch(/\x1b\[33m[^\x1b]*812\/790 B/); // theme.status.warning (yellow)

    for (let i = 0; i < 3; i++) {
      ui.stdin.write('\x1b[D'); // ←: the cursor before the last three é
      await tick();
    }
    ui.stdin.write('\r'); // refused: kept
    await tick();
    ui.stdin.write('X');
    await until(() => plain(ui.lastFrame()).includes('813/790 B'), 'the text kept, with one more byte');
    expect(plain(ui.lastFrame())).toContain('éXééé');
  });
});
