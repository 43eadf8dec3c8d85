[
  ({ a, b ? 1, ... }: a + b)
  (args@{ a, ... }: a)
  ({ a, ... }@args: a)
  ({ a, ... } @ args: a)
  ({ }: 1)
  ({ a ? { b = 1; }, c ? [ 1 2 ], d ? x: x }: a)
  ({ pkgs ? import <nixpkgs> { } }: pkgs)
  ({ a /* the a */, b # the b
   }: a)
]
