/**
 * What the full-screen UI shows of a fail-over (state/relayNotices.ts, the
 * status line): the move in the notice and in `all`, the relay in use and
 * "moved here (…)" in the status line, and the contact list kept through the
 * move (a bye without a move still clears it). Session events come from a
 * fake backend, so their order is the test's; the real session's moves are
 * tested over UDP in failover.test.ts.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatController } from '../src/state/controller.js';
import { StatusLine } from '../src/ui/components/StatusLine.js';
import type { Endpoint } from '../src/net/transport.js';
import type { RelayMove } from '../src/net/session.js';
import { FakeBackend } from './helpers/fakeBackend.js';

afterEach(() => cleanup());

/** A fake session that can move: `relay` and `lastMove` change as the real session's do. */
class MovingBackend extends FakeBackend {
  lastMove: RelayMove | null = null;
  move(to: Endpoint, reason: string): void {
    const move = { from: `${this.relay.address}:${this.relay.port}`, to: `${to.address}:${to.port}`, reason };
    (this as { relay: Endpoint }).relay = to;
    this.lastMove = move;
    this.registration = 'registering';
    this.status = 'connecting';
    this.emit('moved', move);
  }
}

describe('fail-over in the UI', () => {
  it('tells the move, keeps the contact list, and the status line names the new relay and why', () => {
    const b = new MovingBackend('alice');
    const c = new ChatController(b, () => undefined);
    b.register();
    b.list('bob', 'carol');
    b.move({ address: '127.0.0.1', port: 8082 }, '127.0.0.1:8081 stopped answering');
    let s = c.build(1);
    expect(s.notice?.text).toBe('moved to 127.0.0.1:8082 (127.0.0.1:8081 stopped answering); registering there…');
    expect(s.contacts.map((r) => r.name)).toEqual(['all', 'bob', 'carol']); // kept until the new relay's list
    expect(s.open.entries.map((e) => e.text)).toContain('moved to 127.0.0.1:8082 (127.0.0.1:8081 stopped answering)');
    b.register();
    b.list('bob');
    s = c.build(2);
    expect(s.notice?.text).toBe('moved to 127.0.0.1:8082 (127.0.0.1:8081 stopped answering) · registered as alice');
    expect(s.contacts.map((r) => r.name)).toEqual(['all', 'bob']);
    const { lastFrame } = render(<StatusLine self={{ ...s.self, seenAs: { address: '127.0.0.1', port: 40000 } }} relay={s.relay} width={100} />);
    // eslint-disable-next-line no-control-regex
    expect((lastFrame() ?? '').replace(/\u001b\[[0-9;]*m/g, '')).toContain('alice @ 127.0.0.1:40000 · relay 127.0.0.1:8082 ● answering · moved here (127.0.0.1:8081 stopped');
  });

  it('a bye without a move (one server) still clears the list, as before', () => {
    const b = new MovingBackend('alice');
    const c = new ChatController(b, () => undefined);
    b.register();
    b.list('bob');
    b.emit('relay-bye', 'relay shutting down');
    const s = c.build(1);
    expect(s.contacts.map((r) => r.name)).toEqual(['all']);
    expect(s.relay.moved).toBeNull();
  });
});
