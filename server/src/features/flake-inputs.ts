import type { Finding } from '../analysis/diagnostic';
import { closest } from '../options/schema-index';
import type { FlakeInput, FlakeModel, InputAttribute, Span } from '../flake/inputs';
import { COMMON_INPUT_ATTRIBUTES as COMMON, INPUT_ATTRIBUTES } from '../flake/inputs';
import { nodeAt, rootInputs, summarizeNode, type FlakeLock, type LockFile } from '../flake/lock';
import { nixpkgsFindings } from './flake-nixpkgs';
import { textPathAt } from './option-context';

/**
 * What flake.nix's inputs are checked for, against the syntax and against flake.lock on disk:
 * unknown input attributes, `follows` naming an input that does not exist, inputs missing from
 * the lock or locked but no longer declared, and the nixpkgs jetpack-nixos and nix-ros-overlay get.
 */
export function flakeFindings(model: FlakeModel, lockFile: LockFile): Finding[] {
  const findings: Finding[] = [];
  const lock = lockFile.state === 'ok' ? lockFile.lock : undefined;
  for (const input of model.inputs.values()) {
    if (input.implicit || input.opaque) continue;
    checkAttributes(input.attributes, findings);
    for (const attribute of input.attributes) if (attribute.name === 'follows') checkFollows(attribute, model, lock, findings);
    for (const override of input.overrides) {
      checkAttributes(override.attributes, findings);
      if (override.follows) checkFollows(override.follows, model, lock, findings);
      checkOverrideExists(input, override.path, override.key, lock, findings);
    }
  }
  if (lockFile.state === 'invalid') {
    const at = model.inputsKeys[0] ?? { start: 0, end: 0 };
    findings.push({ ...at, severity: 'warning', code: 'invalid-lock-file', message: `${lockFile.error}; the inputs are not checked against it.` });
  }
  if (lock && model.complete) checkLockAgreement(model, lock, findings);
  findings.push(...nixpkgsFindings(model, lock));
  return findings;
}

/** What every input may set; fetcher attributes (`owner`, `ref`, …) only come with `type`. */
const OWN_ATTRIBUTES = ['url', 'flake', 'follows', 'inputs'];

/**
 * Attribute names as Nix checks them when it reads flake.nix: without `type`, an input may only
 * set `url`, `flake`, `follows` and `inputs` (anything else is "unexpected flake input
 * attribute"); the fetcher's attributes (`owner`, `ref`, `dir`, …) come with `type`.
 */
function checkAttributes(attributes: InputAttribute[], findings: Finding[]): void {
  const typed = attributes.some((a) => a.name === 'type');
  for (const attribute of attributes) {
    const name = attribute.name;
    if (OWN_ATTRIBUTES.includes(name) || (typed && INPUT_ATTRIBUTES.has(name))) continue;
    if (INPUT_ATTRIBUTES.has(name)) {
      findings.push({
        ...attribute.key,
        severity: 'error',
        code: 'unknown-input-attribute',
        message: `Nix rejects \`${name}\` here: without \`type\`, an input may only set \`url\`, \`flake\`, \`follows\` and \`inputs\`. Put it in the URL (\`github:owner/repo/<ref>\`, \`…?dir=sub\`), or write the input with \`type = "github";\`, \`owner\`, \`repo\` and \`${name}\`.`,
      });
      continue;
    }
    const near = closest(name, typed ? INPUT_ATTRIBUTES.keys() : OWN_ATTRIBUTES, 1)[0];
    findings.push({
      ...attribute.key,
      severity: 'error',
      code: 'unknown-input-attribute',
      message: `\`${name}\` is not an attribute of a flake input: Nix rejects the flake.` + (near ? ` Did you mean \`${near}\`?` : ` An input sets \`url\`, \`flake\`, \`follows\` and \`inputs\` (or \`type\` and the fetcher's attributes).`),
      fixes: near ? [{ title: `Change to \`${near}\``, edits: [{ ...attribute.key, newText: near }] }] : [],
    });
  }
}

/** `follows = "a/b"`: `a` must be an input of this flake, and `b` an input of `a` in flake.lock. */
function checkFollows(follows: InputAttribute, model: FlakeModel, lock: FlakeLock | undefined, findings: Finding[]): void {
  if (follows.text === undefined || follows.text === '') return; // computed, or `""` (the flake itself)
  const path = follows.text.split('/');
  const first = path[0]!;
  if (!model.inputs.has(first)) {
    if (!model.complete) return;
    const near = closest(first, model.inputs.keys(), 1)[0];
    const replacement = near === undefined ? undefined : [near, ...path.slice(1)].join('/');
    findings.push({
      ...follows.value,
      severity: 'error',
      code: 'unknown-follows-target',
      message:
        `\`follows\` names \`${first}\`, which is not an input of this flake` +
        (model.inputs.size > 0 ? ` (its inputs: ${[...model.inputs.keys()].map((n) => `\`${n}\``).join(', ')})` : '') +
        (replacement ? `. Did you mean \`${replacement}\`?` : '.'),
      fixes: replacement ? [{ title: `Change to "${replacement}"`, edits: [{ ...follows.value, newText: JSON.stringify(replacement) }] }] : [],
    });
    return;
  }
  if (!lock || path.length < 2) return;
  for (let i = 1; i < path.length; i++) {
    const owner = nodeAt(lock, path.slice(0, i));
    if (!owner) return; // not locked yet: nothing to compare with
    if (!owner.inputs.has(path[i]!)) {
      const known = [...owner.inputs.keys()];
      findings.push({
        ...follows.value,
        severity: 'error',
        code: 'unknown-follows-target',
        message: `\`${path.slice(0, i).join('/')}\` has no input \`${path[i]}\` in flake.lock` + (known.length ? ` (its inputs: ${known.map((n) => `\`${n}\``).join(', ')})` : ' (it has no inputs)') + '.',
      });
      return;
    }
  }
}

/** `inputs.x.inputs.y…`: Nix ignores (and warns about) an override of an input `x` does not have. */
function checkOverrideExists(input: FlakeInput, path: string[], key: Span, lock: FlakeLock | undefined, findings: Finding[]): void {
  if (!lock) return;
  for (let i = 0; i < path.length; i++) {
    const owner = nodeAt(lock, [input.name, ...path.slice(0, i)]);
    if (!owner || owner.inputs.has(path[i]!)) continue;
    const known = [...owner.inputs.keys()];
    findings.push({
      ...key,
      severity: 'warning',
      code: 'unknown-input-override',
      message:
        `\`${[input.name, ...path.slice(0, i)].join('/')}\` has no input \`${path[i]}\` in flake.lock, so this override does nothing` +
        (known.length ? ` (its inputs: ${known.map((n) => `\`${n}\``).join(', ')}).` : ' (it has no inputs).'),
    });
    return;
  }
}

/** Declared inputs against the root of flake.lock, both ways. */
function checkLockAgreement(model: FlakeModel, lock: FlakeLock, findings: Finding[]): void {
  const locked = rootInputs(lock);
  for (const input of model.inputs.values()) {
    if (locked.has(input.name)) continue;
    findings.push({
      ...input.keys[0]!,
      severity: 'warning',
      code: 'input-not-locked',
      message: `\`${input.name}\` is not in flake.lock yet: \`nix flake lock\` adds it (a build would add it too, unless the lock file is read-only).`,
    });
  }
  const at = model.inputsKeys[0] ?? { start: 0, end: 0 };
  for (const name of locked.keys()) {
    if (model.inputs.has(name)) continue;
    findings.push({
      ...at,
      severity: 'warning',
      code: 'stale-lock-input',
      message: `flake.lock still locks \`${name}\`, which flake.nix no longer declares: \`nix flake lock\` removes it.`,
    });
  }
}

function attribute(input: FlakeInput, name: string): InputAttribute | undefined {
  return input.attributes.find((a) => a.name === name);
}

// ---------------------------------------------------------------------------------------------
// Completion

const NAME = "[A-Za-z_][A-Za-z0-9_'-]*";
const DOTTED = `${NAME}(?:\\.${NAME})*`;
/** `a.b.follows = "jetp` up to the cursor: a string value being typed. */
const STRING_VALUE = new RegExp(`(${DOTTED})\\s*=\\s*"([^"\\\\$]*)$`);
/** `a.b.` or `a.b.c` up to the cursor: a name being typed. */
const NAME_TYPED = new RegExp(`(?:^|[\\s{;])((?:${NAME}\\.)*)(${NAME})?$`);

/** What an input attribute completes to: a snippet with the value's shape. */
const INSERTS: Record<string, { text: string; suggest?: boolean }> = {
  url: { text: 'url = "$1";', suggest: false },
  flake: { text: 'flake = ${1|false,true|};' },
  follows: { text: 'follows = "$1";', suggest: true },
  inputs: { text: 'inputs.', suggest: true },
  submodules: { text: 'submodules = ${1|true,false|};' },
  type: { text: 'type = "${1|github,gitlab,sourcehut,git,path,tarball,file,mercurial,indirect|}";' },
};

/** A completion in plain data (the LSP layer adds the protocol's kinds). */
export interface InputCompletion {
  label: string;
  kind: 'attribute' | 'input';
  detail: string;
  documentation?: string;
  /** A snippet to insert instead of the label. */
  snippet?: string;
  /** Ask for completion again after inserting (after `inputs.`, inside `follows = "`). */
  suggestAgain?: boolean;
  /** Replace this range (inside a string, where `/` would end a word). */
  replace?: Span;
}

/**
 * Completion in flake.nix's inputs: attribute names of an input (`url`, `follows`, `inputs`, …),
 * the inputs of an input that can be overridden (from flake.lock), and the targets of `follows`
 * (this flake's inputs, and `input/sub` paths from flake.lock). Reads the text before the cursor,
 * so it works on half-typed code.
 */
export function completeFlakeInputs(text: string, offset: number, model: FlakeModel | undefined, lock: FlakeLock | undefined): InputCompletion[] {
  const open = topLevelBrace(text);
  if (open < 0 || offset <= open) return [];
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(Math.max(lineStart, offset - 512), offset);
  const value = STRING_VALUE.exec(before);
  if (value) {
    const base = textPathAt(text, open, offset - value[0].length);
    const path = base && [...base, ...value[1]!.split('.')];
    if (!path || path[0] !== 'inputs' || path[path.length - 1] !== 'follows') return [];
    return followsTargets(model, lock, path[1]).map((c) => ({ ...c, replace: { start: offset - value[2]!.length, end: offset } }));
  }
  const typed = NAME_TYPED.exec(before);
  const base = typed && textPathAt(text, open, offset);
  if (!typed || !base) return [];
  const path = [...base, ...(typed[1] ? typed[1].slice(0, -1).split('.') : [])];
  if (path[0] !== 'inputs' || path.length < 2) return [];
  if (path.length === 2) return inputAttributes(model?.inputs.get(path[1]!));
  if (path[2] !== 'inputs') return [];
  if (path.length === 3) return overridableInputs(path[1]!, lock);
  if (path.length === 4) return ['follows', 'url', 'flake', 'inputs'].map(attributeCompletion);
  return [];
}

/** An input's attributes not written yet; with `url` and no `type`, only the ones Nix then allows. */
function inputAttributes(input: FlakeInput | undefined): InputCompletion[] {
  const written = new Set(input?.attributes.map((a) => a.name));
  const fetcherToo = written.has('type') || !written.has('url');
  return COMMON.filter((name) => (name === 'inputs' || !written.has(name)) && (fetcherToo || OWN_ATTRIBUTES.includes(name))).map(attributeCompletion);
}

function attributeCompletion(name: string): InputCompletion {
  const insert = INSERTS[name] ?? { text: `${name} = "$1";` };
  return {
    label: name,
    kind: 'attribute',
    detail: 'flake input attribute',
    documentation: INPUT_ATTRIBUTES.get(name),
    snippet: insert.text,
    suggestAgain: insert.suggest ?? false,
  };
}

/** `inputs.<x>.inputs.|`: the inputs `x` has in flake.lock. */
function overridableInputs(owner: string, lock: FlakeLock | undefined): InputCompletion[] {
  const node = lock && nodeAt(lock, [owner]);
  if (!node) return [];
  return [...node.inputs.keys()].map((name) => ({
    label: name,
    kind: 'input' as const,
    detail: `input of ${owner}`,
    documentation: `\`${owner}\` has an input \`${name}\` in flake.lock; \`${name}.follows = "…";\` replaces it with one of this flake's inputs.`,
  }));
}

/** `follows = "|"`: this flake's inputs, and the inputs of each of them from flake.lock. */
function followsTargets(model: FlakeModel | undefined, lock: FlakeLock | undefined, self: string | undefined): InputCompletion[] {
  const out: InputCompletion[] = [];
  // The lock knows the inputs too, when the declarations do not parse right now.
  const names = new Set([...(model?.inputs.keys() ?? []), ...(lock ? rootInputs(lock).keys() : [])]);
  for (const name of names) {
    if (name !== self) out.push({ label: name, kind: 'input', detail: 'input of this flake' });
    const node = lock && nodeAt(lock, [name]);
    for (const sub of node?.inputs.keys() ?? []) out.push({ label: `${name}/${sub}`, kind: 'input', detail: `input of ${name} (flake.lock)` });
  }
  return out;
}

/** The `{` the flake's attribute set starts with (after comments), or -1. */
export function topLevelBrace(text: string): number {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else return c === '{' ? i : -1;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Hover

/**
 * Hover on an input's name (in `inputs`, or as an argument of `outputs`) or on an overridden
 * input (`inputs.x.inputs.nixpkgs`): what it points to and what flake.lock pinned it to.
 */
export function hoverFlakeInput(offset: number, model: FlakeModel, lockFile: LockFile): { markdown: string; span: Span } | undefined {
  const within = (s: Span) => s.start <= offset && offset <= s.end;
  for (const input of model.inputs.values()) {
    const key = input.keys.find(within) ?? model.outputArguments.find((a) => a.name === input.name && within(a.span))?.span;
    if (key) return { markdown: describeInput(input, [input.name], lockFile), span: key };
    const override = input.overrides.find((o) => within(o.key));
    if (override) return { markdown: describeInput(undefined, [input.name, ...override.path], lockFile), span: override.key };
  }
  return undefined;
}

function describeInput(input: FlakeInput | undefined, path: string[], lockFile: LockFile): string {
  const lines = [`**${path.join('/')}** · flake input${input?.implicit ? ' (from the flake registry: not declared in `inputs`)' : ''}`];
  const url = input && attribute(input, 'url')?.text;
  const follows = input && attribute(input, 'follows')?.text;
  if (url) lines.push('', `\`${url}\``);
  if (follows !== undefined) lines.push('', `Follows \`${follows || '(this flake)'}\`.`);
  if (input && attribute(input, 'flake')?.bool === false) lines.push('', 'Not a flake: `outputs` receives its source tree.');
  if (lockFile.state === 'absent') {
    lines.push('', 'Not locked: there is no flake.lock beside flake.nix (`nix flake lock` creates it).');
    return lines.join('\n');
  }
  if (lockFile.state === 'invalid') {
    lines.push('', `${lockFile.error}.`);
    return lines.join('\n');
  }
  const lock = lockFile.lock;
  const direct = path.length === 1 ? rootInputs(lock).get(path[0]!) : nodeAt(lock, path.slice(0, -1))?.inputs.get(path[path.length - 1]!);
  if (direct === undefined) {
    lines.push('', 'Not in flake.lock yet (`nix flake lock` adds it).');
    return lines.join('\n');
  }
  if (Array.isArray(direct)) lines.push('', `Locked as following \`${direct.join('/') || '(this flake)'}\`.`);
  const node = nodeAt(lock, path);
  if (!node) return lines.join('\n');
  const s = summarizeNode(node);
  const facts: string[] = [];
  if (s.rev) facts.push(`- revision \`${s.rev}\``);
  if (s.lastModified) facts.push(`- date ${s.lastModified}`);
  if (s.narHash) facts.push(`- narHash \`${s.narHash}\``);
  if (s.reference && !s.rev) facts.push(`- source \`${s.reference}\``);
  if (facts.length) lines.push('', 'Locked in flake.lock:', ...facts);
  const inputs = [...node.inputs].map(([name, target]) => (Array.isArray(target) ? `\`${name}\` → follows \`${target.join('/') || '(root)'}\`` : `\`${name}\``));
  if (inputs.length) lines.push('', `Its inputs: ${inputs.join(', ')}.`);
  return lines.join('\n');
}
