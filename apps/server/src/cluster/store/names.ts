/**
 * Name bindings over the `<prefix>_names` bucket (PROTOCOL.md §6.5): one
 * entry per name key, created (first writer wins across the cluster) on a
 * name's first proof and deleted when it is released.
 */
import type { Binding } from '../../store/relayStore.js';
import { decodeBinding, encodeBinding } from './codec.js';
import { KvMirror, type MirrorEntry, type MirrorOptions } from './kvMirror.js';
import { decodePart, nameEntryKey } from './keys.js';
import type { StoreChange } from './types.js';

const sameKey = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The name bindings of the cluster, as this relay's mirror has them; reports others' binds, releases, and binds this relay lost. */
export class NameBindings {
  readonly mirror: KvMirror<Binding>;
  private count = 0;

  constructor(options: Omit<MirrorOptions<Binding>, 'hooks'>, emit: (change: StoreChange) => void) {
    this.mirror = new KvMirror({
      ...options,
      hooks: {
        decode: decodeBinding,
        encode: encodeBinding,
        onView: (k, before, after, remote) => {
          this.count += (after ? 1 : 0) - (before ? 1 : 0);
          if (remote) this.changed(k, before, after, emit);
        },
      },
    });
  }

  private changed(k: string, before: MirrorEntry<Binding> | undefined, after: MirrorEntry<Binding> | undefined, emit: (c: StoreChange) => void): void {
    const key = after?.value.key ?? before?.value.key ?? decodePart(k);
    if (!after) emit({ type: 'unbound', key });
    else if (!before) emit({ type: 'bound', key, binding: after.value });
    else if (!sameKey(before.value.publicKey, after.value.publicKey)) emit({ type: 'conflict', key, binding: after.value });
  }

  binding(key: string): Binding | undefined {
    return this.mirror.get(nameEntryKey(key))?.value;
  }

  /** Binds `key` (first use) at once; false when the view has a binding already. JetStream decides the race: see `conflict`. */
  bind(name: string, key: string, publicKey: Uint8Array, now: number): boolean {
    if (this.binding(key)) return false;
    void this.mirror.create(nameEntryKey(key), { name, key, publicKey: publicKey.slice(), boundAt: now });
    return true;
  }

  bindings(): Binding[] {
    return [...this.mirror.entries()].map(([, e]) => e.value).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Deletes the binding of `key`; false when there was none. */
  release(key: string): boolean {
    if (!this.binding(key)) return false;
    void this.mirror.delete(nameEntryKey(key));
    return true;
  }

  get size(): number {
    return this.count;
  }
}
