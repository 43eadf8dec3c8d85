let
  a = if x then 1 else 2;
  b = assert x != null; x;
  c = with pkgs; [ hello ];
  d = rec { e = 1; f = e; };
  g = let h = 1; in h;
in
{
  inherit a b;
  result = if a == 1 then "one" else if a == 2 then "two" else "many";
}
