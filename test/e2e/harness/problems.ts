/**
 * The Problems panel, read as a user sees it: one row per file, then one row per problem
 * with its severity icon, message, source, code and position.
 */
import type { Page } from 'playwright-core';
import type { PageElement } from './page-dom';
import type { Workbench } from './workbench';
import { waitFor, waitUntil, type WaitOptions } from './wait';

const PANEL = '.markers-panel';
const ROW = `${PANEL} .monaco-list-row`;

/** The title of the command that opens and focuses the Problems panel. */
export const FOCUS_PROBLEMS_COMMAND = 'View: Focus Problems (Errors, Warnings, Infos)';

/** One problem row of the Problems panel. */
export interface Problem {
  /** The file row above it, e.g. "robot.nix". */
  file: string;
  severity: 'error' | 'warning' | 'info' | 'unknown';
  message: string;
  /** Who reported it, e.g. "jetson-nix". */
  source: string;
  code: string;
  line: number;
  column: number;
}

/** Opening and reading the Problems panel. */
export class Problems {
  constructor(
    readonly page: Page,
    private readonly workbench: Workbench,
  ) {}

  /** Opens the Problems panel from the Command Palette, as a user does. */
  async open(): Promise<void> {
    await this.workbench.runCommand(FOCUS_PROBLEMS_COMMAND);
    await waitUntil('the Problems panel', () => this.page.locator(PANEL).isVisible());
  }

  /** The problems the panel shows now (opened first if needed). */
  async read(): Promise<Problem[]> {
    if (!(await this.page.locator(PANEL).isVisible())) await this.open();
    return this.page.locator(ROW).evaluateAll(readRows);
  }

  /**
   * Polls the panel until `accept` holds for its problems, and returns them.
   * @param what what we wait for, e.g. "a missing `;` error"
   */
  async waitFor(what: string, accept: (problems: Problem[]) => boolean, options?: WaitOptions): Promise<Problem[]> {
    return waitFor(`the Problems panel to show ${what}`, () => this.read(), accept, options);
  }
}

/** Runs in the page: the panel's rows, file rows remembered for the problem rows below them. */
function readRows(rows: PageElement[]): Problem[] {
  const text = (root: PageElement, selector: string) => (root.querySelector(selector)?.textContent ?? '').trim();
  const out: Problem[] = [];
  let file = '';
  for (const row of rows) {
    if (!row.querySelector('.marker-message-details-container')) {
      file = text(row, '.label-name');
      continue;
    }
    const icon = row.querySelector('.marker-icon');
    const severity = (['error', 'warning', 'info'] as const).find((s) => icon?.classList.contains(s)) ?? 'unknown';
    const position = /Ln (\d+), Col (\d+)/.exec(text(row, '.marker-line')) ?? ['', '0', '0'];
    out.push({
      file,
      severity,
      message: text(row, '.marker-message'),
      source: text(row, '.marker-source'),
      code: text(row, '.marker-code'),
      line: Number(position[1]),
      column: Number(position[2]),
    });
  }
  return out;
}
