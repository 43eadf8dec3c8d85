# nix-parse: skip (deliberately broken: a missing ";" must not colour the rest of the file)
{
  a = 1
}
{
  b = let c = 1 in c;
}
{ d = 2; }
