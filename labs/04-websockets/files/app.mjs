// The lab's web client. Its settings come from the page's fragment (#host=…&port=…&region=…&clientId=…&app=…&
// accessKeyId=…&secretAccessKey=…[&sessionToken=…]): the fragment never leaves the browser. It signs a /mqtt URL,
// connects, subscribes to every device's status, says hello on app/<app>/hello, and for each status it receives
// publishes what it saw on app/<app>/seen.
import { presignMqttUrl } from './sigv4-url.mjs';
import { MqttOverWebSocket } from './mqtt-ws.mjs';

const p = new URLSearchParams(location.hash.slice(1));
const app = p.get('app');
const status = document.getElementById('status');
const show = (text, ok) => { status.textContent = text; status.className = ok ? 'ok' : 'bad'; };

async function main() {
  const url = await presignMqttUrl({
    host: p.get('host'), port: Number(p.get('port') ?? 443), region: p.get('region'),
    accessKeyId: p.get('accessKeyId'), secretAccessKey: p.get('secretAccessKey'), sessionToken: p.get('sessionToken') ?? undefined,
  });
  const client = new MqttOverWebSocket(url, p.get('clientId'));
  client.onmessage = (topic, text) => {
    const li = document.createElement('li');
    li.textContent = `${topic} ${text}`;
    document.getElementById('messages').append(li);
    let payload = text;
    try { payload = JSON.parse(text); } catch { /* not JSON: echo it as text */ }
    client.publish(`app/${app}/seen`, { topic, payload, by: 'browser' });
  };
  await client.connect();
  client.onclose = () => show('closed', false);
  await client.subscribe('device/+/status');
  show(`connected as ${p.get('clientId')}, subscribed to device/+/status`, true);
  client.publish(`app/${app}/hello`, { client: app, by: 'browser' });
  document.getElementById('send').onsubmit = (e) => {
    e.preventDefault();
    client.publish(`app/${app}/hello`, { client: app, by: 'browser', text: document.getElementById('text').value });
  };
}
main().catch((e) => show(e.message, false));
