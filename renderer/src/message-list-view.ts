import type { MessageRecord } from '../../engine/contract/index.js';
import { h } from './dom.js';
import { formatBytes, formatTime, payloadPreview } from './format.js';

/** Rows are created once per message and reused across renders (messages never change). */
export class MessageListView {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'msg-body', role: 'rowgroup' });
  private readonly empty = h('div', { class: 'msg-empty', testid: 'message-empty' }, 'No messages yet. Publish to the broker and they appear here.');
  private rows = new Map<number, HTMLElement>();
  private selectedId: number | null = null;

  constructor(private readonly onSelect: (message: MessageRecord) => void) {
    const head = h('div', { class: 'msg-row msg-head', role: 'row' },
      ...['Time', 'Topic', 'QoS', 'Ret', 'Publisher', 'Size', 'Payload'].map((label) => h('span', { role: 'columnheader' }, label)));
    this.element = h('section', { class: 'msg-list', testid: 'message-list', role: 'table', 'aria-label': 'Messages' }, head, this.body, this.empty);
  }

  render(messages: readonly MessageRecord[]): void {
    const next = new Map<number, HTMLElement>();
    for (const message of messages) next.set(message.id, this.rows.get(message.id) ?? this.createRow(message));
    this.rows = next;
    this.body.replaceChildren(...next.values());
    this.empty.hidden = messages.length > 0;
  }

  select(id: number | null): void {
    if (this.selectedId !== null) this.rows.get(this.selectedId)?.classList.remove('selected');
    this.selectedId = id;
    if (id !== null) this.rows.get(id)?.classList.add('selected');
  }

  private createRow(m: MessageRecord): HTMLElement {
    const row = h('div', { class: 'msg-row', role: 'row', tabindex: 0, testid: 'message-row', 'data-topic': m.topic, 'data-id': m.id },
      h('span', { class: 'time', testid: 'message-time', title: new Date(m.time).toISOString() }, formatTime(m.time)),
      h('span', { class: 'topic', testid: 'message-topic', title: m.topic }, m.topic),
      h('span', { class: `qos qos-${m.qos}`, testid: 'message-qos' }, String(m.qos)),
      h('span', { class: 'retain', testid: 'message-retain', title: m.retain ? 'retained' : '' }, m.retain ? 'R' : ''),
      h('span', { class: m.clientId === null ? 'publisher engine' : 'publisher', testid: 'message-publisher' }, m.clientId ?? 'engine'),
      h('span', { class: 'size' }, formatBytes(m.size)),
      h('span', { class: 'payload', testid: 'message-payload' }, payloadPreview(m.payload, m.truncated)),
    );
    if (m.id === this.selectedId) row.classList.add('selected');
    row.addEventListener('click', () => this.onSelect(m));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.onSelect(m);
    });
    return row;
  }
}
