import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, parseInput } from '../src/state/commands.js';

describe('parseInput', () => {
  it('reads plain text as a message to the open conversation', () => {
    expect(parseInput('  hello there ')).toEqual({ type: 'say', text: 'hello there' });
    expect(parseInput('   ')).toEqual({ type: 'none' });
    expect(parseInput('//shrug')).toEqual({ type: 'say', text: '/shrug' });
  });

  it('reads @NAME text and /msg as one direct message', () => {
    expect(parseInput('@bob 你好 bob 👋')).toEqual({ type: 'direct', to: 'bob', text: '你好 bob 👋' });
    expect(parseInput('/msg carol hi')).toEqual({ type: 'direct', to: 'carol', text: 'hi' });
    expect(parseInput('@bob')).toMatchObject({ type: 'invalid' });
  });

  it('reads the commands and rejects unknown ones with a hint', () => {
    expect(parseInput('/to bob')).toEqual({ type: 'open', name: 'bob' });
    expect(parseInput('/TO all')).toEqual({ type: 'open', name: 'all' });
    expect(parseInput('/to')).toMatchObject({ type: 'invalid', message: 'usage: /to NAME' });
    expect(parseInput('/name 武大郎')).toEqual({ type: 'rename', name: '武大郎' });
    expect(parseInput('/quit')).toEqual({ type: 'quit' });
    expect(parseInput('/help')).toEqual({ type: 'help' });
    expect(parseInput('/who')).toEqual({ type: 'who' });
    expect(parseInput('/frob')).toEqual({ type: 'invalid', message: 'unknown command /frob: /help lists the commands' });
  });
});

describe('COMMAND_HELP', () => {
  it('aligns every description at one display column (issue 10 item 15: /burst N [text] was off by one)', () => {
    const starts = COMMAND_HELP.filter((line) => line.startsWith('/') || line.startsWith('@')).map((line) => /^\S+(?: \S+)*?\s{2,}/.exec(line)?.[0].length);
    expect(starts.length).toBeGreaterThan(10);
    expect(new Set(starts).size).toBe(1);
  });
});
