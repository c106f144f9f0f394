// Talking to the Cintoo emulator the way the tests need: authenticated API calls, declarations
// of files for bulk-files, storage PUTs with the headers Cintoo asks for, and seeded bytes.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { cintooSettingsSchema } from '../../src/sandbox/cintoo/options.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

export type CintooHandle = NonNullable<Sandbox['cintoo']>;

export interface Declared {
  name: string;
  extension: string;
  size: number;
  md5: string;
}

export interface SignAnswer {
  provider: string;
  expiresIn: number;
  files: (Declared & { url: string; blobName: string })[];
}

export const md5Hex = (data: Buffer): string => createHash('md5').update(data).digest('hex');
export const md5Base64 = (data: Buffer): string => createHash('md5').update(data).digest('base64');

export const declare = (name: string, data: Buffer): Declared => ({ name, extension: name.split('.').pop()!, size: data.length, md5: md5Hex(data) });

/** A client of one emulator; `token` can be swapped (e.g. after a refresh). */
export class CintooClient {
  token: string;
  readonly cintoo: CintooHandle;

  constructor(cintoo: CintooHandle, token = cintoo.accessToken) {
    this.cintoo = cintoo;
    this.token = token;
  }

  api(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.cintoo.url}${path}`, { redirect: 'manual', ...init, headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  }

  get projectPath(): string {
    return `/api/2/accounts/${this.cintoo.accountId}/projects/${this.cintoo.projectId}`;
  }

  bulkPath(workzoneId = this.cintoo.rootWorkzoneId): string {
    return `${this.projectPath}/workzones/${workzoneId}/bulk-files`;
  }

  async sign(files: Declared[], workzoneId?: string): Promise<SignAnswer> {
    const response = await this.api(this.bulkPath(workzoneId), { method: 'POST', body: JSON.stringify(files) });
    if (response.status !== 200) throw new Error(`sign answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as SignAnswer;
  }

  register(files: object[], workzoneId?: string, signal?: AbortSignal): Promise<Response> {
    return this.api(this.bulkPath(workzoneId), { method: 'PUT', body: JSON.stringify(files), ...(signal ? { signal } : {}) });
  }

  async createWorkzone(name: string, parentWorkzoneId = this.cintoo.rootWorkzoneId): Promise<{ id: string }> {
    const response = await this.api(`${this.projectPath}/workzones`, { method: 'POST', body: JSON.stringify({ name, parentWorkzoneId }) });
    if (response.status !== 201) throw new Error(`create work zone answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { id: string };
  }
}

export function refresh(cintoo: CintooHandle, refreshToken: string): Promise<Response> {
  return fetch(`${cintoo.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }) });
}

/** Put Blob with the headers Cintoo's tutorial lists. */
export function putBlob(url: string, data: Buffer): Promise<Response> {
  return fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob', 'content-md5': md5Base64(data), 'cache-control': 'max-age=2592000' }, body: data });
}

export const blockId = (index: number): string => Buffer.from(`block-${String(index).padStart(6, '0')}`).toString('base64');

export function putBlock(url: string, index: number, data: Buffer): Promise<Response> {
  return fetch(`${url}&comp=block&blockid=${encodeURIComponent(blockId(index))}`, { method: 'PUT', headers: { 'content-md5': md5Base64(data) }, body: data });
}

export function putBlockList(url: string, count: number, whole: Buffer): Promise<Response> {
  const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${Array.from({ length: count }, (_, index) => `<Latest>${blockId(index)}</Latest>`).join('')}</BlockList>`;
  return fetch(`${url}&comp=blocklist`, { method: 'PUT', headers: { 'x-ms-blob-content-md5': md5Base64(whole) }, body: list });
}

/** Deterministic pseudo-random bytes (xorshift32), so a failing test can be replayed from its seed. */
export function seededBytes(size: number, seed: number): Buffer {
  const data = Buffer.alloc(size);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < size; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[index] = state & 0xff;
  }
  return data;
}

/** Polls `check` until it returns true (or throws after `timeoutMs`): a condition wait, not a sleep. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What a test file that talks to the Cintoo emulator directly holds, filled in before its tests. */
export interface CintooLab {
  sandbox: Sandbox;
  cintoo: CintooHandle;
  client: CintooClient;
}

/**
 * One Cintoo-only sandbox for the calling test file: started before its tests, closed after. With
 * `resetEachTest`, every test starts from the default settings with no faults left over, and a
 * failing test prints the seed its bytes came from.
 */
export function useCintooLab(options: { resetEachTest?: { seed: number } } = {}): CintooLab {
  const lab = {} as CintooLab;
  beforeAll(async () => {
    lab.sandbox = await startSandbox({ services: ['cintoo'] });
    lab.cintoo = lab.sandbox.cintoo!;
    lab.client = new CintooClient(lab.cintoo);
  });
  afterAll(async () => {
    await lab.sandbox?.close();
  });
  const reset = options.resetEachTest;
  if (reset) {
    beforeEach((test) => {
      Object.assign(lab.cintoo.settings, cintooSettingsSchema.parse({}));
      lab.sandbox.faults.clear();
      test.onTestFailed(() => console.error(`bytes seed: FERRY_TEST_SEED=${reset.seed}`));
    });
  }
  return lab;
}
