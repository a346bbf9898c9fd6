import { h, setText } from './dom.js';

/** Counts and problems, one line at the bottom of the window. */
export class StatusBarView {
  readonly element: HTMLElement;
  private readonly topics = h('span', { testid: 'topic-total' });
  private readonly shown = h('span', { testid: 'shown-count' });
  private readonly dropped = h('span', { class: 'warn', testid: 'dropped-count', hidden: true });
  private readonly error = h('span', { class: 'error', testid: 'status-error', hidden: true });

  constructor() {
    this.element = h('footer', { class: 'statusbar', testid: 'status-bar' }, this.topics, this.shown, this.dropped, h('span', { class: 'spacer' }), this.error);
  }

  setCounts(topics: number, shown: number, dropped: number): void {
    setText(this.topics, `${topics} topic${topics === 1 ? '' : 's'}`);
    setText(this.shown, `${shown} message${shown === 1 ? '' : 's'} shown`);
    this.dropped.hidden = dropped === 0;
    setText(this.dropped, `${dropped} live message${dropped === 1 ? '' : 's'} skipped to keep up (still in the history)`);
  }

  setError(message: string | null): void {
    this.error.hidden = message === null;
    setText(this.error, message ?? '');
  }
}
