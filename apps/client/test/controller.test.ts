/**
 * The chat controller on its own (state/controller.ts): no React, no timers;
 * it reports each change through `changed` and builds a snapshot on demand.
 * (Its behaviour is tested through the store in store.test.ts and the UI tests.)
 */
import { describe, expect, it } from 'vitest';
import { ChatController } from '../src/state/controller.js';
import { FakeBackend } from './helpers/fakeBackend.js';

describe('ChatController', () => {
  it('calls changed for session events and commands, and builds the state on demand', () => {
    const backend = new FakeBackend('alice');
    let changes = 0;
    const controller = new ChatController(backend, () => changes++);
    backend.register();
    backend.list('bob');
    const afterEvents = changes;
    expect(afterEvents).toBeGreaterThan(0);
    expect(controller.submit('/who')).toBe('done');
    expect(controller.submit('@bob hi')).toBe('done');
    expect(changes).toBeGreaterThan(afterEvents);
    const snapshot = controller.build(7);
    expect(snapshot.revision).toBe(7);
    expect(snapshot.contacts.map((c) => c.name)).toEqual(['all', 'bob']);
    expect(snapshot.open.entries.map((e) => e.text)).toContain('online: bob');
    expect(snapshot.notice?.text).toMatch(/^→ bob: hi /);
    controller.open('bob', 'bob');
    expect(controller.build(8).open.entries.map((e) => e.text)).toEqual(['hi']);
    expect(backend.sentTo('bob')).toEqual(['hi']);
  });
});
