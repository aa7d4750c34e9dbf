/**
 * The push pacing's timer (PROTOCOL.md §6.7): roster changes that wait for
 * the pacing's gap are the relay core's deadline, and its `tick` pushes them
 * then, without waiting for the next datagram or sweep. On a virtual clock
 * (CoreDriver), sans I/O.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PUSH_GAP_MS } from '../src/rules/presence.js';
import { CoreDriver, ROSTER_EPOCH } from './helpers/core.js';

const ALICE = 42_001;
const BOB = 42_002;
const CAROL = 42_003;

describe('push pacing deadline', () => {
  it('a change held back by the pacing is the next deadline, and tick pushes it then', () => {
    const d = new CoreDriver({ fastPath: true });
    d.register(ALICE, 'alice');
    d.register(BOB, 'bob'); // pushed to alice at once; the next push must wait its gap
    const from = d.sent.length;
    d.register(CAROL, 'carol'); // at the same instant: held back
    const toOthers = () => d.messagesSince(from).filter((m) => m.port !== CAROL && (m.message.kind === 'join' || m.message.kind === 'roster-delta'));
    expect(toOthers()).toEqual([]);
    const due = d.core.nextDeadline();
    expect(due).toBeGreaterThan(d.t);
    expect(due).toBeLessThanOrEqual(d.t + MAX_PUSH_GAP_MS);
    d.advance(Math.ceil(due - d.t));
    expect(toOthers().map((m) => [m.port, m.message])).toEqual([
      [ALICE, { kind: 'join', epoch: ROSTER_EPOCH, version: 3, name: 'carol', type: 'client' }],
      [BOB, { kind: 'join', epoch: ROSTER_EPOCH, version: 3, name: 'carol', type: 'client' }],
    ]);
    expect(d.core.nextDeadline()).toBe(Number.POSITIVE_INFINITY); // nothing waits now
  });
});
