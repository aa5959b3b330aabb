/**
 * The panel's text view: the read text, one span per character, shaded by whatever the active tool shows (a unit's
 * value, saliency, a loss difference). It holds at most MAX characters at a time, a window that moves to whatever
 * position a tool asks to show. Clicking a character (without dragging a selection) picks that position.
 */
export const TEXT_VIEW_MAX = 20_000;

export type Shade = (t: number) => string | null;

export class TextView {
  private chars: string[] = [];
  private w0 = 0;
  private shade: Shade = () => null;
  private marks = new Set<number>();
  /** the last span selected (focusing the threshold field or a button clears the live selection) */
  private lastSpan: { start: number; end: number } | undefined;

  constructor(
    private readonly box: HTMLElement,
    private readonly caption: HTMLElement,
    onPick: (t: number) => void,
  ) {
    box.addEventListener('click', (e) => {
      const sel = window.getSelection();
      if (sel && !sel.isCollapsed) return; // a drag selects a span (Find cells), not a position
      const i = (e.target as HTMLElement).closest?.('span[data-i]')?.getAttribute('data-i');
      if (i !== null && i !== undefined) onPick(Number(i));
    });
    document.addEventListener('selectionchange', () => {
      const s = this.liveSpan();
      if (s) this.lastSpan = s;
    });
  }

  /** the span of text selected in the view (or the last one selected), [start, end) in positions */
  selectedSpan(): { start: number; end: number } | undefined {
    return this.liveSpan() ?? this.lastSpan;
  }

  private liveSpan(): { start: number; end: number } | undefined {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return undefined;
    const idx = (node: Node | null): number | undefined => {
      const e = node?.nodeType === Node.TEXT_NODE ? node.parentElement : (node as HTMLElement | null);
      const i = e?.closest?.('span[data-i]')?.getAttribute('data-i');
      return i === undefined || i === null || !this.box.contains(e!) ? undefined : Number(i);
    };
    const r = sel.getRangeAt(0);
    const a = idx(r.startContainer),
      b = idx(r.endContainer);
    if (a === undefined || b === undefined) return undefined;
    return { start: Math.min(a, b), end: Math.max(a, b) + 1 };
  }

  setText(chars: string[]): void {
    this.chars = chars;
    this.w0 = 0;
    this.marks.clear();
    this.lastSpan = undefined;
  }

  /** shade every character with `shade` (null: no background); `caption` says what the shading means */
  paint(shade: Shade, caption: string): void {
    this.shade = shade;
    this.caption.textContent = caption;
    this.render();
  }

  /** outline these positions (nearest states, matches); [] clears */
  mark(positions: number[]): void {
    this.marks = new Set(positions);
    for (const s of this.box.querySelectorAll('span.mark')) s.classList.remove('mark');
    for (const t of positions) this.spanAt(t)?.classList.add('mark');
  }

  /** bring position t into the window and scroll it into view */
  show(t: number): void {
    if (t < this.w0 || t >= this.w0 + TEXT_VIEW_MAX) {
      this.w0 = Math.max(0, Math.min(this.chars.length - TEXT_VIEW_MAX, t - TEXT_VIEW_MAX / 2));
      this.render();
    }
    const s = this.spanAt(t);
    if (!s) return;
    for (const c of this.box.querySelectorAll('span.picked')) c.classList.remove('picked');
    s.classList.add('picked');
    s.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  private spanAt(t: number): HTMLElement | undefined {
    return t >= this.w0 && t < this.w0 + TEXT_VIEW_MAX ? ((this.box.children[t - this.w0] as HTMLElement | undefined) ?? undefined) : undefined;
  }

  private render(): void {
    const n = Math.min(this.chars.length - this.w0, TEXT_VIEW_MAX);
    const frag = document.createDocumentFragment();
    for (let i = 0; i < n; i++) {
      const t = this.w0 + i;
      const s = document.createElement('span');
      s.dataset.i = String(t);
      s.textContent = this.chars[t]!;
      const bg = this.shade(t);
      if (bg) s.style.background = bg;
      if (this.marks.has(t)) s.classList.add('mark');
      frag.append(s);
    }
    this.box.replaceChildren(frag);
    this.box.dataset.start = String(this.w0);
  }
}
