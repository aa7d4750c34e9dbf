/**
 * The datagram inspector's state: the latest datagrams sent and received
 * (capped), how many there were in all, and how the pane is shown.
 */
import type { DatagramRecord } from '../net/transport.js';
import type { InspectorMode } from './types.js';

export class DatagramLog {
  private readonly records: DatagramRecord[] = [];
  private total = 0;
  private shown: InspectorMode = 'off';

  /** @param max most datagrams kept (the oldest are dropped, in chunks of half of `max`). */
  constructor(private readonly max: number) {}

  /** Records one datagram; true when the inspector is shown (so the view changed). */
  push(record: DatagramRecord): boolean {
    this.records.push(record);
    this.total++;
    if (this.records.length > this.max * 1.5) this.records.splice(0, this.records.length - this.max);
    return this.shown !== 'off';
  }

  /** Cycles the pane: off -> beside the conversation -> whole right column -> off. */
  toggle(): void {
    this.shown = this.shown === 'off' ? 'split' : this.shown === 'split' ? 'full' : 'off';
  }

  /** What the snapshot shows: the mode, the latest `max` datagrams (oldest first) and the total. */
  view(): { mode: InspectorMode; records: readonly DatagramRecord[]; total: number } {
    return { mode: this.shown, records: this.records.slice(-this.max), total: this.total };
  }
}
