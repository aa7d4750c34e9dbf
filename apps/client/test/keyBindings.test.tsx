/**
 * The key map as data (issue 11): one matcher for every key, F2 included;
 * the hint line, `/help` and README.md's key table come from (or are checked
 * against) the same table.
 */
import { readFileSync } from 'node:fs';
import { Text, useInput } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { functionKeyPresses } from '../src/keys/functionKeys.js';
import { commandFor, KEY_BINDINGS, keyHint, keyLabel } from '../src/keys/keyBindings.js';
import { COMMAND_HELP } from '../src/state/commands.js';

afterEach(cleanup);

describe('the key map', () => {
  it('matches each key exactly: Ctrl + letter needs Ctrl, Backspace also as Delete (ink#634), F2 by name', () => {
    expect(commandFor({ input: 'r', flags: { ctrl: true } })).toBe('retry');
    expect(commandFor({ input: 'r', flags: {} })).toBeNull();
    expect(commandFor({ input: '', flags: { tab: true } })).toBe('toggleFocus');
    expect(commandFor({ input: '', flags: { delete: true } })).toBe('backspace');
    expect(commandFor({ input: 'b', flags: { ctrl: true } })).toBe('left');
    expect(commandFor({ input: '', flags: { pageDown: true } })).toBe('scrollDown');
    expect(commandFor({ input: '', flags: {}, fn: 'f2' })).toBe('toggleInspector');
    expect(commandFor({ input: '', flags: {} })).toBeNull();
  });

  it('gives no key to two commands', () => {
    const labels = KEY_BINDINGS.flatMap((b) => b.keys.map(keyLabel));
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('decodes F2 from the escape sequences terminals send, and no other function key as F2', () => {
    for (const sequence of ['\x1bOQ', '\x1b[12~', '\x1b[[B']) expect(functionKeyPresses(sequence).map((p) => p.fn)).toEqual(['f2']);
    expect(functionKeyPresses('\x1bOR')).toEqual([]); // F3
    expect(functionKeyPresses('OQ')).toEqual([]);
  });

  it('Ink 6 useInput reports F2 and F3 alike (an empty input, no key flag): why F2 is decoded from the raw input', async () => {
    const seen: string[] = [];
    function Probe() {
      useInput((input, key) => {
        seen.push(`${JSON.stringify(input)} ${Object.entries(key).filter(([, v]) => v === true).map(([k]) => k).join(',')}`);
      });
      return <Text>probe</Text>;
    }
    const ui = render(<Probe />);
    await new Promise((r) => setImmediate(r));
    ui.stdin.write('\x1bOQ');
    await new Promise((r) => setImmediate(r));
    ui.stdin.write('\x1bOR');
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    // If this fails, a newer Ink tells F-keys apart in useInput: drop useFunctionKeys and match there.
    expect(seen[0]).toBe(seen[1]);
  });

  it('writes the hint line from the bindings', () => {
    expect(keyHint()).toBe('Tab: contacts ⇄ input · Enter: send / open · PgUp/PgDn: scroll · /help · Ctrl+C: quit');
  });

  it('lists every key in /help, and names the keys of a slash command on its line', () => {
    const help = COMMAND_HELP.join('\n');
    for (const b of KEY_BINDINGS) for (const k of b.keys) expect(help).toContain(keyLabel(k));
    expect(COMMAND_HELP.find((l) => l.startsWith('/retry'))).toMatch(/\(also Ctrl\+R\)$/);
    expect(COMMAND_HELP.find((l) => l.startsWith('/datagrams'))).toMatch(/\(also F2\)$/);
    expect(COMMAND_HELP.find((l) => l.startsWith('/quit'))).toMatch(/\(also Ctrl\+C\)$/);
  });

  it("is documented in README.md's key table: each binding's keys (and its slash command) in one row", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### In the client'));
    const rows = section.split('\n').slice(1).filter((line, i, all) => line.startsWith('|') && all.slice(0, i).every((l) => l === '' || l.startsWith('|')));
    expect(rows.length).toBeGreaterThan(5);
    for (const b of KEY_BINDINGS) {
      const row = rows.find((r) => {
        const keys = r.split('|')[1] ?? '';
        return b.keys.every((k) => keys.includes(keyLabel(k))) && (b.slash === undefined || keys.includes(`\`${b.slash}\``));
      });
      expect(row, `README.md has no row with ${b.keys.map(keyLabel).join(', ')}${b.slash ? ` and ${b.slash}` : ''} (${b.command})`).toBeDefined();
    }
  });
});
