/**
 * The integrated terminal as a user sees it: the names of its terminals (the tab list, or the
 * single tab in the panel's title when there is one terminal), the text of the active one, and
 * typing into it. The text is read from xterm.js's DOM renderer, which the harness selects with
 * `terminal.integrated.gpuAcceleration: "off"` (DEFAULT_SETTINGS): the WebGL and canvas renderers
 * draw pixels that cannot be read back.
 */
import type { Page } from 'playwright-core';
import type { PageElement } from './page-dom';
import { waitFor, waitUntil, type WaitOptions } from './wait';

const PANEL = '.part.panel';
const ACTIVE_TERMINAL = `${PANEL} .terminal-wrapper.active .xterm`;

/** The terminals of the panel. */
export class Terminals {
  constructor(readonly page: Page) {}

  /** The names of the open terminals, in tab order (e.g. ["ROS 2: ros2", "bash"]). */
  async names(): Promise<string[]> {
    return this.page.locator(PANEL).evaluateAll((panels: PageElement[]) => {
      const panel = panels[0];
      if (!panel) return [];
      const tabs = Array.from(panel.querySelectorAll('.terminal-tabs-entry .label-name')).map((e) => (e.textContent ?? '').trim());
      if (tabs.length > 0) return tabs;
      const single = panel.querySelector('.single-terminal-tab');
      return single ? [(single.textContent ?? '').trim()] : [];
    });
  }

  /** Waits until a terminal named `name` is open. */
  async waitForTerminal(name: string, options?: WaitOptions): Promise<void> {
    await waitFor(`a terminal named "${name}"`, () => this.names(), (names) => names.includes(name), options);
  }

  /** The lines the active terminal shows (its viewport), trailing blank lines left out. */
  async text(): Promise<string> {
    const rows = await this.page.locator(`${ACTIVE_TERMINAL} .xterm-rows > div`).evaluateAll((els: PageElement[]) =>
      els.map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()),
    );
    return rows.join('\n').trimEnd();
  }

  /** Polls the active terminal until its text satisfies `accept`, and returns that text. */
  async waitForText(what: string, accept: (text: string) => boolean, options?: WaitOptions): Promise<string> {
    return waitFor(`the terminal to show ${what}`, () => this.text(), accept, options);
  }

  /** Types into the active terminal, key by key ("\n" presses Enter). */
  async type(text: string): Promise<void> {
    await this.focus();
    await this.page.keyboard.type(text);
  }

  /** Gives the active terminal keyboard focus. */
  async focus(): Promise<void> {
    const focused = async () => (await this.page.locator(`${ACTIVE_TERMINAL}.focus`).count()) > 0;
    if (await focused()) return;
    await this.page.locator(`${ACTIVE_TERMINAL} .xterm-helper-textarea`).focus();
    await waitUntil('the active terminal to have keyboard focus', focused);
  }
}
