/**
 * The `condition` attribute of `package.xml` dependencies (REP 149), evaluated as catkin_pkg
 * evaluates it: comparisons `a OP b` with `==`, `!=`, `<`, `<=`, `>`, `>=` between `$VARIABLE`s
 * (empty when unset) and words of letters, digits, `_` and `-`, compared as strings; combined
 * with `and` (binding tighter) and `or`, and parentheses.
 */

/** The variables a condition can read: `ROS_VERSION`, `ROS_DISTRO`, `ROS_PYTHON_VERSION`. */
export type ConditionContext = Readonly<Record<string, string>>;

/** The context for building against a ROS distribution with nix-ros-overlay. */
export function rosConditionContext(distro: string, rosVersion = 2): ConditionContext {
  return { ROS_VERSION: String(rosVersion), ROS_DISTRO: distro, ROS_PYTHON_VERSION: '3' };
}

export type ConditionResult = { value: boolean } | { error: string; offset: number };

type Token = { kind: 'word' | 'variable' | 'operator' | '(' | ')' | 'end'; text: string; offset: number };

const TOKEN = /\s*(?:(\$[A-Za-z0-9_]+)|([A-Za-z0-9_-]+)|(==|!=|>=|<=|>|<)|([()]))/y;

function tokenize(text: string): Token[] | { error: string; offset: number } {
  const out: Token[] = [];
  let pos = 0;
  for (;;) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) {
      const rest = /\s*/y;
      rest.lastIndex = pos;
      rest.exec(text);
      if (rest.lastIndex >= text.length) break;
      return { error: `unexpected \`${text[rest.lastIndex]}\``, offset: rest.lastIndex };
    }
    const offset = m.index + m[0].length - (m[1] ?? m[2] ?? m[3] ?? m[4]!).length;
    if (m[1]) out.push({ kind: 'variable', text: m[1], offset });
    else if (m[2]) out.push({ kind: 'word', text: m[2], offset });
    else if (m[3]) out.push({ kind: 'operator', text: m[3], offset });
    else out.push({ kind: m[4] as '(' | ')', text: m[4]!, offset });
    pos = TOKEN.lastIndex;
  }
  out.push({ kind: 'end', text: '', offset: text.length });
  return out;
}

class Evaluator {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly context: ConditionContext,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private fail(message: string): never {
    throw Object.assign(new Error(message), { offset: this.peek().offset });
  }

  /** or_expr := and_expr ('or' and_expr)* */
  or(): boolean {
    let value = this.and();
    while (this.keyword('or')) value = this.and() || value;
    return value;
  }

  /** and_expr := atom ('and' atom)* */
  private and(): boolean {
    let value = this.atom();
    while (this.keyword('and')) value = this.atom() && value;
    return value;
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t.kind !== 'word' || t.text !== word) return false;
    this.i++;
    return true;
  }

  /** atom := '(' or_expr ')' | term operator term */
  private atom(): boolean {
    if (this.peek().kind === '(') {
      this.i++;
      const value = this.or();
      if (this.peek().kind !== ')') this.fail('`)` expected');
      this.i++;
      return value;
    }
    const left = this.term();
    const op = this.peek();
    if (op.kind !== 'operator') this.fail('a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`) expected');
    this.i++;
    const right = this.term();
    switch (op.text) {
      case '==':
        return left === right;
      case '!=':
        return left !== right;
      case '<':
        return left < right;
      case '<=':
        return left <= right;
      case '>':
        return left > right;
      default:
        return left >= right;
    }
  }

  private term(): string {
    const t = this.peek();
    if (t.kind === 'variable') {
      this.i++;
      return this.context[t.text.slice(1)] ?? '';
    }
    if (t.kind === 'word') {
      this.i++;
      return t.text;
    }
    return this.fail(t.kind === 'end' ? 'the condition ends too early' : `\`${t.text}\` cannot be compared`);
  }

  done(): void {
    if (this.peek().kind !== 'end') this.fail(`unexpected \`${this.peek().text}\`; \`and\` or \`or\` expected`);
  }
}

/** Evaluates a condition; an error (with its offset in the text) when it does not parse. */
export function evaluateCondition(text: string, context: ConditionContext): ConditionResult {
  const tokens = tokenize(text);
  if (!Array.isArray(tokens)) return tokens;
  if (tokens.length === 1) return { error: 'the condition is empty', offset: 0 };
  const e = new Evaluator(tokens, context);
  try {
    const value = e.or();
    e.done();
    return { value };
  } catch (err) {
    const offset = (err as { offset?: number }).offset ?? 0;
    return { error: err instanceof Error ? err.message : String(err), offset };
  }
}
