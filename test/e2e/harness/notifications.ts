/**
 * Notifications (the toasts at the bottom right) and modal dialogs, read as a user sees them and
 * answered by clicking their buttons. Selectors are VS Code's own DOM classes (VS Code 1.139).
 */
import type { Page } from 'playwright-core';
import type { PageElement } from './page-dom';
import { waitFor, type WaitOptions } from './wait';

const TOAST = '.notifications-toasts .notification-toast .notification-list-item';
const DIALOG = '.monaco-dialog-box';

/** One notification toast. */
export interface Notification {
  severity: 'info' | 'warning' | 'error' | 'unknown';
  message: string;
  /** Who sent it, e.g. "Jetson Nix" (the extension's display name). */
  source: string;
  /** The titles of its buttons, e.g. ["Reveal Result", "Copy Path"]. */
  buttons: string[];
}

/** A modal dialog. */
export interface Dialog {
  /**
   * The main message (the bold line). Empty when the extension gave no detail: VS Code then shows
   * the message in the detail's place, under the product name (which code-server leaves empty).
   */
  message: string;
  /** The text below it. */
  detail: string;
  buttons: string[];
}

/** The notification toasts. */
export class Notifications {
  constructor(readonly page: Page) {}

  /** The toasts shown now, top to bottom. */
  async read(): Promise<Notification[]> {
    return this.page.locator(TOAST).evaluateAll(readToasts);
  }

  /** Polls the toasts until one satisfies `accept`, and returns it. */
  async waitFor(what: string, accept: (n: Notification) => boolean, options?: WaitOptions): Promise<Notification> {
    const shown = await waitFor(`a notification ${what}`, () => this.read(), (list) => list.some(accept), options);
    return shown.find(accept)!;
  }

  /** Clicks the button titled `button` on the toast whose message contains `messageFragment`. */
  async clickButton(messageFragment: string, button: string): Promise<void> {
    const toast = this.page.locator(TOAST).filter({ has: this.page.locator('.notification-list-item-message', { hasText: messageFragment }) });
    await toast.first().locator('.notification-list-item-buttons-container .monaco-button', { hasText: button }).first().click();
  }
}

/** Modal dialogs (`showWarningMessage(…, { modal: true })` and the like). */
export class Dialogs {
  constructor(readonly page: Page) {}

  /** The dialog shown now, or undefined. */
  async read(): Promise<Dialog | undefined> {
    const box = this.page.locator(DIALOG);
    if ((await box.count()) === 0 || !(await box.first().isVisible())) return undefined;
    return box.first().evaluate(readDialog);
  }

  /** Waits until a dialog satisfying `accept` is shown, and returns it. */
  async waitFor(what: string, accept: (d: Dialog) => boolean, options?: WaitOptions): Promise<Dialog> {
    const shown = await waitFor(`a dialog ${what}`, () => this.read(), (d) => d !== undefined && accept(d), options);
    return shown!;
  }

  /**
   * Clicks the dialog's button titled `button` and waits until that dialog has closed (another
   * one may have opened in its place: a second warning).
   */
  async clickButton(button: string): Promise<void> {
    const before = JSON.stringify(await this.read());
    const exactly = new RegExp(`^\\s*${button.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
    await this.page.locator(`${DIALOG} .dialog-buttons .monaco-button`, { hasText: exactly }).first().click();
    await waitFor(`the dialog to close after "${button}"`, () => this.read(), (d) => d === undefined || JSON.stringify(d) !== before);
  }
}

/** Runs in the page: turns toast rows into {@link Notification}s. */
function readToasts(items: PageElement[]): Notification[] {
  return items.map((item) => {
    const icon = item.querySelector('.notification-list-item-icon');
    const severity = (['info', 'warning', 'error'] as const).find((s) => icon?.classList.contains(`codicon-${s}`)) ?? 'unknown';
    return {
      severity,
      message: (item.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
      source: (item.querySelector('.notification-list-item-source')?.textContent ?? '').trim().replace(/^Source:\s*/, ''),
      buttons: Array.from(item.querySelectorAll('.notification-list-item-buttons-container .monaco-button')).map((b) => (b.textContent ?? '').trim()),
    };
  });
}

/** Runs in the page: reads a dialog box. */
function readDialog(box: PageElement): Dialog {
  return {
    message: (box.querySelector('.dialog-message-text')?.textContent ?? '').trim(),
    detail: (box.querySelector('.dialog-message-detail')?.textContent ?? '').trim(),
    buttons: Array.from(box.querySelectorAll('.dialog-buttons .monaco-button')).map((b) => (b.textContent ?? '').trim()),
  };
}
