// Reading the sandbox's inventory the way the tests' assertions need it.

import type { SandboxInventory } from '../../src/sandbox/index.ts';
import { keyOfReferenceId } from '../../src/targets/cincopa/referenceId.ts';

type Asset = SandboxInventory['cincopa']['assets'][number];

/**
 * Assets whose reference id starts with `prefix` (`ferry:<job>:`), grouped by a readable form
 * of the reference id: `ferry:<job>:<item key>[#r<revision>]`, the key decoded from ferry's
 * encoding (src/targets/cincopa/referenceId.ts), so tests name items by their keys.
 */
export function assetsByReference(inventory: SandboxInventory, prefix: string): Map<string, Asset[]> {
  const groups = new Map<string, Asset[]>();
  const job = /^ferry:([^:]+):$/.exec(prefix)?.[1];
  for (const asset of inventory.cincopa.assets) {
    if (!asset.reference_id.startsWith(prefix)) continue;
    const decoded = job ? keyOfReferenceId(job, asset.reference_id) : undefined;
    const name = decoded ? `${prefix}${decoded.key}${decoded.revision > 0 ? `#r${decoded.revision}` : ''}` : asset.reference_id;
    const group = groups.get(name) ?? [];
    group.push(asset);
    groups.set(name, group);
  }
  return groups;
}

/** Member rids of the one gallery named `name` (fails when there is not exactly one). */
export function galleryMembers(inventory: SandboxInventory, name: string): string[] {
  const galleries = inventory.cincopa.galleries.filter((gallery) => gallery.name === name);
  if (galleries.length !== 1) throw new Error(`expected exactly one gallery named "${name}", found ${galleries.length}`);
  return galleries[0]!.members;
}
