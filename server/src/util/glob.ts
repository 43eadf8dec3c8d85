/**
 * The globs of `.jetson-nix.json`'s `exclude`, with the meaning people know from `.gitignore`:
 *
 * - `*` matches within one path segment, `?` one character, `[abc]`/`[!abc]`/`[a-z]` a class,
 *   `{a,b}` either word, `**` any number of whole segments;
 * - a pattern with no `/` except a trailing one matches at any depth (`result*`,
 *   `hardware-configuration.nix`); one with a `/` is relative to the config file's folder
 *   (`vendor/**`, `/hosts/old`); a leading `/` only anchors;
 * - a trailing `/` matches folders only; a pattern that matches a folder excludes all below it.
 *
 * Node's own `path.matchesGlob` is experimental in the Node versions we support, and a glob
 * library would add a runtime dependency for these thirty lines.
 */

export interface Glob {
  /** The pattern as written. */
  source: string;
  /** Tests a path relative to the config's folder, `/`-separated. */
  matches(relative: string): boolean;
}

/** Compiles a pattern; a string saying what is wrong with it when it is not a glob. */
export function compileGlob(pattern: string): Glob | string {
  if (pattern.trim() === '') return 'an empty pattern matches nothing';
  if (pattern.includes('\\')) return 'use `/` to separate folders (a backslash is not a glob character here)';
  const foldersOnly = pattern.endsWith('/');
  let body = foldersOnly ? pattern.slice(0, -1) : pattern;
  const anchored = body.includes('/');
  if (body.startsWith('/')) body = body.slice(1);
  const source = toRegExp(body);
  if (typeof source !== 'string') return source.error;
  const re = new RegExp(`^${anchored ? '' : '(?:.*/)?'}${source}$`);
  return {
    source: pattern,
    matches(relative) {
      const parts = relative.split('/');
      // Every folder above the file, then (unless folders only) the file itself.
      for (let i = 1; i <= parts.length; i++) {
        if (i === parts.length && foldersOnly) break;
        if (re.test(parts.slice(0, i).join('/'))) return true;
      }
      return false;
    },
  };
}

function toRegExp(glob: string): string | { error: string } {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const whole = (i === 0 || glob[i - 1] === '/') && (i + 2 === glob.length || glob[i + 2] === '/');
      if (!whole) return { error: '`**` must be a whole path segment (`a/**/b`), not part of one' };
      if (glob[i + 2] === '/') {
        out += '(?:[^/]*/)*';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) return { error: '`[` has no closing `]`' };
      const inner = glob.slice(i + 1, close);
      out += `[${inner.startsWith('!') ? '^' : ''}${inner.replace(/^!/, '').replace(/[\\^\]]/g, '\\$&')}]`;
      i = close;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  if (braces > 0) return { error: '`{` has no closing `}`' };
  return out;
}
