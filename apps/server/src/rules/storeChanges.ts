/**
 * What the relay does when its store changes under it (cluster mode: another
 * relay wrote to the JetStream store, packages/protocol/CLUSTER-STORE.md),
 * for the users registered here:
 * - `stored`: a chat was stored for a recipient registered here with its key
 *   → the stored chats not yet in flight to it are sent (those in flight keep
 *   their retransmission timing);
 * - `receipt`: a receipt waits for a sender registered here → sent (then again
 *   until its `receipt-ack`);
 * - `conflict`: this relay bound a name to a key, another relay had bound it
 *   first to another key → a local session that proved the losing key is
 *   refused as `identify` would have refused it (NAME_KEY_MISMATCH), and told
 *   `bye`: it leaves;
 * - `unbound`: a name was released elsewhere (with everything stored for it)
 *   → a local session of it stays registered (it is present: the name stays
 *   unique while it is), no longer reserved; what was in flight to it from
 *   the store is forgotten (deleted with the binding); its next registration
 *   with a key binds the name again;
 * - `bound`: nothing (a name bound elsewhere is held there, not here).
 */
import { ERROR_CODES, sameKey } from '@udpchat/protocol';
import type { StoreChange } from '../cluster/store/types.js';
import type { Contact } from '../state/contacts.js';
import type { RouterContext } from './context.js';
import { removeContact } from './membership.js';
import { deliverNewlyStored, sendNewReceipts } from './offline.js';
import { errorReply } from './replies.js';

/** The protocol client registered here under the name key `key`, if any (not a remote contact, not a plain peer). */
function localClient(ctx: RouterContext, key: string): Contact | undefined {
  const c = ctx.contacts.named(key);
  return c !== undefined && c.type === 'client' && c.remote === undefined ? c : undefined;
}

/** Acts on one change of the store written by another relay (see the module comment). Never throws for a change about nobody here. */
export function storeChanged(ctx: RouterContext, change: StoreChange): void {
  switch (change.type) {
    case 'stored': {
      const recipient = localClient(ctx, change.recipientKey);
      if (recipient !== undefined && recipient.identity !== undefined) deliverNewlyStored(ctx, recipient);
      return;
    }
    case 'receipt': {
      const sender = localClient(ctx, change.senderKey);
      if (sender !== undefined) sendNewReceipts(ctx, sender);
      return;
    }
    case 'conflict': {
      const holder = localClient(ctx, change.key);
      if (holder === undefined || holder.identity === undefined || sameKey(holder.identity, change.binding.publicKey)) return;
      const { name } = change.binding;
      ctx.log.warn({ contact: holder.name, address: holder.endpoint.address, port: holder.endpoint.port }, 'name bound to another key on another relay first: session refused');
      ctx.out.send(errorReply(ERROR_CODES.NAME_KEY_MISMATCH, `the name ${name} is reserved for another key`), holder.endpoint);
      ctx.out.send({ kind: 'bye', reason: `the name ${name} is reserved for another key` }, holder.endpoint);
      removeContact(ctx, holder, 'bye');
      return;
    }
    case 'unbound': {
      ctx.offline.deliveries.forget(change.key);
      ctx.offline.deliveries.forgetReceipts(change.key);
      const holder = localClient(ctx, change.key);
      if (holder !== undefined) ctx.log.info({ contact: holder.name }, 'name released on another relay: the session here stays, no longer reserved');
      return;
    }
    case 'bound':
      return;
  }
}
