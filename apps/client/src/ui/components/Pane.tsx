import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { displayWidth, truncateToWidth } from '../../text/width.js';
import { theme, type ColorToken } from '../theme.js';

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

/** Border characters: rounded, or heavy for the pane with keyboard focus (visible without colour). */
const LINES = {
  normal: { topLeft: '╭', topRight: '╮', bottomLeft: '╰', bottomRight: '╯', horizontal: '─', style: 'round' },
  focused: { topLeft: '┏', topRight: '┓', bottomLeft: '┗', bottomRight: '┛', horizontal: '━', style: 'bold' },
} as const;

/** A rounded box (heavy lines while focused) with a title in its top border (`╭ title ─────╮`) and an optional footer in its bottom border. */
export function Pane({ title, width, height, focused = false, paddingX = 0, footer, children }: PaneProps) {
  const color = focused ? theme.border.focused : theme.border.default;
  const lines = focused ? LINES.focused : LINES.normal;
  const label = truncateToWidth(title, Math.max(0, width - 5));
  const fill = Math.max(0, width - 4 - displayWidth(label));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">
        <Text color={color}>{`${lines.topLeft} `}</Text>
        <Text color={focused ? theme.border.focused : theme.text.accent} bold>
          {label}
        </Text>
        <Text color={color}>{` ${lines.horizontal.repeat(fill)}${lines.topRight}`}</Text>
      </Text>
      {/* Remounted when the border style changes: Ink 6 applies only the changed style props on an
          update, and a new borderStyle alone brings the top border back (content one row down). */}
      <Box
        key={lines.style}
        flexDirection="column"
        width={width}
        height={height - 2}
        borderStyle={lines.style}
        borderTop={false}
        borderBottom={false}
        borderColor={color}
        paddingX={paddingX}
        overflow="hidden"
      >
        {children}
      </Box>
      <BottomBorder text={footer} width={width} color={color} lines={lines} />
    </Box>
  );
}

/**
 * The bottom border, with `text` near its right end when given: `╰──── text ─╯`.
 * Always drawn here (never by the Box) so the tree keeps its shape when a footer comes and goes.
 */
function BottomBorder({ text, width, color, lines }: { text: string | undefined; width: number; color: ColorToken; lines: (typeof LINES)[keyof typeof LINES] }) {
  const { bottomLeft: left, bottomRight: right, horizontal: line } = lines;
  if (!text) return <Text color={color} wrap="truncate">{`${left}${line.repeat(Math.max(0, width - 2))}${right}`}</Text>;
  const label = truncateToWidth(text, Math.max(0, width - 6));
  const fill = Math.max(0, width - 5 - displayWidth(label));
  return (
    <Text wrap="truncate">
      <Text color={color}>{`${left}${line.repeat(fill)} `}</Text>
      <Text color={theme.status.warning} bold>
        {label}
      </Text>
      <Text color={color}>{` ${line}${right}`}</Text>
    </Text>
  );
}
