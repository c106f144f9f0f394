// The Cintoo emulator's awkward parts that match the provider's OpenAPI document: rotating
// single-use refresh tokens that expire and are capped per user, expiring JWTs, URN ids with type
// checks, the RFC 9457 error shape, deleted projects and work zones in the lists, the required
// parent on work-zone create, the case-sensitive category filter, integer format ids.

import { startSandbox } from '../../src/sandbox/index.ts';
import { describe, expect, it } from 'vitest';
import { CintooClient, useCintooLab, refresh, waitFor } from '../helpers/cintoo.ts';

const lab = useCintooLab();

describe('Cintoo sandbox: auth', () => {
  it('rotates refresh tokens and refuses a used one with 401', async () => {
    const first = await refresh(lab.cintoo, lab.cintoo.refreshToken);
    expect(first.status).toBe(200);
    const pair = (await first.json()) as { access_token: string; refresh_token: string; token_type: string; expires_in: number; user_id: string };
    expect(pair).toMatchObject({ token_type: 'Bearer', expires_in: 10_800 });
    expect(pair.refresh_token).not.toBe(lab.cintoo.refreshToken);
    expect(pair.access_token.split('.')).toHaveLength(3);
    const reused = await refresh(lab.cintoo, lab.cintoo.refreshToken);
    expect(reused.status).toBe(401);
    expect(await reused.json()).toMatchObject({ status: 401, title: 'Unauthorized', errorCode: 'unauthorized' });
    expect((await refresh(lab.cintoo, pair.refresh_token)).status).toBe(200);
    const fresh = new CintooClient(lab.cintoo, pair.access_token);
    expect((await fresh.api('/api/isLogged')).status).toBe(200);
  });

  it('rejects a missing or forged access token with the error shape', async () => {
    const forged = new CintooClient(lab.cintoo, `${lab.cintoo.accessToken.slice(0, -3)}abc`);
    const response = await forged.api('/api/2/accounts');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ status: 401, title: 'Unauthorized', errorCode: 'unauthorized' });
    expect((await fetch(`${lab.cintoo.url}/api/isLogged`)).status).toBe(401);
  });

  it('answers 401 unauthorized mid-run when an auth fault says the access token expired', async () => {
    lab.sandbox.faults.add({ service: 'cintoo', route: 'PUT bulk-files', kind: 'auth', times: 1 });
    const refused = await lab.client.register([]);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ status: 401, title: 'Unauthorized', errorCode: 'unauthorized' });
    expect((await lab.client.register([])).status).toBe(400); // the fault is spent: back to the real check
  });

  it('expires access tokens after their lifetime (configurable down to seconds)', async () => {
    const short = await startSandbox({ services: ['cintoo'], cintoo: { accessTokenTtlSec: 3 } });
    try {
      // A fresh pair: the one made at start may have aged while a loaded machine started Azurite.
      // exp = floor(iat) + ttl, as JWT libraries do, so it lives between 2 and 3 s.
      const pair = short.cintoo!.login();
      expect(pair.expires_in).toBe(3);
      const shortClient = new CintooClient(short.cintoo!, pair.access_token);
      expect((await shortClient.api('/api/isLogged')).status).toBe(200);
      await waitFor(async () => (await shortClient.api('/api/isLogged')).status === 401, 6_000, 'the access token to expire');
    } finally {
      await short.close();
    }
  });

  it('expires refresh tokens after refreshTokenTtlSec (21 days by default)', async () => {
    expect(lab.cintoo.settings.refreshTokenTtlSec).toBe(21 * 24 * 3600);
    const short = await startSandbox({ services: ['cintoo'], cintoo: { refreshTokenTtlSec: 3 } });
    try {
      const issuedAt = Date.now();
      const [early, late] = [short.cintoo!.login(), short.cintoo!.login()];
      expect((await refresh(short.cintoo!, early.refresh_token)).status).toBe(200);
      // A refresh consumes the token, so wait on the clock rather than by trying `late`.
      await waitFor(() => Date.now() > issuedAt + 3_100, 5_000, 'the refresh token lifetime to pass');
      expect((await refresh(short.cintoo!, late.refresh_token)).status).toBe(401);
    } finally {
      await short.close();
    }
  });

  it('keeps at most 10 refresh tokens valid per user: the 11th pushes out the oldest', async () => {
    const pairs = Array.from({ length: 11 }, () => lab.cintoo.login());
    expect((await refresh(lab.cintoo, pairs[0]!.refresh_token)).status).toBe(401); // pushed out
    const second = await refresh(lab.cintoo, pairs[1]!.refresh_token); // still valid; its successor takes its place
    expect(second.status).toBe(200);
    expect((await refresh(lab.cintoo, pairs[10]!.refresh_token)).status).toBe(200);
  });
});

describe('Cintoo sandbox: references', () => {
  it('answers with URNs in bare arrays, and accepts URNs or raw ids', async () => {
    const accounts = (await (await lab.client.api('/api/2/accounts')).json()) as { id: string; api1Id: string }[];
    expect(accounts[0]!.id).toMatch(/^urn:cintoo:account:[0-9a-f-]{36}$/);
    expect(accounts[0]!.id).toBe(`urn:cintoo:account:${accounts[0]!.api1Id}`);
    const projects = (await (await lab.client.api(`/api/2/accounts/${accounts[0]!.api1Id}/projects`)).json()) as { id: string }[];
    expect(projects.map((project) => project.id)).toContain(lab.cintoo.projectId);
  });

  it('refuses a URN of the wrong type with 400 invalid-<type>-urn', async () => {
    const wrongZone = await lab.client.api(`${lab.client.projectPath}/workzones/${lab.cintoo.projectId}/bulk-files`, { method: 'POST', body: '[]' });
    expect(wrongZone.status).toBe(400);
    expect(await wrongZone.json()).toMatchObject({ status: 400, title: 'Bad Request', errorCode: 'invalid-workzone-urn', detail: expect.stringMatching(/Expected a 'workzone', found a 'project'/) });
    const wrongProject = await lab.client.api(`/api/2/accounts/${lab.cintoo.accountId}/projects/${lab.cintoo.rootWorkzoneId}/workzones`);
    expect(((await wrongProject.json()) as { errorCode: string }).errorCode).toBe('invalid-project-urn');
    const wrongAccount = await lab.client.api(`/api/2/accounts/${lab.cintoo.projectId}/projects`);
    expect(((await wrongAccount.json()) as { errorCode: string }).errorCode).toBe('invalid-account-urn');
    const wrongParent = await lab.client.api(`${lab.client.projectPath}/workzones`, { method: 'POST', body: JSON.stringify({ name: 'X', parentWorkzoneId: lab.cintoo.projectId }) });
    expect(((await wrongParent.json()) as { errorCode: string }).errorCode).toBe('invalid-workzone-urn');
  });

  it('answers 404 <type>-not-found for a well-formed reference to nothing', async () => {
    const missing = await lab.client.api(`${lab.client.projectPath}/workzones/urn:cintoo:workzone:00000000-0000-4000-8000-000000000000/bulk-files`, { method: 'POST', body: '[]' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 404, title: 'Not Found', errorCode: 'workzone-not-found', errorValues: { workzoneId: 'urn:cintoo:workzone:00000000-0000-4000-8000-000000000000' } });
    expect(((await (await lab.client.api('/api/2/accounts/00000000-0000-4000-8000-000000000000/projects')).json()) as { errorCode: string }).errorCode).toBe('account-not-found');
  });
});

describe('Cintoo sandbox: projects and work zones', () => {
  it('lists deleted projects too, and statsInfo only when counts are asked for', async () => {
    const projects = (await (await lab.client.api(`/api/2/accounts/${lab.cintoo.accountId}/projects?countScans=false&countTags=false&countWorkzones=false`)).json()) as { id: string; name: string; statsInfo: unknown; modificationInfo: { isDeleted: boolean } }[];
    const live = projects.find((project) => project.id === lab.cintoo.projectId)!;
    const deleted = projects.filter((project) => project.modificationInfo.isDeleted);
    expect(deleted.length).toBeGreaterThanOrEqual(1);
    expect(deleted.some((project) => project.name === live.name)).toBe(true); // same name: choose by id, skip deleted
    expect(projects.every((project) => project.statsInfo === null)).toBe(true);
    const counted = (await (await lab.client.api(`${lab.client.projectPath}?countTags=false`)).json()) as { statsInfo: Record<string, number> };
    expect(Object.keys(counted.statsInfo).sort()).toEqual(['scanCount', 'scanSize', 'workzoneCount']);
  });

  it('refuses changes in a deleted project with 403 deleted-project', async () => {
    const deleted = [...lab.cintoo.state.projects.values()].find((project) => project.isDeleted)!;
    const path = `/api/2/accounts/${lab.cintoo.accountId}/projects/urn:cintoo:project:${deleted.id}`;
    const response = await lab.client.api(`${path}/workzones/${deleted.rootWorkzoneId}/bulk-files`, { method: 'POST', body: '[]' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ status: 403, title: 'Forbidden', errorCode: 'deleted-project' });
  });

  it('lists work zones flat, with the deleted one, typed and with their project', async () => {
    const zones = (await (await lab.client.api(`${lab.client.projectPath}/workzones`)).json()) as { id: string; type: string; name: string; parentId: string | null; projectId: string; modificationInfo: { isDeleted: boolean } }[];
    expect(zones.every((zone) => zone.type === 'workzone' && zone.projectId === lab.cintoo.projectId)).toBe(true);
    expect(zones.find((zone) => zone.parentId === null)!.id).toBe(lab.cintoo.rootWorkzoneId);
    const deletedSiteA = zones.find((zone) => zone.name === 'Site A' && zone.modificationInfo.isDeleted)!;
    expect(deletedSiteA).toBeDefined();
    const upload = await lab.client.api(lab.client.bulkPath(deletedSiteA.id), { method: 'POST', body: '[]' });
    expect(upload.status).toBe(403);
    expect(((await upload.json()) as { errorCode: string }).errorCode).toBe('deleted-workzone');
  });

  it('requires parentWorkzoneId on create, and lets sibling names repeat', async () => {
    const orphan = await lab.client.api(`${lab.client.projectPath}/workzones`, { method: 'POST', body: JSON.stringify({ name: 'Level 1' }) });
    expect(orphan.status).toBe(400);
    expect(await orphan.json()).toMatchObject({ errorCode: 'invalid-input', errorValues: { field: 'parentWorkzoneId' } });
    const first = await lab.client.createWorkzone('Level 1');
    const twin = await lab.client.createWorkzone('Level 1');
    expect(twin.id).not.toBe(first.id); // sibling names are not unique: clients must look first
    const child = (await (await lab.client.api(`${lab.client.projectPath}/workzones`, { method: 'POST', body: JSON.stringify({ name: 'Room 2', parentWorkzoneId: first.id.split(':').pop() }) })).json()) as { parentId: string; rootWorkzoneId: string };
    expect(child).toMatchObject({ parentId: first.id, rootWorkzoneId: lab.cintoo.rootWorkzoneId });
    expect(lab.sandbox.inventory().cintoo!.workzones.find((zone) => zone.name === 'Room 2')!.path).toBe('Level 1/Room 2');
  });
});

describe('Cintoo sandbox: formats and files', () => {
  it('publishes formats with integer ids and categories, some not uploadable', async () => {
    const formats = (await (await lab.client.api('/api/2/values/formats')).json()) as { id: number; extension: string; canBeUploaded: boolean; categoryName: string }[];
    expect(formats.every((format) => Number.isInteger(format.id))).toBe(true);
    expect(formats.find((format) => format.extension === 'e57')).toMatchObject({ canBeUploaded: true, categoryName: 'scan' });
    expect(formats.find((format) => format.extension === 'jpg')!.categoryName).toBe('media');
    expect(formats.some((format) => !format.canBeUploaded)).toBe(true);
  });

  it('filters files by case-sensitive category: unknown → 400, empty → []', async () => {
    expect(await (await lab.client.api(`${lab.client.projectPath}/files?category=`)).json()).toEqual([]);
    for (const bad of ['image', 'Scan', 'scan,bogus']) {
      const response = await lab.client.api(`${lab.client.projectPath}/files?category=${bad}`);
      expect(response.status, bad).toBe(400);
      expect(await response.json()).toMatchObject({ status: 400, errorCode: 'invalid-input' });
    }
    expect((await lab.client.api(`${lab.client.projectPath}/files?category=scan,geoImage,modelReport`)).status).toBe(200);
  });

  it('answers 429 with Retry-After when told to, and journals without secrets', async () => {
    lab.sandbox.faults.add({ service: 'cintoo', route: 'GET accounts', kind: 'rate-limit', retryAfterSec: 7, times: 1 });
    const limited = await lab.client.api('/api/2/accounts');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect((await lab.client.api('/api/2/accounts')).status).toBe(200);
    expect(JSON.stringify(lab.sandbox.journal.entries({ service: 'cintoo' }))).not.toContain(lab.client.token);
  });
});
