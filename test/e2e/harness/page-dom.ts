/**
 * Types for the functions the harness runs inside the page (through playwright's evaluate).
 *
 * The project's tsconfig has no "dom" lib, rightly: the client and server run in Node, and DOM
 * globals there would hide mistakes. So in-page code is typed against this small structural
 * subset of the DOM, and reaches page globals by casting `globalThis` to {@link PageGlobals}. Only types live here: in-page functions cannot call imported code.
 */

/** A DOM node, as far as the harness reads it. */
export interface PageNode {
  readonly nodeType: number;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<PageNode>;
}

/** A DOM element, as far as the harness reads it. */
export interface PageElement extends PageNode {
  readonly id: string;
  readonly classList: ArrayLike<string> & { contains(token: string): boolean };
  readonly style: { readonly top: string };
  /** The rendered text (only on HTML elements). */
  readonly innerText?: string;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}

/** The page globals the harness uses; in a page function: `globalThis as unknown as PageGlobals`. */
export interface PageGlobals {
  document: {
    readonly activeElement: PageElement | null;
    createTreeWalker(root: PageElement, whatToShow: number): { nextNode(): PageNode | null };
    createRange(): {
      setStart(node: PageNode, offset: number): void;
      setEnd(node: PageNode, offset: number): void;
      getBoundingClientRect(): { x: number; y: number; width: number; height: number };
    };
  };
  getComputedStyle(element: PageElement): { readonly color: string };
  NodeFilter: { readonly SHOW_TEXT: number };
}
