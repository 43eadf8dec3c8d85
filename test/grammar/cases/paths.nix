[
  ./a
  ../a/b.nix
  a/b
  /etc/nixos/configuration.nix
  ~/projects/robot
  ./.
  ../.
  ./modules/${name}.nix
  ./a${b}
  ~/${dir}/x
  ./a/${b}/${c}
  <nixpkgs>
  <nixpkgs/lib>
  <nixpkgs/nixos/modules/installer/sd-card/sd-image-aarch64.nix>
  (a / b)
  (a // b)
  (a /b)
  (1.5/2) # a path, not a division: Nix needs spaces around /
]
