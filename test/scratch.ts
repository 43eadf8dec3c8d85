import { sharedParser } from './support/analysis';
(async () => {
  const p = await sharedParser();
  for (const t of ['./hosts/${name}', './hosts + "/${name}/configuration.nix"', '"${nixpkgs}/nixos/modules/x.nix"', 'a.b.nixos { }', 'x: y: f x', '{ a, b ? 1 }: a', 'import ./a.nix']) {
    const tree = p.parse(t)!;
    console.log(t, '=>', tree.rootNode.toString());
    tree.delete();
  }
})();
