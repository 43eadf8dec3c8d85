/**
 * The side bar as a user drives it: an activity-bar icon opens a view container, its sections
 * (view panes) expand, and the rows of a tree view show a label, a description, a tooltip and,
 * on hover, inline actions. Selectors are VS Code's own DOM classes (checked against code-server
 * 4.139 = VS Code 1.139), named once here.
 */
import type { Locator, Page } from 'playwright-core';
import type { PageElement } from './page-dom';
import { waitFor, waitUntil, type WaitOptions } from './wait';

const ACTIVITY_ITEM = '.part.activitybar .action-item';
const SIDEBAR = '.part.sidebar';
const PANE = `${SIDEBAR} .pane`;
const TREE_ROW = '.pane-body .monaco-list-row';

/** One row of a tree view, as shown. */
export interface TreeItem {
  label: string;
  /** The lighter text after the label, e.g. "orin-agx · JetPack 6". */
  description: string;
  /** The tooltip (VS Code puts it on the row's label as aria-label). */
  tooltip: string;
  /** 1 for the top level. */
  level: number;
  /** true/false for an item with children, undefined for a leaf. */
  expanded: boolean | undefined;
  /** The titles of the inline actions, e.g. ["Build…", "Flash Jetson…"]. */
  actions: string[];
}

/** The activity bar and the view containers it opens. */
export class SideBar {
  constructor(readonly page: Page) {}

  /**
   * Clicks the activity-bar icon titled `title` (e.g. "Jetson"), waiting for it to appear first:
   * an extension's container shows once the extension has registered its views, and waits until
   * the side bar shows that container.
   */
  async openContainer(title: string, options?: WaitOptions): Promise<void> {
    const item = this.page.locator(ACTIVITY_ITEM).filter({ has: this.page.locator(activityIconSelector(title)) });
    await waitFor(
      `the activity-bar icon "${title}"`,
      async () => ({ found: await item.count(), shown: await this.activityTitles() }),
      (state) => state.found > 0,
      options,
    );
    if ((await item.first().getAttribute('aria-selected')) !== 'true') await item.first().locator('a.action-label').click();
    await waitFor(
      `the side bar to show "${title}"`,
      () => this.page.locator(`${SIDEBAR} .composite.title h2`).first().textContent(),
      (text) => (text ?? '').trim().toLowerCase() === title.toLowerCase(),
    );
  }

  /** One section (view pane) of the open container, by the name its header shows. */
  section(name: string): TreeSection {
    return new TreeSection(this.page, name);
  }

  /**
   * The Explorer's visible rows: each file's name and whether it is selected (as after
   * "Reveal in Explorer Side Bar").
   */
  async explorerRows(): Promise<{ name: string; selected: boolean }[]> {
    return this.page.locator('.explorer-folders-view .monaco-list-row').evaluateAll((els: PageElement[]) =>
      els.map((e) => ({ name: e.getAttribute('aria-label') ?? '', selected: e.getAttribute('aria-selected') === 'true' })),
    );
  }

  private async activityTitles(): Promise<string[]> {
    return this.page.locator(`${ACTIVITY_ITEM} a.action-label`).evaluateAll((els: PageElement[]) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  }
}

/**
 * The activity-bar icon titled `title`. Its label is the title, followed by the key binding when
 * it has one: "Explorer (Ctrl+Shift+E)".
 */
function activityIconSelector(title: string): string {
  return `a.action-label[aria-label=${JSON.stringify(title)}], a.action-label[aria-label^=${JSON.stringify(`${title} (`)}]`;
}

/** A section of the side bar holding a tree view: "Configurations", "Dev Shells"… */
export class TreeSection {
  constructor(
    readonly page: Page,
    readonly name: string,
  ) {}

  private pane(): Locator {
    return this.page.locator(PANE, { has: this.page.locator(`.pane-header[aria-label="${this.name} Section"]`) });
  }

  private header(): Locator {
    return this.pane().locator('.pane-header');
  }

  /** Opens the section if it is collapsed (a click on its header, as a user does). */
  async expand(): Promise<void> {
    await waitUntil(`the section "${this.name}" in the side bar`, async () => (await this.header().count()) > 0);
    if ((await this.header().getAttribute('aria-expanded')) !== 'true') await this.header().click();
    await waitUntil(`the section "${this.name}" to be expanded`, async () => (await this.header().getAttribute('aria-expanded')) === 'true');
  }

  /** The rows the section shows now, top to bottom. */
  async items(): Promise<TreeItem[]> {
    return this.pane().locator(TREE_ROW).evaluateAll(readTreeRows);
  }

  /** Polls the section until its rows satisfy `accept`, and returns them. */
  async waitForItems(what: string, accept: (items: TreeItem[]) => boolean, options?: WaitOptions): Promise<TreeItem[]> {
    return waitFor(`the section "${this.name}" to show ${what}`, () => this.items(), accept, options);
  }

  /** The welcome text the section shows when its tree is empty ("" when it shows a tree). */
  async welcomeText(): Promise<string> {
    const welcome = this.pane().locator('.welcome-view-content');
    return (await welcome.count()) > 0 ? (await welcome.first().innerText()).trim() : '';
  }

  /**
   * Hovers the row labelled `label`, which reveals its inline actions, and clicks the one titled
   * `action` (e.g. "Build…").
   */
  async clickInlineAction(label: string, action: string): Promise<void> {
    const row = this.row(label).first();
    await waitUntil(`the row "${label}" in "${this.name}"`, async () => (await row.count()) > 0);
    const button = row.locator(`.actions .action-label[aria-label="${action}"]`);
    // Hovered again on each try: a refresh of the tree re-renders the row under the mouse.
    const revealed = async () => {
      await row.hover();
      return button.isVisible();
    };
    await waitUntil(`the inline action "${action}" on "${label}"`, revealed, { timeoutMs: 10_000 });
    await button.click();
  }

  private row(label: string): Locator {
    const exactly = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
    return this.pane().locator(TREE_ROW).filter({ has: this.page.locator('.label-name', { hasText: exactly }) });
  }
}

/** Runs in the page: turns tree rows into {@link TreeItem}s. */
function readTreeRows(rows: PageElement[]): TreeItem[] {
  return rows.map((row) => {
    const expanded = row.getAttribute('aria-expanded');
    return {
      label: (row.querySelector('.label-name')?.textContent ?? '').trim(),
      description: (row.querySelector('.label-description')?.textContent ?? '').trim(),
      tooltip: row.querySelector('.monaco-icon-label')?.getAttribute('aria-label') ?? '',
      level: Number(row.getAttribute('aria-level') ?? '0'),
      expanded: expanded === null ? undefined : expanded === 'true',
      actions: Array.from(row.querySelectorAll('.actions .action-label')).map((a) => a.getAttribute('aria-label') ?? ''),
    };
  });
}
