/**
 * "Stored" only once it is stored: the single relay commits a stored chat
 * before it tells the sender `stored` (PROTOCOL.md §6.6); in cluster mode
 * the JetStream store has it in its mirror at once and in JetStream ~1 ms
 * later, and the rules send `stored` in between. This wraps the relay's
 * datagram sink so that a `stored` datagram (kind 0x14, §4.17) goes out only
 * once its chat is in JetStream (`ClusterStore.chatWritten`): a relay killed
 * in between has told nobody. A `stored` whose chat could not be written is
 * not sent (the sender retransmits, the relay stores it again). Every other
 * datagram passes at once, untouched. No change to the rules: the wiring
 * gives `createRelayCore` this sink instead of the socket.
 */
import { nameKey, tryDecodeDatagram } from '@udpchat/protocol';
import type { Logger } from 'pino';
import type { DatagramSink } from '../../io/socket.js';
import type { ClusterStore } from './types.js';

const KIND_STORED = 0x14;

/** What the wrapped sink held back, for the stats line. */
export interface HeldStats {
  /** `stored` datagrams sent after their chat's write was acknowledged. */
  released: number;
  /** `stored` datagrams not sent: the chat's write failed. */
  dropped: number;
  /** Waiting now. */
  waiting: number;
}

/** `sink`, holding each `stored` datagram until `store` has its chat in JetStream. */
export function durableStoredSink(sink: DatagramSink, store: Pick<ClusterStore, 'chatWritten'>, logger?: Logger): DatagramSink & { readonly held: HeldStats } {
  const held: HeldStats = { released: 0, dropped: 0, waiting: 0 };
  return {
    held,
    send(bytes, port, address, done) {
      if (bytes.length < 5 || bytes[0] !== 0xff || bytes[1] !== 0x55 || bytes[3] !== KIND_STORED) return sink.send(bytes, port, address, done);
      const decoded = tryDecodeDatagram(bytes);
      if (!decoded.ok || decoded.message.kind !== 'stored') return sink.send(bytes, port, address, done);
      const { id, to } = decoded.message;
      held.waiting++;
      void store.chatWritten(nameKey(to), id).then((written) => {
        held.waiting--;
        if (written) {
          held.released++;
          sink.send(bytes, port, address, done);
          return;
        }
        held.dropped++;
        logger?.warn({ id, to }, 'JetStream store: the stored chat was not written, "stored" not sent (the sender will retransmit)');
        done?.(null);
      });
    },
  };
}
