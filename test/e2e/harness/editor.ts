/**
 * The active text editor as a user drives it: typing, moving the cursor, saving, and reading
 * what it shows (text, token colours, hovers, completion). Reads use the rendered lines, so
 * they see what is on screen; fixtures are kept short enough to fit in the window.
 */
import type { Page } from 'playwright-core';
import type { PageElement, PageGlobals } from './page-dom';
import { ACTIVE_EDITOR } from './workbench';
import { waitFor, waitUntil, type WaitOptions } from './wait';

const VIEW_LINE = `${ACTIVE_EDITOR} .view-lines .view-line`;
/** The editor's input element: EditContext in recent VS Code, a textarea in older ones. */
const EDITOR_INPUT = `${ACTIVE_EDITOR} .native-edit-context, ${ACTIVE_EDITOR} textarea.inputarea`;
/** Editor hovers (workbench hovers, e.g. of the status bar, also use .monaco-hover). */
const EDITOR_HOVER = '.monaco-hover:not(.hidden):not(.workbench-hover)';
const SUGGEST_WIDGET = '.editor-widget.suggest-widget.visible';

/** One token on a rendered line, with the class and colour the theme gave it. */
export interface Token {
  text: string;
  /** Monaco's token class, `mtk<N>`: one per distinct colour in the theme. */
  className: string;
  /** The computed CSS colour. */
  color: string;
}

/** The active editor. Methods that type or move first make sure the editor has focus. */
export class Editor {
  constructor(readonly page: Page) {}

  /** Gives the active editor keyboard focus without moving its cursor (a click would). */
  async focus(): Promise<void> {
    const focused = () => this.page.locator(`${ACTIVE_EDITOR}.focused`).count().then((n) => n > 0);
    if (await focused()) return;
    await this.page.locator(EDITOR_INPUT).first().focus();
    await waitUntil('the active editor to have keyboard focus', focused);
  }

  /** Types text at the cursor, key by key, as a user does ("\n" presses Enter). */
  async type(text: string): Promise<void> {
    await this.focus();
    await this.page.keyboard.type(text);
  }

  /** Presses a key or chord in the editor, e.g. "Backspace" or "Control+A". */
  async press(key: string): Promise<void> {
    await this.focus();
    await this.page.keyboard.press(key);
  }

  /** Moves the cursor with "Go to Line/Column" (Ctrl+G) and waits until the status bar shows it there. */
  async goTo(line: number, column = 1): Promise<void> {
    await this.press('Control+G');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await waitUntil('the Go to Line box', async () => (await input.isVisible()) && (await input.inputValue()).startsWith(':'));
    await this.page.keyboard.type(`${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await waitFor(
      `the cursor at line ${line}, column ${column}`,
      () => this.page.locator('#status\\.editor\\.selection').textContent(),
      (text) => text?.trim() === `Ln ${line}, Col ${column}`,
    );
  }

  /** Replaces the whole document with `text`, by selecting all and typing. */
  async replaceAll(text: string): Promise<void> {
    await this.press('Control+A');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.type(text);
  }

  /** Saves with Ctrl+S and waits until the editor's tab is no longer marked dirty. */
  async save(): Promise<void> {
    await this.press('Control+S');
    await waitUntil(
      'the active tab to be saved (no dirty marker)',
      async () => (await this.page.locator('.part.editor .editor-group-container.active .tab.active.dirty').count()) === 0,
    );
  }

  /** The text the editor shows, lines in order, joined with "\n". */
  async text(): Promise<string> {
    const lines = await this.page.locator(VIEW_LINE).evaluateAll((els: PageElement[]) =>
      els
        .map((e) => ({ top: parseFloat(e.style.top), text: (e.textContent ?? '').replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text),
    );
    return lines.join('\n');
  }

  /** Waits until the editor shows exactly `expected`. */
  async waitForText(expected: string, options?: WaitOptions): Promise<void> {
    await waitFor(`the editor to show ${JSON.stringify(expected)}`, () => this.text(), (t) => t === expected, options);
  }

  /** The tokens of the first rendered line that contains `snippet`, or [] if no line does. */
  async tokensOfLine(snippet: string): Promise<Token[]> {
    return this.page.locator(VIEW_LINE).evaluateAll(
      (els: PageElement[], wanted: string): Token[] => {
        const page = globalThis as unknown as PageGlobals;
        const line = els.find((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ').includes(wanted));
        return Array.from(line?.querySelectorAll('span[class*="mtk"]') ?? []).map((s) => ({
          text: (s.textContent ?? '').replace(/\u00a0/g, ' '),
          className: Array.from(s.classList).find((c) => /^mtk\d+$/.test(c)) ?? '',
          color: page.getComputedStyle(s).color,
        }));
      },
      snippet,
    );
  }

  /**
   * Waits until the line containing `snippet` shows at least `count` distinct token colours
   * (TextMate colouring arrives shortly after the text), and returns its tokens.
   */
  async waitForColours(snippet: string, count: number, options?: WaitOptions): Promise<Token[]> {
    return waitFor(
      `${count} distinct token colours on the line containing ${JSON.stringify(snippet)}`,
      () => this.tokensOfLine(snippet),
      (tokens) => new Set(tokens.filter((t) => t.text.trim() !== '').map((t) => t.color)).size >= count,
      options,
    );
  }

  /**
   * Hovers the mouse over the `occurrence`-th appearance (0-based) of `word` on screen and
   * returns the hover's text once it shows something other than "Loading...".
   */
  async hoverAt(word: string, occurrence = 0, options?: WaitOptions): Promise<string> {
    const point = await this.wordCentre(word, occurrence);
    // Moving away first makes sure the next move is a real mouse movement onto the word.
    await this.page.mouse.move(2, 2);
    await this.page.mouse.move(point.x, point.y, { steps: 4 });
    return waitFor(
      `a hover at ${JSON.stringify(word)}`,
      () => this.page.locator(EDITOR_HOVER).evaluateAll((els: PageElement[]) => els.map((e) => (e.textContent ?? '').trim()).join('\n')),
      (text) => text !== '' && !/^Loading\.*/.test(text),
      options,
    );
  }

  /**
   * Triggers completion (Ctrl+Space) at the cursor and returns the labels of the visible
   * suggestions, or [] once VS Code says there are none. The list stays open; press Escape.
   */
  async complete(options?: WaitOptions): Promise<string[]> {
    await this.press('Control+Space');
    const state = await waitFor(
      'the suggestion list after Ctrl+Space',
      () =>
        this.page.locator(SUGGEST_WIDGET).evaluateAll((els: PageElement[]) => ({
          labels: els.flatMap((w) => Array.from(w.querySelectorAll('.monaco-list-row .label-name')).map((l) => (l.textContent ?? '').trim())),
          message: els.map((w) => w.querySelector('.message')?.innerText ?? '').join('').trim(),
        })),
      (s) => s.labels.length > 0 || /no suggestions/i.test(s.message),
      options,
    );
    return state.labels;
  }

  /** Finds where `word` is drawn, from the rendered text, for mouse actions. */
  private async wordCentre(word: string, occurrence: number): Promise<{ x: number; y: number }> {
    const point = await this.page.locator(VIEW_LINE).evaluateAll(
      (els: PageElement[], { word, occurrence }: { word: string; occurrence: number }) => {
        const { document, NodeFilter } = globalThis as unknown as PageGlobals;
        let seen = 0;
        const sorted = els.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
        for (const line of sorted) {
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = (node.textContent ?? '').replace(/\u00a0/g, ' ');
            for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
              if (seen++ < occurrence) continue;
              const range = document.createRange();
              range.setStart(node, i);
              range.setEnd(node, i + word.length);
              const box = range.getBoundingClientRect();
              return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
            }
          }
        }
        return undefined;
      },
      { word, occurrence },
    );
    if (!point) throw new Error(`${JSON.stringify(word)} (occurrence ${occurrence}) is not shown in the active editor:\n${await this.text()}`);
    return point;
  }
}
