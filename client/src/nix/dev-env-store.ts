/**
 * Where an applied dev shell environment is kept between window reloads: in VS Code's secret
 * storage, never in plaintext. A shell's variables can hold credentials (a shellHook exporting a
 * token, a cloud profile), and VS Code's own persistence of an environment variable collection
 * writes them in plaintext to the workspace storage. Secret storage is encrypted with the OS
 * keyring (Keychain, DPAPI, libsecret or KWallet), so the environment still survives a reload.
 * When secret storage fails, the variables are kept in memory only, until the window closes.
 *
 * Secret storage belongs to the extension, not to a workspace: each workspace gets its own key,
 * named by a random id kept in its (plaintext) workspace state, which holds nothing else secret.
 * No `vscode` import: the two stores are passed in, so this is tested with plain Node.
 */
import { randomUUID } from 'node:crypto';
import type { EnvironmentChange } from './dev-env';

/** The part of `vscode.SecretStorage` used here. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** The part of `vscode.Memento` (the workspace state) used here. */
export interface StateStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

const ID_KEY = 'jetsonNix.devShellSecretId';
const SECRET_PREFIX = 'jetsonNix.devShellEnvironment.';
/** Far above any real shell (a ROS 2 desktop shell changes about 60 KB), far below trouble. */
const MAX_SECRET_BYTES = 4 * 1024 * 1024;

const KINDS = new Set(['replace', 'prepend', 'append']);

function isChange(value: unknown): value is EnvironmentChange {
  if (typeof value !== 'object' || value === null) return false;
  const { name, kind, value: text } = value as Record<string, unknown>;
  return typeof name === 'string' && name !== '' && typeof kind === 'string' && KINDS.has(kind) && typeof text === 'string';
}

/** The variables of one workspace's applied shell, kept encrypted. */
export class ShellEnvironmentStore {
  constructor(
    private readonly secrets: SecretStore,
    private readonly state: StateStore,
  ) {}

  private async key(): Promise<string> {
    let id = this.state.get<string>(ID_KEY);
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) {
      id = randomUUID();
      await this.state.update(ID_KEY, id);
    }
    return SECRET_PREFIX + id;
  }

  /** Keeps the changes encrypted; resolves why not when secret storage failed (they then live in memory only). */
  async save(changes: readonly EnvironmentChange[]): Promise<string | undefined> {
    const text = JSON.stringify(changes);
    if (Buffer.byteLength(text) > MAX_SECRET_BYTES) return 'they are too large for secret storage';
    try {
      await this.secrets.store(await this.key(), text);
      return undefined;
    } catch (err) {
      return `secret storage failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** The saved changes, or undefined when there are none (or they cannot be read, or are damaged). */
  async load(): Promise<EnvironmentChange[] | undefined> {
    let text: string | undefined;
    try {
      text = await this.secrets.get(await this.key());
    } catch {
      return undefined;
    }
    if (text === undefined) return undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) && parsed.every(isChange) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async forget(): Promise<void> {
    try {
      await this.secrets.delete(await this.key());
    } catch {
      // Nothing was stored, or secret storage is unavailable: nothing to remove either way.
    }
  }
}
