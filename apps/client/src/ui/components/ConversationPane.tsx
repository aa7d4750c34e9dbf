import { Text } from 'ink';
import type { Conversation } from '../../state/types.js';
import { truncateToWidth } from '../../text/width.js';
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
  /** Outer width in columns, borders included. */
  width: number;
  /** Outer height in rows, borders included. */
  height: number;
}

/**
 * The right pane: the open conversation, newest at the bottom. Only the rows
 * that fit are laid out and rendered, however long the history.
 */
export function ConversationPane({ conversation, online, scrollBack, width, height }: ConversationPaneProps) {
  const innerWidth = Math.max(10, width - 4);
  const innerHeight = Math.max(1, height - 2);
  const view = visibleRows(conversation.entries, innerWidth, innerHeight, scrollBack);
  const title = `${conversation.title}${online ? '' : ' · offline'}${view.scrollBack > 0 ? ` · ↑ ${view.scrollBack} rows` : ''}`;
  return (
    <Pane title={title} width={width} height={height} paddingX={1}>
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
