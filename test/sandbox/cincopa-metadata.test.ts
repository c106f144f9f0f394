// Metadata and lookups where the real platform is unknown: set_meta's `tags` stored, ignored or
// refused; asset.list's reference_id filter exact or by substring, search/details/tag filters;
// and the size limits a real front end puts on a request (URL length 431/414, body 413).

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { call, ok, uploadDirect } from '../helpers/cincopaApi.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cincopa'] });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(() => {
  sandbox.cincopa.configure({ dialect: 'classic', setMetaTags: 'store', referenceMatch: 'exact', failureStyle: 'http', maxUrlBytes: 8192, urlTooLongStatus: 431 });
});

const asset = (name: string): Promise<string> => uploadDirect(sandbox.cincopa, randomBytes(32), name);
const stored = (rid: string) => sandbox.inventory().cincopa.assets.find((candidate) => candidate.rid === rid)!;
const rids = (body: Record<string, unknown>): string[] => (body.items as { rid: string }[]).map((item) => item.rid);

describe('asset.set_meta tags', () => {
  it("'store' keeps them (classic)", async () => {
    const rid = await asset('tags-store.mp4');
    await ok(sandbox.cincopa, 'asset.set_meta', { rid, caption: 'Stored', tags: 'a, b' });
    expect(stored(rid)).toMatchObject({ caption: 'Stored', tags: ['a', 'b'] });
  });

  it("'ignore' answers success and sets everything else, but no tags", async () => {
    sandbox.cincopa.configure({ setMetaTags: 'ignore' });
    const rid = await asset('tags-ignore.mp4');
    await ok(sandbox.cincopa, 'asset.set_meta', { rid, caption: 'Ignored', reference_id: 'ferry:meta:ignored', tags: 'a,b' });
    expect(stored(rid)).toMatchObject({ caption: 'Ignored', reference_id: 'ferry:meta:ignored', tags: [] });
  });

  it("'refuse' fails the whole call as an unknown parameter (alt: HTTP 200 + success:false) and sets nothing", async () => {
    for (const failureStyle of ['http', 'success-false'] as const) {
      sandbox.cincopa.configure({ setMetaTags: 'refuse', failureStyle });
      const rid = await asset(`tags-refuse-${failureStyle}.mp4`);
      const refused = await call(sandbox.cincopa, 'asset.set_meta', { rid, caption: 'Refused', reference_id: 'ferry:meta:refused', tags: 'a' });
      expect(refused.status).toBe(failureStyle === 'http' ? 400 : 200);
      expect(refused.body).toMatchObject({ success: false, message: expect.stringMatching(/unknown parameter.*tags/) });
      expect(stored(rid)).toMatchObject({ caption: `tags-refuse-${failureStyle}`, reference_id: '', tags: [] });
      // Without tags the same call goes through.
      await ok(sandbox.cincopa, 'asset.set_meta', { rid, caption: 'Refused', reference_id: 'ferry:meta:refused' });
      expect(stored(rid).caption).toBe('Refused');
      await ok(sandbox.cincopa, 'asset.set_meta', { rid, reference_id: '' });
    }
  });

  it('sets every field C3 sets, and touches `modified` only when something changed', async () => {
    const rid = await asset('fields.mp4');
    const fields = { caption: 'T', description: 'D', long_description: 'L', related_link_text: 'RT', related_link_url: 'https://example.com/r' };
    await ok(sandbox.cincopa, 'asset.set_meta', { rid, ...fields });
    const modified = stored(rid).modified;
    expect(stored(rid)).toMatchObject(fields);
    await ok(sandbox.cincopa, 'asset.set_meta', { rid, ...fields });
    expect(stored(rid).modified).toBe(modified);
  });
});

describe('asset.list filters', () => {
  it("reference_id: 'exact' (classic) vs 'substring' — keys like k1 and k1-0001 tell them apart", async () => {
    const [k1, k10, other] = [await asset('k1.mp4'), await asset('k10.mp4'), await asset('other.mp4')];
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: k1, reference_id: 'ferry:sub:k1' });
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: k10, reference_id: 'ferry:sub:k1-0001' });
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: other, reference_id: 'ferry:sub:k2' });
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { reference_id: 'ferry:sub:k1' }))).toEqual([k1]);
    sandbox.cincopa.configure({ referenceMatch: 'substring' });
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { reference_id: 'ferry:sub:k1' })).sort()).toEqual([k1, k10].sort());
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { reference_id: 'k2' }))).toEqual([other]);
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { reference_id: '1' })).sort()).toEqual([k1, k10].sort()); // short needles too
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { reference_id: 'ferry:sub:k3' }))).toEqual([]);
    // A reference id changed later leaves the old one's lookup.
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: k10, reference_id: 'ferry:moved' });
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { reference_id: 'ferry:sub:k1' }))).toEqual([k1]);
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { reference_id: 'moved' }))).toEqual([k10]);
  });

  it('search matches caption or filename, details caption or descriptions, tag one tag; filters combine', async () => {
    const [a, b] = [await asset('Harbour-Dawn.mp4'), await asset('plain.mp4')];
    await ok(sandbox.cincopa, 'asset.set_meta', { rid: b, caption: 'Night at the harbour', description: 'long exposure', tags: 'sea,night' });
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { search: 'harbour' })).sort()).toEqual([a, b].sort());
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { details: 'EXPOSURE' }))).toEqual([b]);
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { tag: 'night' }))).toEqual([b]);
    expect(rids(await ok(sandbox.cincopa, 'asset.list', { search: 'harbour', tag: 'sea' }))).toEqual([b]);
  });
});

describe('request size limits', () => {
  it('a URL over maxUrlBytes is refused by the "front end" with 431 (or 414), HTML, before the token or the method', async () => {
    const rid = await asset('long.mp4');
    const long = 'x'.repeat(9_000);
    const refused = await call(sandbox.cincopa, 'asset.set_meta', { rid, description: long });
    expect(refused.status).toBe(431);
    expect(refused.body.text).toMatch(/<html>.*431/);
    expect(stored(rid).description).toBe('');
    expect((await call(sandbox.cincopa, 'ping', { pad: long }, { token: 'wrong' })).status).toBe(431);
    sandbox.cincopa.configure({ urlTooLongStatus: 414, maxUrlBytes: 2048 });
    expect((await call(sandbox.cincopa, 'asset.set_meta', { rid, description: 'y'.repeat(2_100) })).status).toBe(414);
    // Just under the limit is fine.
    const fits = 2048 - `/v2/asset.set_meta.json?api_token=${sandbox.cincopa.apiToken}&rid=${rid}&description=`.length;
    await ok(sandbox.cincopa, 'asset.set_meta', { rid, description: 'z'.repeat(fits) });
    expect(stored(rid).description).toHaveLength(fits);
    const entry = sandbox.journal.entries({ route: 'asset.set_meta' }).find((candidate) => candidate.status === 414)!;
    expect(entry.params).toEqual({ url_bytes: expect.stringMatching(/^\d+$/) }); // the journal keeps no 2 KB values
  });

  it('a 1 MB description by GET is refused (not a crash); by POST form it fits, a larger body answers 413', async () => {
    const rid = await asset('huge.mp4');
    expect((await call(sandbox.cincopa, 'asset.set_meta', { rid, description: 'd'.repeat(1_000_000) })).status).toBe(431);
    await call(sandbox.cincopa, 'asset.set_meta', { rid, description: 'd'.repeat(500_000) }, { post: 'form' });
    expect(stored(rid).description).toHaveLength(500_000);
    const tooBig = await call(sandbox.cincopa, 'asset.set_meta', { rid, description: 'd'.repeat(1_100_000) }, { post: 'form' });
    expect(tooBig.status).toBe(413);
  });
});
