import { Text } from 'ink';
import type { Conversation } from '../../state/types.js';
import { truncateToWidth } from '../../text/width.js';
import type { ColorOf } from '../contactColors.js';
import { visibleRows } from '../conversationRows.js';
import { theme } from '../theme.js';
import { Pane } from './Pane.js';

/** Props of `ConversationPane`. */
export interface ConversationPaneProps {
  /** The conversation to show. */
  conversation: Conversation;
  /** Whether its contact is online (`all` always is). */
  online: boolean;
  /** Rows scrolled back from the newest (0 = stick to the bottom). */
  scrollBack: number;
  /** Each sender's colour. */
  colorOf: ColorOf;
  /** Messages that arrived below the view while scrolled back (shown as `N new ↓`). */
  newMessages?: number;
  /** Outer width in columns, borders included. */
  width: number;
  /** Outer height in rows, borders included. */
  height: number;
}

/** Columns and rows of text inside a conversation pane of `width` x `height` (borders and padding taken off). */
export function conversationViewport(width: number, height: number): { innerWidth: number; innerHeight: number } {
  return { innerWidth: Math.max(10, width - 4), innerHeight: Math.max(1, height - 2) };
}

/**
 * The right pane: the open conversation, newest at the bottom. Only the rows
 * that fit are laid out and rendered, however long the history.
 */
export function ConversationPane({ conversation, online, scrollBack, colorOf, newMessages = 0, width, height }: ConversationPaneProps) {
  const { innerWidth, innerHeight } = conversationViewport(width, height);
  const view = visibleRows(conversation.entries, innerWidth, innerHeight, scrollBack, colorOf);
  const title = `${conversation.title}${online ? '' : ' · offline'}${view.scrollBack > 0 ? ` · ↑ ${view.scrollBack} rows` : ''}`;
  return (
    <Pane title={title} width={width} height={height} paddingX={1} footer={newMessages > 0 ? `${newMessages} new ↓` : undefined}>
      {view.rows.length === 0 ? (
        <Text color={theme.text.secondary} italic>
          {truncateToWidth(conversation.key === 'all' ? 'no messages yet: type below to write to everyone' : `no messages with ${conversation.title} yet`, innerWidth)}
        </Text>
      ) : null}
      {view.rows.map((row) => (
        <Text key={row.key} wrap="truncate">
          {row.parts.map((p, i) => (
            <Text
              key={i}
              color={p.color}
              backgroundColor={p.backgroundColor}
              bold={p.bold}
              dimColor={p.dim}
              italic={p.italic}
            >
              {p.text}
            </Text>
          ))}
        </Text>
      ))}
    </Pane>
  );
}
