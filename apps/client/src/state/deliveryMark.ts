/**
 * The mark of an own message's delivery state: `◌` waiting for the relay,
 * `…` sent, `✓` at the relay (`✓ at relay` when that is as far as it gets),
 * `✓ stored for bob, offline` kept at the relay for someone offline, `✓✓`
 * delivered (`✓✓ 2/3` in a group), `✗ reason` failed. In the conversation
 * (`row`) a group message at the relay also shows its acks so far (`✓ 1/3`)
 * and a failed one says how to send it again (`· /retry`); the one-line
 * notice of a message sent elsewhere (`notice`) keeps it short.
 */
import type { DeliveryState } from '../net/delivery/states.js';

/** Where a mark is shown: under the message in its conversation, or in the notice line. */
export type MarkPlace = 'row' | 'notice';

export function deliveryMark(d: DeliveryState, place: MarkPlace = 'row'): string {
  switch (d.state) {
    case 'queued':
      return '◌';
    case 'sending':
      return '…';
    case 'at-relay':
      if (d.final) return '✓ at relay';
      return place === 'row' && d.acked > 0 ? `✓ ${d.acked}/${d.recipients}` : '✓';
    case 'delivered':
      return d.of > 1 ? `✓✓ ${d.delivered}/${d.of}` : '✓✓';
    case 'stored':
      return `✓ stored for ${d.to}, offline`;
    case 'failed':
      return place === 'row' ? `✗ ${d.reason} · /retry` : `✗ ${d.reason}`;
  }
}
