{
  a = x.y or "default";
  b = x.y.z or (throw "missing");
  c = x."quoted" or null;
  d = x.${name} or null;
  or = 1;
  e = { or = 2; }.or;
  f = builtins.nixVersion or "";
  g = x.or or 3;
  h = [ (x.y or 1) (x.y) ];
}
