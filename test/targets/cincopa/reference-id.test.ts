// Reference ids ferry writes must never be substrings of one another (issue 8 #3): a platform
// whose reference_id filter matches substrings would otherwise hand one item another's asset.

import { describe, expect, it } from 'vitest';
import { keyOfReferenceId, referenceId } from '../../../src/targets/cincopa/referenceId.ts';
import { useSeed } from '../../helpers/seed.ts';

describe('Cincopa reference ids', () => {
  it('keeps numeric keys of a large migration apart: k1 is not inside k1-0001', () => {
    const short = referenceId('mig', 'k1', 0);
    for (const long of ['k1-0001', 'k10', 'k1 ', 'k1;', 'k1#r1', 'xk1']) expect(referenceId('mig', long, 0)).not.toContain(short);
    expect(referenceId('mig', 'k1', 1)).not.toContain(short);
    expect(referenceId('mig2', 'k1', 0)).not.toContain(short);
  });

  it('no id is a substring of another, over many random keys, jobs and revisions', () => {
    const { random, seed } = useSeed();
    const alphabet = ['a', 'b', '1', '-', ':', ';', '#', 'r', '%', '/', ' ', 'é', 'ferry', 'ferry:j:'];
    const ids = new Set<string>();
    for (let index = 0; index < 400; index++) {
      const key = Array.from({ length: 1 + Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      ids.add(referenceId(random() < 0.5 ? 'j' : 'j2', key, random() < 0.3 ? Math.floor(random() * 3) : 0));
    }
    const list = [...ids];
    for (const a of list) for (const b of list) if (a !== b) expect(b.includes(a), `seed ${seed}: ${a} inside ${b}`).toBe(false);
  });

  it('decodes back to the item key and revision', () => {
    for (const [key, revision] of [['day1/a clip.mp4', 0], ['k#r1', 0], ['k', 2], ['https://cdn.example/x.mp4?a=1&b=2', 1]] as const) {
      expect(keyOfReferenceId('job', referenceId('job', key, revision))).toEqual({ key, revision });
    }
    expect(keyOfReferenceId('job', 'ferry:other:k;')).toBeUndefined();
    expect(keyOfReferenceId('job', 'strapi')).toBeUndefined();
  });
});
