import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContactRow } from '../src/state/types.js';
import { ContactList } from '../src/ui/components/ContactList.js';
import { plain } from './helpers/frames.js';


describe('ContactList: offline contacts with a conversation (issue 10, item 10)', () => {
  afterEach(() => cleanup());

  it('shows an offline contact dimmed with ○, an online one with ●', () => {
    const contacts: ContactRow[] = [
      { key: 'all', name: 'all', type: 'group', unread: 0, online: true },
      { key: 'bob', name: 'bob', type: 'client', unread: 0, online: true },
      { key: 'echobot', name: 'echobot', type: 'client', unread: 1, online: false },
    ];
    const ui = render(<ContactList contacts={contacts} openKey="all" cursor={0} colorOf={() => undefined} focused={false} width={24} height={6} />);
    const frame = ui.lastFrame() ?? '';
    expect(plain(frame)).toContain('● bob');
    expect(plain(frame)).toContain('○ echobot');
    const echobotLine = frame.split('\n').find((l) => l.includes('echobot')) ?? '';
    const bobLine = frame.split('\n').find((l) => l.includes('bob') && !l.includes('echobot')) ?? '';
    expect(echobotLine).toContain('\x1b[2m'); // dim
    expect(bobLine).not.toContain('\x1b[2m');
  });
});
