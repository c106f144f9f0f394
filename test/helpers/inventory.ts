// Reading the sandbox's inventory the way the tests' assertions need it.

import type { SandboxInventory } from '../../src/sandbox/index.ts';

type Asset = SandboxInventory['cincopa']['assets'][number];

/** Assets whose reference id starts with `prefix`, grouped by reference id. */
export function assetsByReference(inventory: SandboxInventory, prefix: string): Map<string, Asset[]> {
  const groups = new Map<string, Asset[]>();
  for (const asset of inventory.cincopa.assets) {
    if (!asset.reference_id.startsWith(prefix)) continue;
    const group = groups.get(asset.reference_id) ?? [];
    group.push(asset);
    groups.set(asset.reference_id, group);
  }
  return groups;
}

/** Member rids of the one gallery named `name` (fails when there is not exactly one). */
export function galleryMembers(inventory: SandboxInventory, name: string): string[] {
  const galleries = inventory.cincopa.galleries.filter((gallery) => gallery.name === name);
  if (galleries.length !== 1) throw new Error(`expected exactly one gallery named "${name}", found ${galleries.length}`);
  return galleries[0]!.members;
}
