assert lib.versionAtLeast version "1.0";
with pkgs;
with lib; {
  packages = with pkgs; [ git vim ];
  checked = assert enable -> config != null; config;
  nested = with a; with b; c;
}
