import { mount } from 'svelte';
import { createClient } from '../../engine/contract/index.js';
import App from './App.svelte';
import MissingToken from './MissingToken.svelte';
import { connect } from './platform/connect.js';
import { showDesktopNotifications } from './platform/desktop-notifications.js';
import { createStores } from './state/stores.svelte.js';
import './styles/app.css';

const target = document.getElementById('app')!;
const connection = connect();

/**
 * The start in three tasks rather than one: the bundle's evaluation and the connection, then the stores, then the
 * shell's mount. Each is well under 50 ms of CPU; in one task they were over 50 ms by the wall clock on a busy
 * machine (bench `ui --opens N --breakdown`), and the WebSocket's first answers wait for none of them.
 */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

if ('error' in connection) {
  mount(MissingToken, { target });
} else {
  const client = createClient(connection.transport);
  showDesktopNotifications(client, connection.host);
  void nextTask()
    .then(() => createStores(client, connection))
    .then(async (stores) => {
      await nextTask();
      mount(App, { target, props: { stores } });
    });
}
