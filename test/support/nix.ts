import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** An environment in which Nix 2.8 works offline and leaves the user's caches alone. */
export function offlineNixEnv(): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-test-home-'));
  const registry = path.join(home, 'registry.json');
  fs.writeFileSync(registry, JSON.stringify({ flakes: [], version: 2 }));
  return {
    ...process.env,
    XDG_CACHE_HOME: path.join(home, 'cache'),
    NIX_CONFIG: ['experimental-features = nix-command flakes', 'substituters =', `flake-registry = ${registry}`].join('\n'),
  };
}

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface NixVerdict {
  ok: boolean;
  /** The first line of Nix's error, when it rejected the file. */
  error: string;
}

/** Runs `nix-instantiate --parse FILE` and reports whether Nix accepts the file. */
export function nixParse(nixInstantiate: string, file: string, env: NodeJS.ProcessEnv): Promise<NixVerdict> {
  return new Promise((resolve) => {
    execFile(nixInstantiate, ['--parse', file], { env, maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) => {
      const line = stderr.split('\n').find((l) => l.startsWith('error:')) ?? stderr.trim().split('\n')[0] ?? '';
      resolve({ ok: !err, error: line });
    });
  });
}

/** Maps `items` through `fn` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}
