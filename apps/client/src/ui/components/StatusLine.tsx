import { Text } from 'ink';
import { formatEndpoint } from '@udpchat/net';
import type { ChatSnapshot } from '../../state/types.js';
import { truncateToWidth } from '../../text/width.js';
import { theme } from '../theme.js';

/** Props of `StatusLine`. */
export interface StatusLineProps {
  /** Own identity. */
  self: ChatSnapshot['self'];
  /** The relay's state. */
  relay: ChatSnapshot['relay'];
  /** Width in columns. */
  width: number;
  /**
   * What this client simulates on the datagrams it receives (Transport.simulation,
   * e.g. `simulating loss 30%, duplicate 0%, reorder 0% (seed 1)`), shown last in
   * the warning colour; null or absent when nothing is simulated.
   */
  simulation?: string | null;
}

const RELAY_TEXT = {
  connecting: { dot: '○', text: 'connecting', color: theme.status.warning },
  answering: { dot: '●', text: 'answering', color: theme.status.ok },
  silent: { dot: '○', text: 'not answering', color: theme.status.error },
} as const;

/**
 * The bottom line: own name and address as the relay sees it, the relay and
 * whether it answers, and a warning when a faulty network is simulated.
 */
export function StatusLine({ self, relay, width, simulation }: StatusLineProps) {
  const state = RELAY_TEXT[relay.status];
  const me =
    self.registration === 'registered' && self.seenAs
      ? `${self.name} @ ${formatEndpoint(self.seenAs)}`
      : `${self.name} (${self.registration === 'refused' ? 'name refused' : 'not registered'})`;
  const hosting = relay.hosting ? ` · hosted here${relay.hostedOthers ? ` for ${relay.hostedOthers} other${relay.hostedOthers === 1 ? '' : 's'}` : ''}` : '';
  const text = `${me} · relay ${relay.label} `;
  return (
    <Text wrap="truncate">
      <Text bold color={self.registration === 'registered' ? theme.text.primary : theme.status.warning}>
        {truncateToWidth(text, width)}
      </Text>
      <Text color={state.color}>{`${state.dot} ${state.text}`}</Text>
      <Text color={theme.text.secondary}>{hosting}</Text>
      {relay.moved ? <Text color={theme.text.secondary}>{` · moved here (${relay.moved})`}</Text> : null}
      {simulation ? <Text color={theme.status.warning}>{` · ⚠ ${simulation}`}</Text> : null}
    </Text>
  );
}
