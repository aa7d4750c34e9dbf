import { useSyncExternalStore } from 'react';
import type { ChatStore } from '../../state/store.js';
import type { ChatSnapshot } from '../../state/types.js';

/** The store's current snapshot; re-renders when the store notifies (at most ~30 times a second). */
export function useChatSnapshot(store: ChatStore): ChatSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
