import { mount } from 'svelte';
import { createClient } from '../../engine/contract/index.js';
import App from './App.svelte';
import MissingToken from './MissingToken.svelte';
import { connect } from './platform/connect.js';
import { viewOutlets } from './shell/view-outlets.js';
import { showDesktopNotifications } from './platform/desktop-notifications.js';
import { viewOfHash } from './state/router.svelte.js';
import { createStores } from './state/stores.svelte.js';
import './styles/app.css';

const target = document.getElementById('app')!;
const connection = connect();

/**
 * The start in tasks of their own: the bundle's evaluation, the connection and the first view's chunk (fetched
 * meanwhile, so the mount does not wait for it); then the stores; then the shell's mount; then the topic table is
 * asked for. Each is well under 50 ms of CPU; in one task they were over 50 ms by the wall clock on a busy machine
 * (bench `ui --opens N --breakdown`), and on two cores the engine preparing the table beside a mount slowed it too.
 */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

if ('error' in connection) {
  mount(MissingToken, { target });
} else {
  const client = createClient(connection.transport);
  showDesktopNotifications(client, connection.host);
  viewOutlets[viewOfHash(location.hash)]().catch(() => undefined); // the app reports a failure when it mounts the view
  void nextTask()
    .then(() => createStores(client, connection))
    .then(async (stores) => {
      await nextTask();
      mount(App, { target, props: { stores } });
      await nextTask();
      stores.topics.loadTopics();
    });
}
