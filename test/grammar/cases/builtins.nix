[
  builtins
  builtins.map
  (builtins.attrNames { })
  builtins.foldl'
  (import ./x.nix)
  (map toString [ 1 ])
  (throw "x")
  (abort "x")
  (baseNameOf ./a)
  (dirOf ./a)
  derivation
  (removeAttrs { } [ ])
  (isNull null)
  (fetchTarball "https://example.org/x.tar.gz")
  (placeholder "out")
  scopedImport
  __curPos
  __add
  lib.map  # an attribute of lib, not a builtin
  mapAttrs # not available without builtins.
  { import = 1; }.import
]
