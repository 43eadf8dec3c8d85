[
  "a ${ "b ${ "c ${d} c" } b" } a"
  "set inside: ${ { a = "}"; }.a } and lambda: ${ (x: x) "y" }"
  "indented inside: ${ ''in ${ "deep" }'' }"
  ''
    ${ lib.concatStringsSep "," (map (x: "${x}") xs) }
    ${builtins.toJSON { a = [ 1 2 ]; }}
  ''
]
