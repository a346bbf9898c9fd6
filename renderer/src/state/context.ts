import { getContext, setContext } from 'svelte';
import type { Stores } from './stores.svelte.js';

const KEY = Symbol('thingbench.stores');

/** Called once by the app shell; every view then reads the same stores with `useStores()`. */
export function provideStores(stores: Stores): void {
  setContext(KEY, stores);
}

/** The app's stores (ARCHITECTURE §7a: only `state/` calls the client; views read stores and call their methods). */
export function useStores(): Stores {
  const stores = getContext<Stores | undefined>(KEY);
  if (!stores) throw new Error('useStores() outside the app shell');
  return stores;
}
