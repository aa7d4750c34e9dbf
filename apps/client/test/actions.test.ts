/**
 * The actions of typed lines (state/actions.ts), decided once for the TUI
 * and line mode: targets resolved against who is online, /who answered from
 * the contact list or with why it cannot be yet.
 */
import { describe, expect, it } from 'vitest';
import { actionForLine } from '../src/state/actions.js';
import { COMMAND_HELP } from '../src/state/commands.js';
import { Presence } from '../src/state/presence.js';

describe('actionForLine', () => {
  it('sends typed text and bursts to the current target, a direct message to its name', () => {
    const ctx = { target: 'bob', presence: new Presence(), registration: 'registered' as const };
    expect(actionForLine('hi', ctx)).toEqual({ type: 'send', to: 'bob', text: 'hi' });
    expect(actionForLine('@carol psst', ctx)).toEqual({ type: 'send', to: 'carol', text: 'psst' });
    expect(actionForLine('/burst 2 x', ctx)).toEqual({ type: 'burst', to: 'bob', texts: ['x 1/2', 'x 2/2'] });
    expect(actionForLine('/help', ctx)).toEqual({ type: 'help', lines: COMMAND_HELP });
    expect(actionForLine('/frob', ctx)).toMatchObject({ type: 'invalid' });
  });

  it('answers /who only once the contact list has arrived, and says why not before', () => {
    const presence = new Presence();
    expect(actionForLine('/who', { target: 'all', presence, registration: 'registering' })).toEqual({ type: 'whoUnknown', reason: 'not registered yet' });
    expect(actionForLine('/who', { target: 'all', presence, registration: 'registered' })).toEqual({
      type: 'whoUnknown',
      reason: 'the contact list has not arrived yet',
    });
    presence.received([{ name: 'zed', type: 'client' }, { name: 'Bob', type: 'plain' }]);
    expect(actionForLine('/who', { target: 'all', presence, registration: 'registered' })).toEqual({ type: 'who', names: ['Bob', 'zed'] });
  });

  it('resolves /to against the presence: the listed spelling when online, as typed when not, renames followed', () => {
    const presence = new Presence();
    const ctx = { target: 'all', presence, registration: 'registered' as const };
    expect(actionForLine('/to bob', ctx)).toEqual({ type: 'open', target: { kind: 'contact', name: 'bob', online: false, listed: false } });
    presence.received([{ name: 'Bob', type: 'plain' }]);
    expect(actionForLine('/to bob', ctx)).toEqual({ type: 'open', target: { kind: 'contact', name: 'Bob', online: true, listed: true } });
    presence.rename('Bob', 'Robert');
    expect(presence.get('robert')?.type).toBe('plain');
    expect(actionForLine('/to bob', ctx)).toEqual({ type: 'open', target: { kind: 'contact', name: 'bob', online: false, listed: true } });
    expect(actionForLine('/to ALL', ctx)).toEqual({ type: 'open', target: { kind: 'group' } });
  });
});
