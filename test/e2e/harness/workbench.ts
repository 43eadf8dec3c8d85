/**
 * The workbench as a user drives it: Quick Open, the Command Palette, the status bar and the
 * language status hover. Selectors are VS Code's own DOM classes (checked against code-server
 * 4.139 = VS Code 1.139); each one is named once here so a VS Code update is fixed in one place.
 */
import type { Locator, Page } from 'playwright-core';
import type { PageElement, PageGlobals } from './page-dom';
import { waitFor, waitUntil, type WaitOptions } from './wait';

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_ROW = `${QUICK_INPUT} .monaco-list-row`;
/** The editor in the active editor group; VS Code puts the document URI on it as data-uri. */
export const ACTIVE_EDITOR = '.part.editor .editor-group-container.active .monaco-editor[data-uri]';
const STATUS_ITEM = '.part.statusbar .statusbar-item';
const LANGUAGE_STATUS = '#status\\.languageStatus';
const LANGUAGE_STATUS_HOVER_ITEM = '.monaco-hover .hover-language-status';

/** One item of the status bar. */
export interface StatusBarItem {
  /** VS Code's id, e.g. `status.editor.mode`. */
  id: string;
  text: string;
  ariaLabel: string;
}

/** One row of an open quick pick. */
export interface QuickPickItem {
  label: string;
  description: string;
  /** The second line under the label ("" when the item has none). */
  detail: string;
  /** The group title shown on the row that starts a group ("" on the others). */
  separator: string;
}

/** One item in the language status hover (the `{}` in the status bar). */
export interface LanguageStatusItem {
  /** The item's text, icons left out, e.g. "Jetson Nix: ready". */
  text: string;
  /** Its detail, shown after a separator. */
  detail: string;
  /** The titles of its links, e.g. ["Open Logs"]. */
  links: string[];
  /** VS Code's severity class: sev1 (information), sev2 (warning), sev3 (error). */
  severity: string;
}

/** Workbench-level actions: opening files, running commands, reading the status bar. */
export class Workbench {
  constructor(readonly page: Page) {}

  /**
   * Opens a file of the workspace with Quick Open (Ctrl+P), as a user does, and waits until
   * it is the active editor.
   * @param relativePath path from the workspace folder, with `/`
   */
  async openFile(relativePath: string): Promise<void> {
    const slash = relativePath.lastIndexOf('/');
    const name = relativePath.slice(slash + 1);
    const dir = slash < 0 ? '' : relativePath.slice(0, slash);
    await this.openQuickInput('Control+P', (value) => value === '');
    await this.page.keyboard.type(relativePath);
    await this.pickQuickInputRow(`the Quick Open result for ${relativePath}`, { label: name, description: dir });
    await waitFor(
      `${relativePath} to be the active editor`,
      () => this.activeEditorUri(),
      (uri) => uri !== undefined && decodeURIComponent(uri).endsWith(`/${relativePath}`),
    );
  }

  /**
   * Runs a command from the Command Palette (F1) by the title it shows there, e.g.
   * "View: Focus Problems (Errors, Warnings, Infos)" or "Jetson Nix: Restart Language Server".
   */
  async runCommand(title: string, options: { opensQuickPick?: boolean } = {}): Promise<void> {
    await this.openQuickInput('F1', (value) => value.startsWith('>'));
    await this.page.keyboard.type(title);
    await this.pickQuickInputRow(`the command "${title}" in the Command Palette`, { label: title });
    // A command that asks with a quick pick of its own replaces the palette rather than closing it.
    const done = options.opensQuickPick
      ? async () => !(await this.quickInputVisible()) || !(await this.page.locator(`${QUICK_INPUT} .quick-input-box input`).inputValue()).startsWith('>')
      : async () => !(await this.quickInputVisible());
    await waitUntil(`the Command Palette to close after running "${title}"`, done);
  }

  /** The title of the open quick pick (e.g. "Flash an AGX Orin (0955:7023) with…"), or undefined when none is open. */
  async quickPickTitle(): Promise<string | undefined> {
    if (!(await this.quickInputVisible())) return undefined;
    return ((await this.page.locator(`${QUICK_INPUT} .quick-input-title`).textContent()) ?? '').trim();
  }

  /** The rows the open quick pick shows (it renders only those in view). */
  async quickPickItems(): Promise<QuickPickItem[]> {
    return this.quickInputRows().evaluateAll((els: PageElement[]) =>
      els.map((e) => ({
        label: (e.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (e.querySelector('.label-description')?.textContent ?? '').trim(),
        detail: (e.querySelector('.quick-input-list-label-meta')?.textContent ?? '').trim(),
        separator: (e.querySelector('.quick-input-list-separator')?.textContent ?? '').trim(),
      })),
    );
  }

  /** Waits until the open quick pick's rows satisfy `accept`, and returns them. */
  async waitForQuickPick(what: string, accept: (items: QuickPickItem[]) => boolean, options?: WaitOptions): Promise<QuickPickItem[]> {
    return waitFor(`the quick pick to show ${what}`, async () => ((await this.quickInputVisible()) ? this.quickPickItems() : []), accept, options);
  }

  /** Clicks the row labelled `label` (with `description`, or none when not given) in the open quick pick, as a user picks it. */
  async pickQuickPickItem(label: string, description?: string): Promise<void> {
    await this.pickQuickInputRow(`the quick pick row "${label}"`, description === undefined ? { label } : { label, description });
    await waitUntil(`the quick pick to close after picking "${label}"`, async () => !(await this.quickInputVisible()));
  }

  /** Waits for the status bar item with this id (e.g. `publisher.extension.itemId`) to satisfy `accept`. */
  async waitForStatusBarItem(id: string, what: string, accept: (item: StatusBarItem | undefined) => boolean, options?: WaitOptions): Promise<StatusBarItem | undefined> {
    return waitFor(`the status bar item ${id} ${what}`, async () => (await this.statusBarItems()).find((i) => i.id === id), accept, options);
  }

  /** Clicks the status bar item with this id, which runs its command. */
  async clickStatusBarItem(id: string): Promise<void> {
    await this.page.locator(`${STATUS_ITEM}[id=${JSON.stringify(id)}]`).click();
  }

  /** The URI of the document in the active editor, or undefined when no text editor is active. */
  async activeEditorUri(): Promise<string | undefined> {
    const editor = this.page.locator(ACTIVE_EDITOR);
    return (await editor.count()) > 0 ? ((await editor.first().getAttribute('data-uri')) ?? undefined) : undefined;
  }

  /** Every item in the status bar, left to right. */
  async statusBarItems(): Promise<StatusBarItem[]> {
    return this.page.locator(STATUS_ITEM).evaluateAll((els: PageElement[]) =>
      els.map((e) => ({ id: e.id, text: (e.textContent ?? '').trim(), ariaLabel: e.getAttribute('aria-label') ?? '' })),
    );
  }

  /** The language mode the status bar shows for the active editor, e.g. "Nix" or "Plain Text". */
  async languageMode(): Promise<string | undefined> {
    const items = await this.statusBarItems();
    return items.find((i) => i.id === 'status.editor.mode')?.text;
  }

  /** Waits until the status bar shows `mode` as the language of the active editor. */
  async waitForLanguageMode(mode: string, options?: WaitOptions): Promise<void> {
    await waitFor(`the language mode "${mode}" in the status bar`, () => this.languageMode(), (m) => m === mode, options);
  }

  /**
   * Reads the language status items of the active editor: hovers the `{}` indicator in the
   * status bar and reads the hover. Empty when the indicator is not shown (no item matches
   * the active editor's language).
   */
  async languageStatusItems(): Promise<LanguageStatusItem[]> {
    const indicator = this.page.locator(LANGUAGE_STATUS);
    if (!(await indicator.isVisible())) return [];
    const hoverItems = this.page.locator(LANGUAGE_STATUS_HOVER_ITEM);
    // VS Code renders the items into one element that the hover shows, and re-renders them on
    // every change: a hover that is already open (VS Code opens it by itself, e.g. when an item
    // turns to an error) shows the current state, so it is read as it is.
    if ((await hoverItems.count()) === 0) {
      await this.moveMouseAway();
      await indicator.hover();
      await waitUntil('the language status hover', async () => (await hoverItems.count()) > 0, { timeoutMs: 5_000 });
    }
    return hoverItems.evaluateAll(readLanguageStatusItems);
  }

  /**
   * Polls the language status hover until an item satisfies `accept`, and returns that item.
   * @param what what we wait for, e.g. `"Jetson Nix: ready"`
   */
  async waitForLanguageStatus(what: string, accept: (item: LanguageStatusItem) => boolean, options?: WaitOptions): Promise<LanguageStatusItem> {
    const items = await waitFor(`the language status item ${what}`, () => this.languageStatusItems(), (list) => list.some(accept), {
      intervalMs: 500,
      ...options,
    });
    return items.find(accept)!;
  }

  /** Closes whatever widget or quick input is open, as pressing Escape does. */
  async pressEscape(): Promise<void> {
    await this.page.keyboard.press('Escape');
  }

  /** Parks the mouse on the title bar, where hovering shows nothing. */
  async moveMouseAway(): Promise<void> {
    await this.page.mouse.move(2, 2);
  }

  private quickInputRows(): Locator {
    return this.page.locator(QUICK_INPUT_ROW);
  }

  private async quickInputVisible(): Promise<boolean> {
    return this.page.locator(QUICK_INPUT).isVisible();
  }

  /** Presses the key that opens a quick input and waits until its box is focused and in the expected mode. */
  private async openQuickInput(key: string, acceptValue: (value: string) => boolean): Promise<void> {
    if (await this.quickInputVisible()) await this.pressEscape();
    await this.page.keyboard.press(key);
    const input = this.page.locator(`${QUICK_INPUT} .quick-input-box input`);
    const focused = () => input.evaluate((e: PageElement) => e === (globalThis as unknown as PageGlobals).document.activeElement);
    await waitFor(
      `the quick input opened by ${key}`,
      async () => ((await input.isVisible()) && (await focused()) ? input.inputValue() : undefined),
      (value) => value !== undefined && acceptValue(value),
    );
  }

  /**
   * Waits for the quick input row with this label (and description, when given) and clicks it.
   * The row is found again by its text at click time: results re-sort while they stream in,
   * so an index found a moment earlier may point at another row.
   */
  private async pickQuickInputRow(what: string, wanted: { label: string; description?: string }): Promise<void> {
    const exactly = (text: string) => new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
    let row = this.quickInputRows().filter({ has: this.page.locator('.label-name', { hasText: exactly(wanted.label) }) });
    if (wanted.description === '') {
      // A file at the workspace root: its row has no folder description.
      row = row.filter({ hasNot: this.page.locator('.label-description', { hasText: /\S/ }) });
    } else if (wanted.description !== undefined) {
      row = row.filter({ has: this.page.locator('.label-description', { hasText: exactly(wanted.description) }) });
    }
    await waitFor(
      what,
      async () => ({ matching: await row.count(), shown: await this.quickInputRowTexts() }),
      (state) => state.matching > 0,
    );
    await row.first().click();
  }

  /** The rows the quick input shows, for failure messages. */
  private async quickInputRowTexts(): Promise<string[]> {
    return this.quickInputRows().evaluateAll((els: PageElement[]) =>
      els.map((e) => `${(e.querySelector('.label-name')?.textContent ?? '').trim()} | ${(e.querySelector('.label-description')?.textContent ?? '').trim()}`),
    );
  }
}

/** Runs in the page: turns `.hover-language-status` elements into {@link LanguageStatusItem}s. */
function readLanguageStatusItems(els: PageElement[]): LanguageStatusItem[] {
  return els.map((el) => {
    const left = el.querySelector('.element .left');
    let text = '';
    let detail = '';
    let afterSeparator = false;
    for (const node of Array.from(left?.childNodes ?? [])) {
      // nodeType 1: an element (the separator is a <span>; text before and after are text nodes).
      if (node.nodeType === 1 && (node as PageElement).classList.contains('separator')) afterSeparator = true;
      else if (afterSeparator) detail += node.textContent ?? '';
      else text += node.textContent ?? '';
    }
    const links = Array.from(el.querySelectorAll('.element .right a.monaco-link')).map((a) => (a.textContent ?? '').trim());
    const severity = Array.from(el.querySelector('.severity')?.classList ?? []).find((c) => c.startsWith('sev')) ?? '';
    return { text: text.trim(), detail: detail.trim(), links, severity };
  });
}
