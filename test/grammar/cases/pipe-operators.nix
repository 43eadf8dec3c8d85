# nix-parse: skip (pipe operators need Nix >= 2.24 with the pipe-operators feature)
[
  (xs |> map f |> builtins.length)
  (f <| g <| x)
]
