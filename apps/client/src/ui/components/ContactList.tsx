import { Text } from 'ink';
import type { ContactRow } from '../../state/types.js';
import { padToWidth, truncateMiddle } from '../../text/width.js';
import type { ColorOf } from '../contactColors.js';
import { theme } from '../theme.js';
import { Pane } from './Pane.js';

/** Props of `ContactList`. */
export interface ContactListProps {
  /** Rows to list: `all` first, then online contacts. */
  contacts: readonly ContactRow[];
  /** Key of the open conversation (marked with `›`, name in bold). */
  openKey: string;
  /** Index of the highlighted row while the list has focus (marked with `▸`, inverse). */
  cursor: number;
  /** Each contact's colour (distinct within the list: contactColors.ts). */
  colorOf: ColorOf;
  /** Whether the list has keyboard focus. */
  focused: boolean;
  /** Outer width in columns, borders included. */
  width: number;
  /** Outer height in rows, borders included. */
  height: number;
}

/**
 * The left pane: the group `all` and the online contacts, with presence and
 * unread counts. Focus and selection show without colour too (NO_COLOR):
 * heavy borders while focused, `▸` and inverse on the highlighted row, `›` and bold on the open one.
 */
export function ContactList({ contacts, openKey, cursor, colorOf, focused, width, height }: ContactListProps) {
  const inner = Math.max(1, height - 2);
  const first = Math.max(0, Math.min(cursor - inner + 1, contacts.length - inner));
  const shown = contacts.slice(first, first + inner);
  const unreadLabel = (row: ContactRow) => (row.unread > 0 ? String(row.unread > 999 ? '999+' : row.unread) : '');
  // The unread column is only as wide as the widest count shown (names get the rest).
  const unreadColumns = Math.max(0, ...shown.map((row) => (row.unread > 0 ? unreadLabel(row).length + 1 : 0)));
  const nameWidth = Math.max(1, width - 2 - 4 - unreadColumns);
  return (
    <Pane title="contacts" width={width} height={height} focused={focused}>
      {shown.map((row, i) => {
        const index = first + i;
        const highlighted = focused && index === cursor;
        const marker = highlighted ? '▸' : row.key === openKey ? '›' : ' ';
        const dot = row.type === 'group' ? '#' : row.online ? '●' : '○';
        const dotColor = row.type === 'group' ? theme.presence.group : row.type === 'plain' ? theme.presence.plain : theme.presence.online;
        const unread = unreadLabel(row);
        return (
          <Text key={row.key} inverse={highlighted} dimColor={!row.online} wrap="truncate">
            <Text color={theme.text.accent}>{marker}</Text>
            <Text color={dotColor}>{` ${dot} `}</Text>
            <Text color={row.type === 'group' ? theme.text.primary : colorOf(row.name)} bold={row.key === openKey}>
              {padToWidth(truncateMiddle(row.name, nameWidth), nameWidth)}
            </Text>
            <Text color={theme.unread} bold>
              {unread.padStart(unreadColumns)}
            </Text>
          </Text>
        );
      })}
    </Pane>
  );
}
