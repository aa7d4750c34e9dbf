/**
 * The invariants every run must keep, checked on what it recorded: what the
 * users saw must be what was written, to whom it was written, once, in
 * order; what a sender shows as delivered must have been shown; and nothing
 * typed is left hanging. Each violation is one line naming the message.
 */
import { GROUP_ALL, nameKey } from '@udpchat/protocol';
import { isFinal, type DeliveryState } from '#client/net/delivery/states.js';
import type { Records, Shown, Typed } from './records.js';

/** Most violations reported per run (the first ones explain the rest). */
const MAX_REPORTED = 20;

/**
 * Checks every invariant. `holdMsOf(name)`: that client's inbox hold timeout, ms.
 * @returns the violations, at most MAX_REPORTED (empty: the run is correct). */
export function checkInvariants(records: Records, holdMsOf: (name: string) => number = () => DEFAULT_HOLD_MS): string[] {
  const out: string[] = [];
  const report = (line: string): boolean => {
    if (out.length < MAX_REPORTED) out.push(line);
    return out.length < MAX_REPORTED;
  };
  for (const line of records.watched) report(line);
  checkShown(records, report);
  checkDelivered(records, report);
  checkFinal(records, report);
  checkGroupReach(records, report);
  checkOrder(records, holdMsOf, report);
  return out;
}

type Report = (line: string) => boolean;

const describe = (t: Typed): string => `"${t.text}" (${t.sender}#${t.incarnation} -> ${t.to}, seq ${t.seq})`;
const isGroup = (to: string): boolean => nameKey(to) === GROUP_ALL;
const stateText = (s: DeliveryState | undefined): string => (s ? JSON.stringify(s) : 'none');

/**
 * Everything shown was sent (same id, text, sender and destination); a direct
 * message is shown only to its recipient, a group message never to its
 * sender; nothing is shown twice to one incarnation of a client.
 */
function checkShown(records: Records, report: Report): void {
  const seen = new Set<string>();
  for (const s of records.shown) {
    const t = records.byId.get(s.id);
    const where = (): string => `${s.viewer}#${s.incarnation} at ${(s.at / 1000).toFixed(3)}s`; // only for a violation
    if (!t) {
      if (!report(`shown but never sent: "${s.text}" from ${s.from} to ${s.to}, at ${where()}`)) return;
      continue;
    }
    if (t.text !== s.text || nameKey(t.sender) !== nameKey(s.from) || nameKey(t.to) !== nameKey(s.to)) {
      if (!report(`shown altered: ${describe(t)} shown as "${s.text}" from ${s.from} to ${s.to}, at ${where()}`)) return;
    }
    if (!isGroup(t.to) && nameKey(s.viewer) !== nameKey(t.to)) {
      if (!report(`direct message shown to someone else: ${describe(t)} shown at ${where()}`)) return;
    }
    if (isGroup(t.to) && nameKey(s.viewer) === nameKey(t.sender)) {
      if (!report(`own group message shown to its sender: ${describe(t)} at ${where()}`)) return;
    }
    const key = `${s.viewer}\u0000${s.incarnation}\u0000${s.id}`;
    if (seen.has(key)) {
      if (!report(`shown twice: ${describe(t)} at ${where()}`)) return;
    }
    seen.add(key);
  }
}

/**
 * A message its sender shows as delivered was shown at its recipient (direct),
 * or at `delivered` distinct clients (group). An ack says the message
 * *arrived* (PROTOCOL.md §4.12: `ranges` cover messages held back behind a
 * gap), so a recipient that crashed or quit after it was typed may have
 * held it unshown: such a recipient counts as having it.
 */
function checkDelivered(records: Records, report: Report): void {
  const viewersOf = new Map<string, Set<string>>();
  for (const s of records.shown) {
    let v = viewersOf.get(s.id);
    if (!v) viewersOf.set(s.id, (v = new Set()));
    v.add(nameKey(s.viewer));
  }
  for (const t of records.typed) {
    const last = t.states[t.states.length - 1];
    if (last?.state !== 'delivered') continue;
    const viewers = new Set(viewersOf.get(t.id));
    for (const l of records.lives) if (l.end !== null && l.end >= t.at && nameKey(l.name) !== nameKey(t.sender)) viewers.add(nameKey(l.name));
    if (!isGroup(t.to)) {
      if (!viewers.has(nameKey(t.to)) && !report(`delivered but never shown to ${t.to}: ${describe(t)}`)) return;
    } else if (viewers.size < last.delivered) {
      if (!report(`delivered to ${last.delivered} of ${last.of} but shown at ${viewers.size} (${[...viewers].join(', ') || 'nobody'}): ${describe(t)}`)) return;
    }
  }
}

/**
 * Every message typed ends in a final state (delivered, failed, or at the
 * relay with nobody to ack) unless its sender crashed or quit first, and
 * nothing changes after a final state.
 */
function checkFinal(records: Records, report: Report): void {
  for (const t of records.typed) {
    const finalAt = t.states.findIndex(isFinal);
    if (finalAt >= 0 && finalAt < t.states.length - 1) {
      if (!report(`state changed after a final one: ${describe(t)}: ${t.states.map(stateText).join(' -> ')}`)) return;
      continue;
    }
    if (t.senderGone !== null || finalAt >= 0) continue;
    if (!report(`never final: ${describe(t)}, typed at ${(t.at / 1000).toFixed(3)}s, last state ${stateText(t.states[t.states.length - 1])}`)) return;
  }
}

/** The inbox's default hold timeout (InboxOptions.holdMs): a gap older than this is skipped. */
const DEFAULT_HOLD_MS = 30_000;

/**
 * Each client incarnation shows each conversation (one sender incarnation to
 * it directly, or to `all`) in the order written. A message may come late
 * only where the protocol skips a gap (PROTOCOL.md §5): after the viewer saw
 * its sender leave (held messages are released then), or once it waited
 * longer than the hold timeout.
 */
function checkOrder(records: Records, holdMsOf: (name: string) => number, report: Report): void {
  const leftBefore = (viewer: string, incarnation: number, sender: string, at: number): boolean =>
    records.leaves.some((l) => l.viewer === viewer && l.incarnation === incarnation && nameKey(l.name) === nameKey(sender) && l.at <= at);
  // By the order typed, not by seq: a sender's new conversation epoch (after its messages to an offline
  // contact failed, say) numbers from 1 again (seen at the CLI's size, seed 9868: "seq 1 shown after seq 4").
  const lastSeq = new Map<string, { order: number; shown: Shown }>();
  for (const s of records.shown) {
    const t = records.byId.get(s.id);
    if (!t) continue;
    const key = `${s.viewer}#${s.incarnation}\u0000${t.sender}#${t.incarnation}\u0000${isGroup(t.to) ? GROUP_ALL : ''}`;
    const prev = lastSeq.get(key);
    const excused = (): boolean => s.at - t.at >= holdMsOf(s.viewer) || leftBefore(s.viewer, s.incarnation, t.sender, s.at);
    if (prev && t.order < prev.order && !excused()) {
      const p = records.byId.get(prev.shown.id);
      if (!report(`out of order at ${s.viewer}#${s.incarnation}: ${describe(t)} shown after ${p ? describe(p) : prev.shown.text}`)) return;
    }
    if (!prev || t.order > prev.order) lastSeq.set(key, { order: t.order, shown: s });
  }
}

/**
 * A group message reaches everyone who stayed: when its sender lived on to
 * the end and the message did not fail, every client its sender knew online
 * when it was typed (`reach`: what `groupExpected` waits for, those awaited
 * back after a relay restart included, issue 10) that was registered then
 * and running (one life) to the end showed it, unless the sender saw it
 * leave meanwhile (then it is no longer waited for).
 */
function checkGroupReach(records: Records, report: Report): void {
  const viewers = new Map<string, Set<string>>();
  for (const s of records.shown) {
    let v = viewers.get(s.id);
    if (!v) viewers.set(s.id, (v = new Set()));
    v.add(`${s.viewer}#${s.incarnation}`);
  }
  for (const t of records.typed) {
    if (!isGroup(t.to) || t.senderGone !== null) continue;
    const last = t.states[t.states.length - 1];
    if (!last || last.state === 'failed') continue;
    for (const l of records.lives) {
      if (!t.reach.includes(nameKey(l.name)) || l.registeredAt === null || l.registeredAt > t.at || l.end !== null) continue;
      const sawLeave = records.leaves.some((x) => x.viewer === t.sender && x.incarnation === t.incarnation && nameKey(x.name) === nameKey(l.name) && x.at >= t.at - 1);
      if (sawLeave || viewers.get(t.id)?.has(`${l.name}#${l.incarnation}`)) continue;
      if (!report(`group message never reached ${l.name}#${l.incarnation}, online all along: ${describe(t)}, last state ${stateText(last)}`)) return;
    }
  }
}
