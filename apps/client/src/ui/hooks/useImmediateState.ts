import { useCallback, useRef, useState } from 'react';

/** A state value, the ref that always holds its latest value, and its setter. */
export interface ImmediateState<T> {
  /** The value as last rendered. */
  value: T;
  /** The latest value, already updated by `set` before React re-renders. */
  latest: { readonly current: T };
  /** Sets a value or applies an update to the latest value. */
  set: (next: T | ((previous: T) => T)) => void;
}

/**
 * useState whose updates are visible at once through `latest`: keys that
 * arrive in one burst (Tab then ↓ then Enter) each see the previous one's effect.
 */
export function useImmediateState<T>(initial: T): ImmediateState<T> {
  const latest = useRef(initial);
  const [value, setValue] = useState(initial);
  const set = useCallback((next: T | ((previous: T) => T)) => {
    latest.current = typeof next === 'function' ? (next as (previous: T) => T)(latest.current) : next;
    setValue(latest.current);
  }, []);
  return { value, latest, set };
}
