export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'thingbench.theme';

/** Light and dark follow the system unless the user picks one; the choice is kept across launches. */
export class ThemeStore {
  choice = $state<ThemeChoice>('system');
  private readonly media = window.matchMedia('(prefers-color-scheme: dark)');
  systemDark = $state(this.media.matches);

  constructor() {
    const saved = localStorage.getItem(KEY);
    if (saved === 'light' || saved === 'dark') this.choice = saved;
    this.media.addEventListener('change', (e) => { this.systemDark = e.matches; this.apply(); });
    this.apply();
  }

  get dark(): boolean {
    return this.choice === 'dark' || (this.choice === 'system' && this.systemDark);
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
    this.apply();
  }

  /** Light → dark → system → light. */
  cycle(): void {
    this.set(this.choice === 'light' ? 'dark' : this.choice === 'dark' ? 'system' : 'light');
  }

  private apply(): void {
    document.documentElement.dataset.theme = this.dark ? 'dark' : 'light';
  }
}
