/**
 * Names Nix puts in the top-level scope without any binding. Measured on Nix 2.8 (every name in
 * `builtins.attrNames builtins` tried as `x` and `__x` with `nix-instantiate --parse`), plus the
 * builtins later Nix releases added, so that users of a newer Nix get no false undefined-variable
 * reports. `__curPos` is not a variable at all: the parser turns it into the current position.
 */
const NIX_2_8 = `__add __addErrorContext __all __any __appendContext __attrNames __attrValues __bitAnd __bitOr
__bitXor __catAttrs __ceil __compareVersions __concatLists __concatMap __concatStringsSep __currentSystem
__currentTime __deepSeq __div __elem __elemAt __fetchurl __filter __filterSource __findFile __floor __foldl'
__fromJSON __functionArgs __genList __genericClosure __getAttr __getContext __getEnv __getFlake __groupBy
__hasAttr __hasContext __hashFile __hashString __head __intersectAttrs __isAttrs __isBool __isFloat
__isFunction __isInt __isList __isPath __isString __langVersion __length __lessThan __listToAttrs __mapAttrs
__match __mul __nixPath __nixVersion __parseDrvName __partition __path __pathExists __readDir __readFile
__replaceStrings __seq __sort __split __splitVersion __storeDir __storePath __stringLength __sub __substring
__tail __toFile __toJSON __toPath __toXML __trace __tryEval __typeOf __unsafeDiscardOutputDependency
__unsafeDiscardStringContext __unsafeGetAttrPos __zipAttrsWith abort baseNameOf builtins derivation
derivationStrict dirOf false fetchGit fetchMercurial fetchTarball fetchTree fromTOML import isNull map null
placeholder removeAttrs scopedImport throw toString true`;

/** Added after Nix 2.8 (2.9 to 2.28); accepted so that newer Nix users see no false reports. */
const LATER = `__break __traceVerbose __convertHash __addDrvOutputDependencies __fetchClosure __outputOf
__parseFlakeRef __flakeRefToString __warn __getRepoInfo __filterAttrs __hashString __currentTime`;

export const GLOBAL_NAMES: ReadonlySet<string> = new Set([...NIX_2_8.split(/\s+/), ...LATER.split(/\s+/)]);

/** The name the Nix parser treats as a position literal, never as a variable. */
export const CUR_POS = '__curPos';
