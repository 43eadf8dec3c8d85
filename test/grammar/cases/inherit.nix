let
  inherit (pkgs) lib stdenv;
  inherit (pkgs.lib) mkIf mkOption types;
  inherit ({ a = 1; }) a;
in
{
  inherit lib;
  inherit "quoted" ${"interpolated"};
  inherit
    stdenv
    mkIf # a comment
    ;
}
