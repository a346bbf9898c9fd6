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

if ('error' in connection) {
  mount(MissingToken, { target });
} else {
  const client = createClient(connection.transport);
  showDesktopNotifications(client, connection.host);
  mount(App, { target, props: { stores: createStores(client, connection) } });
}
