import type { EngineInfo } from '../../engine/contract/index.js';
import { h, setText } from './dom.js';
import type { ConnectionState } from './ws-transport.js';

const modeTitles = {
  aws: 'behaves like AWS IoT Core (its limits and $aws topics)',
  standard: 'a standard MQTT broker',
} as const;

/** Product name, broker mode, endpoints (click to copy) and the connection state. */
export class HeaderView {
  readonly element: HTMLElement;
  private readonly mode = h('span', { class: 'badge mode', testid: 'broker-mode', title: 'Broker mode' }, '…');
  private readonly endpoints = h('ul', { class: 'endpoints', testid: 'endpoints', 'aria-label': 'Endpoints' });
  private readonly state = h('span', { class: 'conn', testid: 'connection-status', 'data-state': 'connecting' }, 'connecting');

  constructor(private readonly host: 'electron' | 'browser') {
    this.element = h('header', { class: 'topbar' },
      h('div', { class: 'brand' }, h('img', { class: 'brand-mark', src: './favicon.svg', alt: '', width: 20, height: 20 }), h('h1', {}, 'Thingbench')),
      this.mode,
      this.endpoints,
      h('span', { class: 'spacer' }),
      this.state,
    );
  }

  setInfo(info: EngineInfo): void {
    setText(this.mode, info.brokerMode);
    this.mode.dataset.mode = info.brokerMode;
    this.mode.title = `Broker mode: ${modeTitles[info.brokerMode] ?? info.brokerMode}`;
    this.endpoints.replaceChildren(...Object.entries(info.endpoints).map(([name, url]) => {
      const button = h('button', { type: 'button', class: 'endpoint', testid: `endpoint-${name}`, title: `Copy ${url}` },
        h('span', { class: 'endpoint-name' }, name), h('span', { class: 'endpoint-url' }, url));
      button.addEventListener('click', () => void copy(url, button));
      return h('li', {}, button);
    }));
  }

  setState(state: ConnectionState): void {
    this.state.dataset.state = state;
    const via = this.host === 'electron' ? 'IPC' : 'WebSocket';
    setText(this.state, state === 'open' ? `connected · ${via}` : state === 'connecting' ? 'connecting…' : 'disconnected');
    this.state.title = state === 'closed'
      ? 'The engine stopped, or this page belongs to an earlier launch: open the URL printed by "thingbench serve".'
      : '';
  }
}

async function copy(text: string, button: HTMLElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    button.classList.add('copied');
    setTimeout(() => button.classList.remove('copied'), 900);
  } catch {
    // Clipboard access can be refused (permissions, insecure context); the URL is still readable.
  }
}
