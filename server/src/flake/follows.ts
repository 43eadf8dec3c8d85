import type { FlakeLock } from './lock';

/**
 * Resolution of `follows` in a flake.lock, as Nix does it: an input is a node key, or a path of
 * input names from the root, each step of which may itself be a `follows`.
 *
 * Resolving every step afresh is exponential: a crafted 10 KB lock whose inputs follow one
 * another in a chain took minutes per diagnostics pass. Here each edge (a node's input) is
 * resolved once and remembered per lock, so all the resolutions of one lock together cost time
 * linear in its size. The walk keeps its own stack (a chain of thousands of `follows` cannot
 * overflow the call stack), and a cycle is detected, not followed: Nix rejects such a lock
 * ("follow cycle detected", or a stack overflow in older versions).
 */

/** What one edge resolves to: a node key, nothing (a step that does not exist), or a cycle. */
type Resolution = { key: string } | { missing: true } | { cycle: string[] };

const IN_PROGRESS = Symbol('in progress');
type Memo = Map<string, Resolution | typeof IN_PROGRESS>;

/** A lock is never changed once parsed, so its resolutions are kept for as long as it lives. */
const memos = new WeakMap<FlakeLock, Memo>();

/** One `follows` being resolved: which edge, its path, how far along it, and where that got to. */
interface Frame {
  edge: string;
  path: readonly string[];
  step: number;
  at: string;
}

const MISSING: Resolution = { missing: true };

function edgeId(node: string, input: string): string {
  return `${node}\0${input}`;
}

/** The input path a frame is resolving, for the message about a cycle. */
function describe(frame: Frame): string {
  return frame.path.length ? frame.path.join('/') : '(the flake itself)';
}

/**
 * Resolves a path of input names from the root: the key of the node it ends at, `missing` when a
 * step does not exist, or the `follows` paths that form a cycle on the way.
 */
export function resolvePath(lock: FlakeLock, inputPath: readonly string[]): Resolution {
  let memo = memos.get(lock);
  if (!memo) memos.set(lock, (memo = new Map()));
  const stack: Frame[] = [{ edge: '', path: inputPath, step: 0, at: lock.root }];
  // Each turn either finishes the top frame, takes one known step, or starts resolving a follows.
  for (;;) {
    const top = stack[stack.length - 1]!;
    if (top.step === top.path.length) {
      stack.pop();
      if (stack.length === 0) return { key: top.at };
      memo.set(top.edge, { key: top.at });
      const parent = stack[stack.length - 1]!;
      parent.at = top.at;
      parent.step++;
      continue;
    }
    const name = top.path[top.step]!;
    const target = lock.nodes.get(top.at)?.inputs.get(name);
    if (typeof target === 'string') {
      top.at = target;
      top.step++;
      continue;
    }
    const edge = edgeId(top.at, name);
    const known = target === undefined ? MISSING : memo.get(edge);
    if (known === IN_PROGRESS) {
      const from = stack.findIndex((f) => f.edge === edge);
      return fail(stack, memo, { cycle: [...stack.slice(from).map(describe), describe(stack[from]!)] });
    }
    if (known === undefined) {
      memo.set(edge, IN_PROGRESS);
      stack.push({ edge, path: target as readonly string[], step: 0, at: lock.root });
      continue;
    }
    if (!('key' in known)) return fail(stack, memo, known);
    top.at = known.key;
    top.step++;
  }
}

/** Every follows being resolved depends on the one that failed: none of them resolves. */
function fail(stack: Frame[], memo: Memo, why: Resolution): Resolution {
  for (const frame of stack) if (frame.edge) memo.set(frame.edge, why);
  return why;
}

/**
 * The first `follows` cycle among the nodes Nix loads (those reachable from the root), as the
 * paths that form it, or undefined when there is none. Linear in the size of the lock.
 */
export function findFollowsCycle(lock: FlakeLock): string[] | undefined {
  const seen = new Set<string>([lock.root]);
  const todo = [lock.root];
  for (let key = todo.pop(); key !== undefined; key = todo.pop()) {
    for (const [name, target] of lock.nodes.get(key)?.inputs ?? []) {
      if (typeof target === 'string') {
        if (!seen.has(target)) {
          seen.add(target);
          todo.push(target);
        }
        continue;
      }
      const resolved = resolveEdge(lock, key, name);
      if ('cycle' in resolved) return resolved.cycle;
    }
  }
  return undefined;
}

/** What one node's input resolves to. */
function resolveEdge(lock: FlakeLock, node: string, input: string): Resolution {
  const target = lock.nodes.get(node)?.inputs.get(input);
  if (target === undefined) return MISSING;
  if (typeof target === 'string') return { key: target };
  const known = memos.get(lock)?.get(edgeId(node, input));
  if (known !== undefined && known !== IN_PROGRESS) return known;
  return resolvePath(lock, target);
}
