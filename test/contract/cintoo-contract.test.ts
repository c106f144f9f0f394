// Contract: every Cintoo answer the client uses, from the sandbox, checked against schemas written
// from the provider's OpenAPI document (cintoo-schemas.ts) — success answers and the error answers
// (400, 401, 403, 404, and the injected 429/503). If the sandbox drifts from the document, this
// fails before a client learns the wrong shape from it.

import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CintooClient, useCintooLab, declare, putBlob, refresh, seededBytes } from '../helpers/cintoo.ts';
import {
  DOCUMENTED_ERROR_CODES,
  accountSchema,
  bulkFileEntrySchema,
  errorSchema,
  fileSchema,
  formatSchema,
  isLoggedSchema,
  projectSchema,
  registerResponseSchema,
  signResponseSchema,
  tokenSchema,
  workzoneSchema,
} from './cintoo-schemas.ts';

/** Error codes the sandbox uses where the document has no specific one (register's storage checks). */
const SANDBOX_ONLY_ERROR_CODES = new Set(['blob-not-found', 'blob-mismatch']);

const lab = useCintooLab();

async function expectShape<T extends z.ZodType>(response: Response, status: number, schema: T): Promise<z.output<T>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const parsed = schema.safeParse(await response.json());
  if (!parsed.success) throw new Error(`${response.url}: ${JSON.stringify(parsed.error.issues, null, 2)}`);
  return parsed.data;
}

async function expectError(response: Response, status: number, errorCode?: string): Promise<void> {
  const body = await expectShape(response, status, errorSchema);
  expect(body.status).toBe(status); // the body repeats the HTTP status
  if (errorCode) expect(body.errorCode).toBe(errorCode);
  if (body.errorCode && !SANDBOX_ONLY_ERROR_CODES.has(body.errorCode)) expect(body.errorCode).toMatch(DOCUMENTED_ERROR_CODES[status] ?? /^$/);
}

describe('Cintoo contract: success answers', () => {
  it('token refresh and isLogged', async () => {
    const pair = await expectShape(await refresh(lab.cintoo, lab.cintoo.login().refresh_token), 200, tokenSchema);
    expect(pair.expires_in).toBe(10_800);
    await expectShape(await lab.client.api('/api/isLogged'), 200, isLoggedSchema);
  });

  it('accounts, one account, projects (with and without counts), one project', async () => {
    const accounts = await expectShape(await lab.client.api('/api/2/accounts'), 200, accountSchema.array());
    await expectShape(await lab.client.api(`/api/2/accounts/${accounts[0]!.id}`), 200, accountSchema);
    const quiet = await expectShape(await lab.client.api(`/api/2/accounts/${lab.cintoo.accountId}/projects?countScans=false&countTags=false&countWorkzones=false`), 200, projectSchema.array());
    expect(quiet.map((project) => project.statsInfo)).toEqual(quiet.map(() => null));
    expect(quiet.some((project) => project.modificationInfo.isDeleted)).toBe(true);
    await expectShape(await lab.client.api(`/api/2/accounts/${lab.cintoo.accountId}/projects`), 200, projectSchema.array());
    await expectShape(await lab.client.api(lab.client.projectPath), 200, projectSchema);
  });

  it('work zones: list and create', async () => {
    const zones = await expectShape(await lab.client.api(`${lab.client.projectPath}/workzones`), 200, workzoneSchema.array());
    expect(zones.some((zone) => zone.modificationInfo.isDeleted)).toBe(true);
    await expectShape(await lab.client.api(`${lab.client.projectPath}/workzones`, { method: 'POST', body: JSON.stringify({ name: 'Contract', parentWorkzoneId: lab.cintoo.rootWorkzoneId, description: 'made by the contract test' }) }), 201, workzoneSchema);
  });

  it('formats', async () => {
    const formats = await expectShape(await lab.client.api('/api/2/values/formats'), 200, formatSchema.array());
    expect(formats.length).toBeGreaterThan(10);
  });

  it('bulk-files sign and register, then the files list', async () => {
    const files = ['contract-1.e57', 'contract-2.pdf', 'contract-3.png'].map((name, index) => ({ name, data: seededBytes(3_000 + index, 77 + index) }));
    const entries = files.map(({ name, data }) => bulkFileEntrySchema.parse({ ...declare(name, data), isAttachment: false }));
    const signed = await expectShape(await lab.client.api(lab.client.bulkPath(), { method: 'POST', body: JSON.stringify(entries) }), 200, signResponseSchema);
    for (const [index, file] of signed.files.entries()) expect((await putBlob(file.url, files[index]!.data)).status).toBe(201);
    const registered = await expectShape(await lab.client.register(entries), 200, registerResponseSchema);
    expect(registered.map((file) => file.name)).toEqual(entries.map((entry) => entry.name));
    const listed = await expectShape(await lab.client.api(`${lab.client.projectPath}/files`), 200, fileSchema.array());
    expect(listed.map((file) => file.type).sort()).toEqual(['document', 'media', 'scan']);
    await expectShape(await lab.client.api(`${lab.client.projectPath}/files?category=scan,media`), 200, fileSchema.array());
    const download = await lab.client.api(new URL(listed[0]!.url).pathname);
    expect(download.status).toBe(302);
    expect(download.headers.get('location')).toMatch(/^http:\/\//);
  });
});

describe('Cintoo contract: the schemas catch the old sandbox shapes', () => {
  it('refuses a file with md5/category/creationDate and a "fmt-N" formatId, and a string format id', async () => {
    const [file] = (await (await lab.client.api(`${lab.client.projectPath}/files`)).json()) as Record<string, unknown>[];
    expect(fileSchema.safeParse(file).success).toBe(true);
    for (const [key, value] of [['md5', '0'.repeat(32)], ['category', 'scan'], ['creationDate', '2026-01-01T00:00:00Z'], ['formatId', 'fmt-1'], ['type', 'image']] as const) {
      expect(fileSchema.safeParse({ ...file, [key]: value }).success, key).toBe(false);
    }
    const [format] = (await (await lab.client.api('/api/2/values/formats')).json()) as Record<string, unknown>[];
    expect(formatSchema.safeParse({ ...format, id: 'fmt-1' }).success).toBe(false);
    const [zone] = (await (await lab.client.api(`${lab.client.projectPath}/workzones`)).json()) as Record<string, unknown>[];
    const { type: _type, ...untyped } = zone!;
    expect(workzoneSchema.safeParse(untyped).success).toBe(false);
  });
});

describe('Cintoo contract: error answers', () => {
  it('400: invalid input, a URN of the wrong type, an unknown category, a bad declaration', async () => {
    await expectError(await lab.client.api(`${lab.client.projectPath}/workzones`, { method: 'POST', body: JSON.stringify({ name: 'No parent' }) }), 400, 'invalid-input');
    await expectError(await lab.client.api(`${lab.client.projectPath}/workzones/${lab.cintoo.projectId}/bulk-files`, { method: 'POST', body: '[]' }), 400, 'invalid-workzone-urn');
    await expectError(await lab.client.api(`${lab.client.projectPath}/files?category=image`), 400, 'invalid-input');
    await expectError(await lab.client.api(lab.client.bulkPath(), { method: 'POST', body: JSON.stringify([{ name: 'x.e57', extension: 'e57', size: 1, md5: 'nope' }]) }), 400, 'invalid-input');
    await expectError(await lab.client.register([declare('never-signed.e57', Buffer.from('x'))]), 400, 'blob-not-found');
  });

  it('401: no token, a forged token, a used refresh token', async () => {
    await expectError(await fetch(`${lab.cintoo.url}/api/2/accounts`), 401, 'unauthorized');
    await expectError(await new CintooClient(lab.cintoo, 'a.b.c').api('/api/isLogged'), 401, 'unauthorized');
    const pair = lab.cintoo.login();
    expect((await refresh(lab.cintoo, pair.refresh_token)).status).toBe(200);
    await expectError(await refresh(lab.cintoo, pair.refresh_token), 401, 'unauthorized');
  });

  it('403: a deleted work zone, a deleted project', async () => {
    const deletedZone = [...lab.cintoo.state.workzones.values()].find((zone) => zone.isDeleted)!;
    await expectError(await lab.client.api(lab.client.bulkPath(deletedZone.id), { method: 'POST', body: JSON.stringify([declare('x.e57', Buffer.from('x'))]) }), 403, 'deleted-workzone');
    const deletedProject = [...lab.cintoo.state.projects.values()].find((project) => project.isDeleted)!;
    await expectError(await lab.client.api(`/api/2/accounts/${lab.cintoo.accountId}/projects/${deletedProject.id}/workzones`, { method: 'POST', body: JSON.stringify({ name: 'X', parentWorkzoneId: deletedProject.rootWorkzoneId }) }), 403, 'deleted-project');
  });

  it('404: an unknown account, project, work zone, and route', async () => {
    const nobody = '00000000-0000-4000-8000-000000000000';
    await expectError(await lab.client.api(`/api/2/accounts/${nobody}/projects`), 404, 'account-not-found');
    await expectError(await lab.client.api(`/api/2/accounts/${lab.cintoo.accountId}/projects/${nobody}/workzones`), 404, 'project-not-found');
    await expectError(await lab.client.api(lab.client.bulkPath(`urn:cintoo:workzone:${nobody}`), { method: 'POST', body: '[]' }), 404, 'workzone-not-found');
    await expectError(await lab.client.api('/api/2/nothing-here'), 404);
  });

  it('injected 429 and 503 keep the error shape', async () => {
    lab.sandbox.faults.add({ service: 'cintoo', route: 'GET files', kind: 'rate-limit', retryAfterSec: 2, times: 1 });
    lab.sandbox.faults.add({ service: 'cintoo', route: 'GET files', kind: 'status', status: 503, after: 1, times: 1 });
    await expectError(await lab.client.api(`${lab.client.projectPath}/files`), 429);
    await expectError(await lab.client.api(`${lab.client.projectPath}/files`), 503);
  });
});
