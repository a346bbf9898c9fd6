import { mount } from 'svelte';
import { createClient, type ThingbenchClient } from '../../engine/contract/index.js';
import App from './App.svelte';
import MissingToken from './MissingToken.svelte';
import { connect, type Connection } from './platform/connect.js';
import { showDesktopNotifications } from './platform/desktop-notifications.js';
import { viewOutlets } from './shell/view-outlets.js';
import { viewOfHash } from './state/router.svelte.js';
import { createStores } from './state/stores.svelte.js';
import './styles/app.css';

const target = document.getElementById('app')!;
const connection = connect();

/**
 * The start in tasks of their own: the bundle's evaluation and the connection; asking for the first view's chunk
 * (adding its preload links took ~20 ms in a profile; it loads meanwhile, so the mount does not wait for it); the
 * stores, which ask for the topic table's small first page; the shell's mount. Each is well under 50 ms of CPU;
 * together they were over 50 ms by the wall clock on a busy machine (bench `ui --opens N --breakdown`).
 */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function start(client: ThingbenchClient, connection: Connection): Promise<void> {
  await nextTask();
  viewOutlets[viewOfHash(location.hash)]().catch(() => undefined); // the app reports a failure when it mounts the view
  await nextTask();
  const stores = createStores(client, connection);
  await nextTask();
  mount(App, { target, props: { stores } });
}

if ('error' in connection) {
  mount(MissingToken, { target });
} else {
  const client = createClient(connection.transport);
  showDesktopNotifications(client, connection.host);
  void start(client, connection);
}
