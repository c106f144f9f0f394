// The Cintoo emulator's awkward parts, against a real Azurite: rotating single-use refresh
// tokens, expiring JWTs, URN ids, the error shape, sign/upload/register with the storage
// checks, SAS expiry, block uploads, and the clean-up of unregistered blobs.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

let sandbox: Sandbox;
let cintoo: NonNullable<Sandbox['cintoo']>;
let token: string;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cintoo'], cintoo: { cleanupUnregisteredAfterMs: 400 } });
  cintoo = sandbox.cintoo!;
  token = cintoo.accessToken;
});
afterAll(async () => {
  await sandbox?.close();
});

const api = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${cintoo.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
const projectPath = (): string => `/api/2/accounts/${cintoo.accountId}/projects/${cintoo.projectId}`;
const md5Hex = (data: Buffer): string => createHash('md5').update(data).digest('hex');
const declare = (name: string, data: Buffer): { name: string; extension: string; size: number; md5: string } => ({ name, extension: name.split('.').pop()!, size: data.length, md5: md5Hex(data) });

async function refresh(refreshToken: string): Promise<Response> {
  return fetch(`${cintoo.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }) });
}

describe('Cintoo sandbox: auth', () => {
  it('rotates refresh tokens and refuses a used one with 401', async () => {
    const first = await refresh(cintoo.refreshToken);
    expect(first.status).toBe(200);
    const pair = (await first.json()) as { access_token: string; refresh_token: string; token_type: string; expires_in: number };
    expect(pair.token_type).toBe('Bearer');
    expect(pair.refresh_token).not.toBe(cintoo.refreshToken);
    expect(pair.access_token.split('.')).toHaveLength(3);
    const reused = await refresh(cintoo.refreshToken);
    expect(reused.status).toBe(401);
    expect(await reused.json()).toEqual({ status: 401, title: 'Unauthorized', errorCode: 'unauthorized' });
    expect((await refresh(pair.refresh_token)).status).toBe(200);
    token = pair.access_token;
    expect((await api('/api/isLogged')).status).toBe(200);
  });

  it('rejects a missing or forged access token with the error shape', async () => {
    const response = await fetch(`${cintoo.url}/api/2/accounts`, { headers: { authorization: `Bearer ${token.slice(0, -3)}abc` } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errorCode: string }).errorCode).toBe('unauthorized');
  });

  it('expires access tokens after their lifetime', async () => {
    const short = await startSandbox({ services: ['cintoo'], cintoo: { accessTokenTtlSec: 1 } });
    try {
      const headers = { authorization: `Bearer ${short.cintoo!.accessToken}` };
      expect((await fetch(`${short.cintoo!.url}/api/isLogged`, { headers })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await fetch(`${short.cintoo!.url}/api/isLogged`, { headers })).status).toBe(401);
    } finally {
      await short.close();
    }
  });
});

describe('Cintoo sandbox: resources', () => {
  it('lists with URN ids as bare arrays, and accepts URNs or raw ids', async () => {
    const accounts = (await (await api('/api/2/accounts')).json()) as { id: string }[];
    expect(Array.isArray(accounts)).toBe(true);
    expect(accounts[0]!.id).toMatch(/^urn:cintoo:account:[0-9a-f-]{36}$/);
    const raw = cintoo.accountId.split(':').pop()!;
    const projects = (await (await api(`/api/2/accounts/${raw}/projects?countScans=false`)).json()) as { id: string; rootWorkzoneId: string }[];
    expect(projects[0]!.id).toBe(cintoo.projectId);
    const created = await api(`${projectPath()}/workzones`, { method: 'POST', body: JSON.stringify({ name: 'Level 1', parentWorkzoneId: cintoo.rootWorkzoneId }) });
    expect(created.status).toBe(201);
    const twin = await api(`${projectPath()}/workzones`, { method: 'POST', body: JSON.stringify({ name: 'Level 1', parentWorkzoneId: cintoo.rootWorkzoneId }) });
    expect(twin.status).toBe(201); // sibling names are not unique: clients must look first
    const zones = (await (await api(`${projectPath()}/workzones`)).json()) as { name: string; parentId: string | null }[];
    expect(zones.filter((zone) => zone.name === 'Level 1')).toHaveLength(2);
    const missing = await api(`${projectPath()}/workzones/urn:cintoo:workzone:00000000-0000-0000-0000-000000000000/bulk-files`, { method: 'POST', body: '[]' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errorCode: string }).errorCode).toBe('workzone-not-found');
  });

  it('publishes formats, some not uploadable', async () => {
    const formats = (await (await api('/api/2/values/formats')).json()) as { extension: string; canBeUploaded: boolean }[];
    expect(formats.find((format) => format.extension === 'e57')?.canBeUploaded).toBe(true);
    expect(formats.some((format) => !format.canBeUploaded)).toBe(true);
  });
});

describe('Cintoo sandbox: bulk files', () => {
  const bulk = (): string => `${projectPath()}/workzones/${cintoo.rootWorkzoneId}/bulk-files`;

  it('validates declared files before signing', async () => {
    const data = Buffer.from('x');
    for (const [entry, field] of [
      [{ ...declare('a.e57', data), md5: 'NOT-A-MD5' }, 'md5'],
      [declare('a.xyz', data), 'extension'],
      [declare('a.zfs', data), 'extension'],
      [{ ...declare('a.e57', data), size: 0 }, 'size'],
      [{ ...declare('a.e57', data), name: 'a.las' }, 'name'],
    ] as const) {
      const response = await api(bulk(), { method: 'POST', body: JSON.stringify([declare('ok.e57', data), entry]) });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ status: 400, errorCode: 'invalid-input', errorValues: { index: 1, field } });
    }
  });

  it('signs, accepts a Put Blob with Content-MD5, registers, and lists the file', async () => {
    const data = Buffer.from('point cloud bytes '.repeat(100));
    const signed = (await (await api(bulk(), { method: 'POST', body: JSON.stringify([declare('scan-1.e57', data)]) })).json()) as { provider: string; expiresIn: number; files: { url: string; blobName: string }[] };
    expect(signed.provider).toBe('azure');
    const put = await fetch(signed.files[0]!.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob', 'content-md5': createHash('md5').update(data).digest('base64'), 'cache-control': 'max-age=2592000' }, body: data });
    expect(put.status).toBe(201);
    const registered = await api(bulk(), { method: 'PUT', body: JSON.stringify([{ ...declare('scan-1.e57', data), blobName: signed.files[0]!.blobName }]) });
    expect(registered.status).toBe(200);
    const [file] = (await registered.json()) as { id: string }[];
    expect(file!.id).toMatch(/^urn:cintoo:file:/);
    const again = (await (await api(bulk(), { method: 'PUT', body: JSON.stringify([{ ...declare('scan-1.e57', data), blobName: signed.files[0]!.blobName }]) })).json()) as { id: string }[];
    expect(again[0]!.id).toBe(file!.id); // registering twice makes no twin
    const files = (await (await api(`${projectPath()}/files?category=scan`)).json()) as { id: string; size: number; md5: string; workzoneId: string }[];
    expect(files.filter((listed) => listed.id === file!.id)).toEqual([expect.objectContaining({ size: data.length, md5: md5Hex(data), workzoneId: cintoo.rootWorkzoneId })]);
  });

  it('takes a big file as blocks and a block list with the whole-file MD5', async () => {
    const data = Buffer.alloc(300_000, 7);
    const signed = (await (await api(bulk(), { method: 'POST', body: JSON.stringify([declare('big.las', data)]) })).json()) as { files: { url: string; blobName: string }[] };
    const url = signed.files[0]!.url;
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const id = Buffer.from(`block-${String(index).padStart(6, '0')}`).toString('base64');
      ids.push(id);
      const piece = data.subarray(index * 100_000, (index + 1) * 100_000);
      const response = await fetch(`${url}&comp=block&blockid=${encodeURIComponent(id)}`, { method: 'PUT', headers: { 'content-md5': createHash('md5').update(piece).digest('base64') }, body: piece });
      expect(response.status).toBe(201);
    }
    const early = await api(bulk(), { method: 'PUT', body: JSON.stringify([{ ...declare('big.las', data), blobName: signed.files[0]!.blobName }]) });
    expect(early.status).toBe(400); // blocks not committed yet: nothing to register
    const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
    const commit = await fetch(`${url}&comp=blocklist`, { method: 'PUT', headers: { 'x-ms-blob-content-md5': createHash('md5').update(data).digest('base64') }, body: list });
    expect(commit.status).toBe(201);
    const registered = await api(bulk(), { method: 'PUT', body: JSON.stringify([declare('big.las', data)]) }); // matched without blobName
    expect(registered.status).toBe(200);
  });

  it('refuses a register whose blob differs from the declaration', async () => {
    const data = Buffer.from('declared');
    const signed = (await (await api(bulk(), { method: 'POST', body: JSON.stringify([declare('m.e57', data)]) })).json()) as { files: { url: string; blobName: string }[] };
    await fetch(signed.files[0]!.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: Buffer.from('different bytes') });
    const response = await api(bulk(), { method: 'PUT', body: JSON.stringify([{ ...declare('m.e57', data), blobName: signed.files[0]!.blobName }]) });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { errorCode: string }).errorCode).toBe('blob-mismatch');
  });

  it('has Azurite refuse an expired SAS (403) and a wrong Content-MD5 (400)', async () => {
    const data = Buffer.from('late');
    sandbox.faults.add({ service: 'cintoo', route: 'POST bulk-files', kind: 'expired-url', times: 1 });
    const expired = (await (await api(bulk(), { method: 'POST', body: JSON.stringify([declare('late.e57', data)]) })).json()) as { files: { url: string }[] };
    expect((await fetch(expired.files[0]!.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: data })).status).toBe(403);
    const fresh = (await (await api(bulk(), { method: 'POST', body: JSON.stringify([declare('late.e57', data)]) })).json()) as { files: { url: string }[] };
    const wrongMd5 = await fetch(fresh.files[0]!.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob', 'content-md5': Buffer.alloc(16).toString('base64') }, body: data });
    expect(wrongMd5.status).toBe(400);
    const forged = fresh.files[0]!.url.replace(/sig=[^&]+/, 'sig=Zm9yZ2Vk');
    expect((await fetch(forged, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: data })).status).toBe(403);
  });

  it('deletes unregistered blobs after the configured age', async () => {
    const data = Buffer.from('abandoned');
    const signed = (await (await api(bulk(), { method: 'POST', body: JSON.stringify([declare('gone.e57', data)]) })).json()) as { files: { url: string; blobName: string }[] };
    await fetch(signed.files[0]!.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: data });
    expect(sandbox.inventory().cintoo!.blobs.some((blob) => blob.blobName === signed.files[0]!.blobName)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sandbox.inventory().cintoo!.blobs.some((blob) => blob.blobName === signed.files[0]!.blobName)).toBe(false);
    const late = await api(bulk(), { method: 'PUT', body: JSON.stringify([{ ...declare('gone.e57', data), blobName: signed.files[0]!.blobName }]) });
    expect(late.status).toBe(400);
  });

  it('answers 429 with Retry-After when told to, and journals without secrets', async () => {
    sandbox.faults.add({ service: 'cintoo', route: 'GET accounts', kind: 'rate-limit', retryAfterSec: 7, times: 1 });
    const limited = await api('/api/2/accounts');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await api('/api/2/accounts')).status).toBe(200);
    expect(JSON.stringify(sandbox.journal.entries({ service: 'cintoo' }))).not.toContain(token);
  });
});
