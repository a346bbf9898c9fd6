import type { MessageRecord } from '../../engine/contract/index.js';
import { h, setText } from './dom.js';
import { formatBytes, payloadFull } from './format.js';

/** The selected message: its metadata and the whole payload (pretty JSON, text or hex dump). */
export class MessageDetailView {
  readonly element: HTMLElement;
  private readonly title = h('h2', { class: 'detail-topic', testid: 'detail-topic' });
  private readonly meta = h('dl', { class: 'detail-meta' });
  private readonly payload = h('pre', { class: 'detail-payload', testid: 'detail-payload' });
  private readonly note = h('p', { class: 'detail-note' });

  constructor(onClose: () => void) {
    const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', title: 'Close' }, '×');
    close.addEventListener('click', onClose);
    this.element = h('section', { class: 'detail', testid: 'message-detail', hidden: true },
      h('div', { class: 'detail-head' }, this.title, close), this.meta, this.payload, this.note);
  }

  show(message: MessageRecord | null, note = ''): void {
    this.element.hidden = message === null;
    if (!message) return;
    setText(this.title, message.topic);
    const field = (label: string, value: string) => h('div', {}, h('dt', {}, label), h('dd', {}, value));
    this.meta.replaceChildren(
      field('time', new Date(message.time).toISOString()),
      field('qos', String(message.qos)),
      field('retain', message.retain ? 'yes' : 'no'),
      field('publisher', message.clientId ?? 'engine'),
      field('size', formatBytes(message.size)),
    );
    const full = payloadFull(message.payload, message.truncated);
    this.payload.dataset.format = full.format;
    setText(this.payload, full.format === 'empty' ? '(empty payload)' : full.text);
    setText(this.note, note || (message.truncated ? `Showing the first ${formatBytes(message.payload.length * 3 / 4)}.` : ''));
  }
}
