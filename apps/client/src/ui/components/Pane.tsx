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
  /** The content: at most `height - 2` rows of at most `width - 2 - 2*paddingX` columns. */
  children?: ReactNode;
}

/** A rounded box with a title in its top border: `╭ title ─────╮`. */
export function Pane({ title, width, height, focused = false, paddingX = 0, children }: PaneProps) {
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
        height={height - 1}
        borderStyle="round"
        borderTop={false}
        borderColor={color}
        paddingX={paddingX}
        overflow="hidden"
      >
        {children}
      </Box>
    </Box>
  );
}
