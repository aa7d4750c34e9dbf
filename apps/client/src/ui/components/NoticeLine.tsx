import { Text } from 'ink';
import type { Notice } from '../../state/types.js';
import { keyHint } from '../../keys/keyBindings.js';
import { truncateToWidth } from '../../text/width.js';
import { theme } from '../theme.js';

/** Props of `NoticeLine`. */
export interface NoticeLineProps {
  /** The notice to show, or null for the key hints. */
  notice: Notice | null;
  /** Width in columns. */
  width: number;
}

/** The key hint line, from the key map. */
const KEY_HINT = keyHint();

const LEVEL_COLOR = { info: theme.status.info, warning: theme.status.warning, error: theme.status.error } as const;
const LEVEL_MARK = { info: '·', warning: '!', error: '✗' } as const;

/** One line of feedback: the latest error, warning or info, else key hints. */
export function NoticeLine({ notice, width }: NoticeLineProps) {
  if (!notice) {
    return (
      <Text color={theme.text.secondary} wrap="truncate">
        {truncateToWidth(KEY_HINT, width)}
      </Text>
    );
  }
  return (
    <Text color={LEVEL_COLOR[notice.level]} wrap="truncate">
      {truncateToWidth(`${LEVEL_MARK[notice.level]} ${notice.text}`, width)}
    </Text>
  );
}
