import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A new folder in the system's temporary directory holding `files` (relative path → content). */
export function tempTree(files: Record<string, string | Buffer>, prefix = 'jetson-nix-test-'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}
