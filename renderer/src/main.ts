import { startApp } from './app.js';
import { connect } from './connect.js';
import { h } from './dom.js';

const root = document.getElementById('app')!;
const connection = connect();

if ('error' in connection) {
  root.replaceChildren(h('div', { class: 'notice', testid: 'token-missing' },
    h('h1', {}, 'Thingbench'),
    h('p', {}, 'This page needs the link that "thingbench serve" printed when it started: it carries a per-launch token.'),
    h('p', {}, 'Open that link (http://127.0.0.1:PORT/?token=…) or restart "thingbench serve".')));
} else {
  startApp(root, connection);
}
