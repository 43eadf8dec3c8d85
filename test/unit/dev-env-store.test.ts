import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShellEnvironmentStore, type SecretStore, type StateStore } from '../../client/src/nix/dev-env-store';
import type { EnvironmentChange } from '../../client/src/nix/dev-env';

/** Secret storage as VS Code offers it (here a map; VS Code encrypts it with the OS keyring). */
class FakeSecrets implements SecretStore {
  readonly values = new Map<string, string>();
  failing = false;
  async get(key: string) {
    if (this.failing) throw new Error('no keyring');
    return this.values.get(key);
  }
  async store(key: string, value: string) {
    if (this.failing) throw new Error('no keyring');
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
}

/** A workspace state: plaintext on disk in VS Code, so it must never hold a variable's value. */
class FakeState implements StateStore {
  readonly values = new Map<string, unknown>();
  get<T>(key: string) {
    return this.values.get(key) as T | undefined;
  }
  async update(key: string, value: unknown) {
    this.values.set(key, value);
  }
}

const SECRET = 'AWS_SECRET_ACCESS_KEY-value-from-a-shellHook';
const CHANGES: EnvironmentChange[] = [
  { name: 'PATH', kind: 'prepend', value: '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-ros/bin:' },
  { name: 'AWS_SECRET_ACCESS_KEY', kind: 'replace', value: SECRET },
];

test('a dev shell environment survives a reload through secret storage, never in the plaintext workspace state', async () => {
  const secrets = new FakeSecrets();
  const state = new FakeState();
  assert.equal(await new ShellEnvironmentStore(secrets, state).save(CHANGES), undefined);
  // After a reload: new objects over the same stores.
  assert.deepEqual(await new ShellEnvironmentStore(secrets, state).load(), CHANGES);
  assert.doesNotMatch(JSON.stringify([...state.values]), new RegExp(SECRET), 'the workspace state holds only the id');
  assert.equal(secrets.values.size, 1);

  // Another workspace has its own key: it neither sees nor overwrites this one.
  const other = new ShellEnvironmentStore(secrets, new FakeState());
  assert.equal(await other.load(), undefined);
  await other.save([{ name: 'ROS_DISTRO', kind: 'replace', value: 'jazzy' }]);
  assert.deepEqual(await new ShellEnvironmentStore(secrets, state).load(), CHANGES);

  await new ShellEnvironmentStore(secrets, state).forget();
  assert.equal(await new ShellEnvironmentStore(secrets, state).load(), undefined);
  assert.equal(secrets.values.size, 1, 'only the other workspace\'s is left');
});

test('without secret storage the environment stays in memory only, and damaged secrets are ignored', async () => {
  const secrets = new FakeSecrets();
  const state = new FakeState();
  const store = new ShellEnvironmentStore(secrets, state);
  secrets.failing = true;
  assert.equal(await store.save(CHANGES), 'secret storage failed: no keyring');
  assert.equal(await store.load(), undefined);
  secrets.failing = false;
  assert.equal(await store.save(CHANGES), undefined);
  const [key] = [...secrets.values.keys()];
  for (const damaged of ['not json', '{"name":"PATH"}', '[{"name":"PATH","kind":"remove","value":""}]', '[{"name":"","kind":"replace","value":""}]']) {
    secrets.values.set(key!, damaged);
    assert.equal(await store.load(), undefined, damaged);
  }
  assert.equal(await store.save([{ name: 'HUGE', kind: 'replace', value: 'x'.repeat(5 * 1024 * 1024) }]), 'they are too large for secret storage');
});
