// Assets by reference id, exact and by substring. ferry looks every item up before uploading,
// so a 100,000-item run makes 100,000 lookups against up to 100,000 assets: a scan per lookup
// (~10 ms at that size) would make the sandbox the bottleneck. Substring lookups use a trigram
// index, built on first use only (exact mode never pays for it): the needle's rarest trigram
// names the few reference ids worth testing with `includes`.

export class ReferenceIndex {
  /** reference id → rids carrying it (insertion order). */
  readonly #rids = new Map<string, Set<string>>();
  /** trigram → ids of the reference ids containing it; null until the first substring lookup. */
  #grams: Map<string, number[]> | null = null;
  /** reference id ↔ a small number, so postings are arrays of numbers rather than strings. */
  readonly #numbers = new Map<string, number>();
  readonly #strings: string[] = [];

  add(referenceId: string, rid: string): void {
    if (!referenceId) return;
    let rids = this.#rids.get(referenceId);
    if (!rids) {
      this.#rids.set(referenceId, (rids = new Set()));
      this.#indexGrams(referenceId);
    }
    rids.add(rid);
  }

  remove(referenceId: string, rid: string): void {
    const rids = this.#rids.get(referenceId);
    if (!rids) return;
    rids.delete(rid);
    // Postings keep the number: a lookup re-checks #rids, so a stale posting costs one probe.
    if (rids.size === 0) this.#rids.delete(referenceId);
  }

  exact(referenceId: string): string[] {
    return [...(this.#rids.get(referenceId) ?? [])];
  }

  /** Rids whose reference id contains `needle` (an empty needle matches nothing, like exact). */
  containing(needle: string): string[] {
    if (!needle) return [];
    if (needle.length < 3) return this.#scan(needle);
    const grams = this.#ensureGrams();
    let rarest: number[] | undefined;
    for (const gram of trigrams(needle)) {
      const posting = grams.get(gram);
      if (!posting) return [];
      if (!rarest || posting.length < rarest.length) rarest = posting;
    }
    const found = new Set<string>();
    for (const number of rarest ?? []) {
      const referenceId = this.#strings[number]!;
      const rids = this.#rids.get(referenceId);
      if (rids && referenceId.includes(needle)) for (const rid of rids) found.add(rid);
    }
    return [...found];
  }

  #scan(needle: string): string[] {
    const found: string[] = [];
    for (const [referenceId, rids] of this.#rids) if (referenceId.includes(needle)) found.push(...rids);
    return found;
  }

  #ensureGrams(): Map<string, number[]> {
    if (!this.#grams) {
      this.#grams = new Map();
      for (const referenceId of this.#rids.keys()) this.#indexGrams(referenceId);
    }
    return this.#grams;
  }

  #indexGrams(referenceId: string): void {
    if (!this.#grams) return;
    // A reference id seen before is still in its postings (they are never pruned).
    if (this.#numbers.has(referenceId)) return;
    const number = this.#strings.push(referenceId) - 1;
    this.#numbers.set(referenceId, number);
    for (const gram of trigrams(referenceId)) {
      const posting = this.#grams.get(gram);
      if (posting) posting.push(number);
      else this.#grams.set(gram, [number]);
    }
  }
}

function trigrams(text: string): Set<string> {
  const grams = new Set<string>();
  for (let index = 0; index + 3 <= text.length; index++) grams.add(text.slice(index, index + 3));
  return grams;
}
