import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { displayWidth, truncateToWidth } from '../../text/width.js';
import { theme } from '../theme.js';

/** Props of `Pane`. */
export interface PaneProps {
  /** Title drawn in the top border. */
  title: string;
  /** Outer width in columns, borders included. */
  width: number;
  /** Outer height in rows, borders included. */
  height: number;
  /** Highlights the border (keyboard focus). */
  focused?: boolean;
  /** Horizontal padding inside the borders, in columns. */
  paddingX?: number;
  /** Text drawn in the bottom border, at its right (e.g. `3 new ↓`), in the notice colour. */
  footer?: string;
  /** The content: at most `height - 2` rows of at most `width - 2 - 2*paddingX` columns. */
  children?: ReactNode;
}

/** A rounded box with a title in its top border (`╭ title ─────╮`) and an optional footer in its bottom border. */
export function Pane({ title, width, height, focused = false, paddingX = 0, footer, children }: PaneProps) {
  const color = focused ? theme.border.focused : theme.border.default;
  const label = truncateToWidth(title, Math.max(0, width - 5));
  const fill = Math.max(0, width - 4 - displayWidth(label));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">
        <Text color={color}>╭ </Text>
        <Text color={focused ? theme.border.focused : theme.text.accent} bold>
          {label}
        </Text>
        <Text color={color}>{` ${'─'.repeat(fill)}╮`}</Text>
      </Text>
      <Box
        flexDirection="column"
        width={width}
        height={height - 2}
        borderStyle="round"
        borderTop={false}
        borderBottom={false}
        borderColor={color}
        paddingX={paddingX}
        overflow="hidden"
      >
        {children}
      </Box>
      <BottomBorder text={footer} width={width} color={color} />
    </Box>
  );
}

/**
 * The bottom border, with `text` near its right end when given: `╰──── text ─╯`.
 * Always drawn here (never by the Box) so the tree keeps its shape when a footer comes and goes.
 */
function BottomBorder({ text, width, color }: { text: string | undefined; width: number; color: string | undefined }) {
  if (!text) return <Text color={color} wrap="truncate">{`╰${'─'.repeat(Math.max(0, width - 2))}╯`}</Text>;
  const label = truncateToWidth(text, Math.max(0, width - 6));
  const fill = Math.max(0, width - 5 - displayWidth(label));
  return (
    <Text wrap="truncate">
      <Text color={color}>{`╰${'─'.repeat(fill)} `}</Text>
      <Text color={theme.status.warning} bold>
        {label}
      </Text>
      <Text color={color}> ─╯</Text>
    </Text>
  );
}
