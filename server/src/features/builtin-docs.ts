import { GLOBAL_NAMES } from '../analysis/builtins';

/**
 * What each builtin of Nix does, in one line of our own, with its signature. Keyed by the name
 * under `builtins.`; `__foldl'` and friends are the same functions reachable without it. Covers
 * every name in `analysis/builtins.ts` (a test keeps the two in step).
 */
export interface BuiltinDoc {
  readonly name: string;
  readonly signature: string;
  readonly summary: string;
  /** `function`, a `constant` value, or the `builtins` set itself. */
  readonly kind: 'function' | 'constant' | 'namespace';
  /** Why not to use it, when Nix's manual says so. */
  readonly deprecated?: string;
  /** Reachable without `builtins.` (`map`, `toString`, `import`, …). */
  readonly global: boolean;
}

/** `name | signature | summary` (the signature may contain `|`); a signature without `->` marks a constant. */
const TABLE = `
abort | abort :: String -> a | Stops evaluation at once with the given message; unlike throw, tryEval cannot catch it.
add | add :: Number -> Number -> Number | The sum of two numbers, what + does.
addDrvOutputDependencies | addDrvOutputDependencies :: String -> String | Makes a string that refers to a .drv file depend on all of that derivation's outputs.
addErrorContext | addErrorContext :: String -> a -> a | Returns the value unchanged, adding the message to the trace of any error raised while evaluating it.
all | all :: (a -> Bool) -> [a] -> Bool | True when the predicate holds for every element (true for an empty list).
any | any :: (a -> Bool) -> [a] -> Bool | True when the predicate holds for at least one element.
appendContext | appendContext :: String -> AttrSet -> String | Adds string context (store path dependencies) to a string; a low-level tool.
attrNames | attrNames :: AttrSet -> [String] | The names of a set's attributes, sorted alphabetically.
attrValues | attrValues :: AttrSet -> [a] | The values of a set's attributes, in the order of their sorted names.
baseNameOf | baseNameOf :: Path | String -> String | The last component of a path ("/a/b/c.nix" gives "c.nix").
bitAnd | bitAnd :: Int -> Int -> Int | Bitwise AND of two integers.
bitOr | bitOr :: Int -> Int -> Int | Bitwise OR of two integers.
bitXor | bitXor :: Int -> Int -> Int | Bitwise exclusive OR of two integers.
break | break :: a -> a | Returns its argument; with the debugger enabled, evaluation pauses here first.
builtins | builtins :: AttrSet | The set of every builtin function and constant.
catAttrs | catAttrs :: String -> [AttrSet] -> [a] | From a list of sets, the values of the named attribute, skipping sets that lack it.
ceil | ceil :: Number -> Int | Rounds a number up to the nearest integer.
compareVersions | compareVersions :: String -> String -> Int | Compares two version strings the way package versions are ordered: -1, 0 or 1.
concatLists | concatLists :: [[a]] -> [a] | Joins a list of lists into one list.
concatMap | concatMap :: (a -> [b]) -> [a] -> [b] | Maps each element to a list and joins the results.
concatStringsSep | concatStringsSep :: String -> [String] -> String | Joins strings with a separator between them.
convertHash | convertHash :: AttrSet -> String | Converts a hash between base16, nix32, base64 and SRI notations.
currentSystem | currentSystem :: String | The system Nix is evaluating for, such as "x86_64-linux"; not available in pure evaluation (flakes).
currentTime | currentTime :: Int | The Unix time when evaluation started; not available in pure evaluation (flakes).
deepSeq | deepSeq :: a -> b -> b | Evaluates the first value completely (inside lists and sets too), then returns the second.
derivation | derivation :: AttrSet -> Derivation | Describes a build: a builder, its arguments and environment; the basis of every package.
derivationStrict | derivationStrict :: AttrSet -> AttrSet | The primitive behind derivation; returns only the output paths. Use derivation instead.
dirOf | dirOf :: Path | String -> Path | String | Everything but the last component of a path ("/a/b/c.nix" gives "/a/b").
div | div :: Number -> Number -> Number | Division, what / does; integer division when both are integers.
elem | elem :: a -> [a] -> Bool | True when the value is an element of the list.
elemAt | elemAt :: [a] -> Int -> a | The element at a zero-based index; an error when out of range.
false | false :: Bool | The boolean false.
fetchClosure | fetchClosure :: AttrSet -> Path | Copies a store path and its dependencies from a binary cache (experimental).
fetchGit | fetchGit :: String | AttrSet -> AttrSet | Fetches a Git repository at evaluation time; pin rev (and narHash) for a reproducible result.
fetchMercurial | fetchMercurial :: String | AttrSet -> AttrSet | Fetches a Mercurial repository at evaluation time.
fetchTarball | fetchTarball :: String | AttrSet -> Path | Downloads and unpacks a tarball at evaluation time; give sha256 to make it reproducible.
fetchTree | fetchTree :: AttrSet | String -> AttrSet | Fetches a source tree described like a flake input (git, github, tarball, path).
fetchurl | fetchurl :: String | AttrSet -> Path | Downloads one file at evaluation time.
filter | filter :: (a -> Bool) -> [a] -> [a] | The elements for which the predicate holds, in order.
filterAttrs | filterAttrs :: (String -> a -> Bool) -> AttrSet -> AttrSet | The attributes for which the predicate on name and value holds (newer Nix; lib.filterAttrs works everywhere).
filterSource | filterSource :: (Path -> String -> Bool) -> Path -> Path | Copies a directory to the store, keeping only the files the predicate accepts.
findFile | findFile :: [AttrSet] -> String -> Path | Looks a name up in a search path, as <nixpkgs> does.
flakeRefToString | flakeRefToString :: AttrSet -> String | Writes a flake reference given as a set back as a URL-like string.
floor | floor :: Number -> Int | Rounds a number down to the nearest integer.
foldl' | foldl' :: (b -> a -> b) -> b -> [a] -> b | Folds a list from the left, evaluating the accumulator at each step.
fromJSON | fromJSON :: String -> a | Parses a JSON string into Nix values.
fromTOML | fromTOML :: String -> AttrSet | Parses a TOML document into a set.
functionArgs | functionArgs :: (AttrSet -> a) -> AttrSet | The named arguments of a function, each mapped to whether it has a default.
genList | genList :: (Int -> a) -> Int -> [a] | A list of the given length, built by calling the function with each index.
genericClosure | genericClosure :: AttrSet -> [AttrSet] | Computes the closure of a start set under an operator, each item identified by its key.
getAttr | getAttr :: String -> AttrSet -> a | The attribute of the given name, what s.name does with a computed name.
getContext | getContext :: String -> AttrSet | The store paths a string depends on, with how it depends on them.
getEnv | getEnv :: String -> String | The value of an environment variable, or ""; always "" in pure evaluation.
getFlake | getFlake :: String -> AttrSet | Fetches and evaluates a flake, returning its outputs.
getRepoInfo | getRepoInfo :: AttrSet -> AttrSet | Describes a source repository (newer Nix).
groupBy | groupBy :: (a -> String) -> [a] -> AttrSet | Groups list elements into lists under the names the function gives them.
hasAttr | hasAttr :: String -> AttrSet -> Bool | True when the set has the attribute, what s ? name does with a computed name.
hasContext | hasContext :: String -> Bool | True when a string carries store path context.
hashFile | hashFile :: String -> Path -> String | The hash of a file with the given algorithm (md5, sha1, sha256, sha512).
hashString | hashString :: String -> String -> String | The hash of a string with the given algorithm (md5, sha1, sha256, sha512).
head | head :: [a] -> a | The first element of a list; an error for an empty list.
import | import :: Path -> a | Evaluates the Nix file at the path (a folder's default.nix) and returns its value.
intersectAttrs | intersectAttrs :: AttrSet -> AttrSet -> AttrSet | The attributes of the second set whose names also appear in the first.
isAttrs | isAttrs :: a -> Bool | True for an attribute set.
isBool | isBool :: a -> Bool | True for a boolean.
isFloat | isFloat :: a -> Bool | True for a floating-point number.
isFunction | isFunction :: a -> Bool | True for a function.
isInt | isInt :: a -> Bool | True for an integer.
isList | isList :: a -> Bool | True for a list.
isNull | isNull :: a -> Bool | True for null.
isPath | isPath :: a -> Bool | True for a path value (not a string holding a path).
isString | isString :: a -> Bool | True for a string.
langVersion | langVersion :: Int | The version of the Nix language the evaluator implements.
length | length :: [a] -> Int | The number of elements of a list.
lessThan | lessThan :: a -> a -> Bool | True when the first value sorts before the second, what < does.
listToAttrs | listToAttrs :: [{ name; value; }] -> AttrSet | Builds a set from a list of name/value pairs; the first pair for a name wins.
map | map :: (a -> b) -> [a] -> [b] | Applies a function to every element of a list.
mapAttrs | mapAttrs :: (String -> a -> b) -> AttrSet -> AttrSet | A set with the same names, each value replaced by the function of name and value.
match | match :: String -> String -> [String] | null | Matches a whole string against a POSIX regular expression: the captured groups, or null.
mul | mul :: Number -> Number -> Number | The product of two numbers, what * does.
nixPath | nixPath :: [AttrSet] | The search path <…> lookups use (NIX_PATH and -I); empty in pure evaluation.
nixVersion | nixVersion :: String | The version of Nix doing the evaluation.
null | null :: Null | The null value.
outputOf | outputOf :: String -> String -> String | A placeholder for an output of a derivation that is itself built (dynamic derivations, experimental).
parseDrvName | parseDrvName :: String -> { name; version; } | Splits a package name such as "hello-2.12" into name and version.
parseFlakeRef | parseFlakeRef :: String -> AttrSet | Parses a flake reference string into its parts.
partition | partition :: (a -> Bool) -> [a] -> { right; wrong; } | Splits a list by a predicate: elements that pass under right, the others under wrong.
path | path :: AttrSet -> Path | Copies a path to the store with a chosen name, filter or expected hash.
pathExists | pathExists :: Path -> Bool | True when the path exists on the evaluating machine.
placeholder | placeholder :: String -> String | A stand-in for an output path of the derivation being defined, replaced at build time.
readDir | readDir :: Path -> AttrSet | The entries of a directory, each mapped to "regular", "directory", "symlink" or "unknown".
readFile | readFile :: Path -> String | The contents of a file as a string.
removeAttrs | removeAttrs :: AttrSet -> [String] -> AttrSet | The set without the listed attributes (names it lacks are ignored).
replaceStrings | replaceStrings :: [String] -> [String] -> String -> String | Replaces every occurrence of each string of the first list by the matching one of the second.
scopedImport | scopedImport :: AttrSet -> Path -> a | Imports a file with extra names in scope; rarely needed and hard to follow.
seq | seq :: a -> b -> b | Evaluates the first value (to its outer form only), then returns the second.
sort | sort :: (a -> a -> Bool) -> [a] -> [a] | Sorts a list with a "less than" function; the sort is stable.
split | split :: String -> String -> [String | [String]] | Splits a string at matches of a regular expression, keeping the captured groups between the parts.
splitVersion | splitVersion :: String -> [String] | The components of a version string, as compareVersions sees them.
storeDir | storeDir :: String | The store directory, usually "/nix/store".
storePath | storePath :: Path -> Path | Takes an existing store path as a dependency without copying it; not allowed in pure evaluation.
stringLength | stringLength :: String -> Int | The number of bytes of a string.
sub | sub :: Number -> Number -> Number | The difference of two numbers, what - does.
substring | substring :: Int -> Int -> String -> String | The part of a string from a zero-based byte offset, of at most the given length.
tail | tail :: [a] -> [a] | The list without its first element; an error for an empty list.
throw | throw :: String -> a | Raises an error with the message; tryEval can catch it.
toFile | toFile :: String -> String -> Path | Writes a string to a file in the store and returns its path.
toJSON | toJSON :: a -> String | Serialises a value as JSON (derivations and paths become store paths).
toPath | toPath :: String -> Path | Converts an absolute path string to a path.
toString | toString :: a -> String | Converts a value to a string: paths, numbers, booleans, lists (space-separated), derivations (their output path).
toXML | toXML :: a -> String | Serialises a value as XML.
trace | trace :: a -> b -> b | Prints the first value to standard error during evaluation, then returns the second.
traceVerbose | traceVerbose :: a -> b -> b | Like trace, but prints only with --trace-verbose.
true | true :: Bool | The boolean true.
tryEval | tryEval :: a -> { success; value; } | Evaluates a value, catching throw and assert failures: success tells whether it worked.
typeOf | typeOf :: a -> String | The type of a value: "int", "bool", "string", "path", "null", "set", "list", "lambda" or "float".
unsafeDiscardOutputDependency | unsafeDiscardOutputDependency :: String -> String | Keeps the dependency on a .drv file but not on its outputs; a low-level tool.
unsafeDiscardStringContext | unsafeDiscardStringContext :: String -> String | The same string without its store path dependencies; the build may then miss them.
unsafeGetAttrPos | unsafeGetAttrPos :: String -> AttrSet -> { file; line; column; } | null | Where an attribute is defined in the source, for error messages.
warn | warn :: String -> a -> a | Prints a warning during evaluation, then returns the second argument.
zipAttrsWith | zipAttrsWith :: (String -> [a] -> b) -> [AttrSet] -> AttrSet | Merges a list of sets: each name maps to the function of the name and all its values.
`;

const DEPRECATED = new Map([
  ['toPath', 'deprecated: use `/. + "/path"` to make a path from an absolute string'],
  ['isNull', 'deprecated: write `x == null`'],
]);

export const BUILTIN_DOCS: ReadonlyMap<string, BuiltinDoc> = new Map(
  TABLE.trim()
    .split('\n')
    .map((line) => {
      // Signatures may hold ` | ` themselves: the name ends at the first, the summary starts after the last.
      const first = line.indexOf(' | ');
      const last = line.lastIndexOf(' | ');
      const name = line.slice(0, first).trim();
      const signature = line.slice(first + 3, last).trim();
      const summary = line.slice(last + 3).trim();
      const kind: BuiltinDoc['kind'] = name === 'builtins' ? 'namespace' : signature.includes('->') ? 'function' : 'constant';
      const deprecated = DEPRECATED.get(name);
      const doc: BuiltinDoc = { name, signature, summary, kind, global: GLOBAL_NAMES.has(name), ...(deprecated ? { deprecated } : {}) };
      return [name, doc] as const;
    }),
);

/** The documentation of a builtin as written in code: `map`, `__foldl'`, or a member of `builtins`. */
export function builtinDoc(written: string): BuiltinDoc | undefined {
  return BUILTIN_DOCS.get(written.startsWith('__') ? written.slice(2) : written);
}

/** Markdown for hovers and completion items. */
export function builtinMarkdown(doc: BuiltinDoc): string {
  const where = doc.global ? `builtin, also \`builtins.${doc.name}\`` : `\`builtins.${doc.name}\``;
  const warning = doc.deprecated ? `\n\n**${doc.deprecated}**` : '';
  return `\`\`\`nix\n${doc.signature}\n\`\`\`\n${doc.summary}${warning}\n\n*${where}*`;
}
