/**
 * The immutable snapshot the UI renders (types.ts, `ChatSnapshot`), built
 * from the parts of the chat state: the contact list is `all`, the online
 * contacts by name, then offline contacts with a conversation, by name.
 */
import { formatEndpoint } from '@udpchat/net';
import { GROUP_ALL, nameKey } from '@udpchat/protocol';
import type { ChatSession } from '../net/session.js';
import { escapeControls } from '../text/sanitize.js';
import type { Conversations } from './conversations.js';
import type { DatagramLog } from './inspector.js';
import type { Presence } from './presence.js';
import type { ChatSnapshot, ContactRow, Notice } from './types.js';
import { compareNames } from '../text/nameOrder.js';

/** What a snapshot reads of the session. */
export type SnapshotSource = Pick<ChatSession, 'name' | 'registration' | 'seenAs' | 'relay' | 'status' | 'hosting' | 'hostedOthers' | 'simulation'> & Partial<Pick<ChatSession, 'lastMove'>>;

/** The parts a snapshot is built from. */
export interface SnapshotParts {
  revision: number;
  session: SnapshotSource;
  conversations: Conversations;
  presence: Presence;
  notice: Notice | null;
  confirmingQuit: boolean;
  inspector: DatagramLog;
}

/** A new snapshot of `parts` (copies what later changes would otherwise mutate: the open conversation's fields). */
export function buildSnapshot(parts: SnapshotParts): ChatSnapshot {
  const { conversations, presence, session: b } = parts;
  const open = conversations.open();
  const online = presence.list();
  const onlineKeys = new Set(online.map((c) => nameKey(c.name)));
  // Conversations with contacts who are offline stay listed (dimmed), after the online ones.
  const offline = conversations
    .all()
    .filter((c) => c.key !== GROUP_ALL && !onlineKeys.has(c.key))
    .sort((a, b) => compareNames(a.title, b.title));
  const contacts: ContactRow[] = [
    { key: GROUP_ALL, name: GROUP_ALL, type: 'group', unread: conversations.unreadOf(GROUP_ALL), online: true },
    ...online.map((c) => ({
      key: nameKey(c.name),
      name: escapeControls(c.name),
      type: c.type,
      unread: conversations.unreadOf(nameKey(c.name)),
      online: true,
    })),
    ...offline.map((c) => ({ key: c.key, name: c.title, type: 'client' as const, unread: conversations.unreadOf(c.key), online: false })),
  ];
  return {
    revision: parts.revision,
    self: { name: b.name, registration: b.registration, seenAs: b.seenAs },
    relay: {
      label: formatEndpoint(b.relay),
      status: b.status,
      hosting: b.hosting,
      hostedOthers: b.hostedOthers,
      simulation: b.simulation,
      moved: b.lastMove ? escapeControls(b.lastMove.reason) : null,
    },
    contacts,
    open: { ...open },
    openOnline: open.key === GROUP_ALL || presence.get(open.title) !== undefined,
    notice: parts.notice,
    confirmingQuit: parts.confirmingQuit,
    inspector: parts.inspector.view(),
  };
}
