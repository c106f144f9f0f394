// bulk-files sign/register against the emulator: declaration checks, the storage checks at
// register, and the behaviours Cintoo leaves undocumented — each selectable, the harder one by
// default: registering twice makes a twin, a re-sign gives a new blob name, register ignores a
// blob name in the entry. Plus the ambiguous outcomes: a lost answer to sign or register.

import { startSandbox } from '../../src/sandbox/index.ts';
import { describe, expect, it } from 'vitest';
import { CintooClient, useCintooLab, declare, md5Hex, putBlob, putBlock, putBlockList, seededBytes, waitFor } from '../helpers/cintoo.ts';

const SEED = Number(process.env.FERRY_TEST_SEED ?? 0x5eed);

const lab = useCintooLab({ resetEachTest: { seed: SEED } });
let counter = 0;

/** Fresh bytes and a unique name per call, derived from the seed. */
function sample(extension = 'e57', size = 2_000): { name: string; data: Buffer } {
  counter++;
  return { name: `scan-${counter}.${extension}`, data: seededBytes(size, SEED + counter) };
}

describe('sign', () => {
  it('validates declarations before signing, and accepts isAttachment', async () => {
    const data = Buffer.from('x');
    for (const [entry, field] of [
      [{ ...declare('a.e57', data), md5: 'NOT-A-MD5' }, 'md5'],
      [declare('a.xyz', data), 'extension'],
      [declare('a.zfs', data), 'extension'],
      [{ ...declare('a.e57', data), size: 0 }, 'size'],
      [{ ...declare('a.e57', data), name: 'a.las' }, 'name'],
      [declare(`${'n'.repeat(252)}.e57`, data), 'name'],
      [{ ...declare('a.e57', data), isAttachment: 'no' }, 'isAttachment'],
    ] as const) {
      const response = await lab.client.api(lab.client.bulkPath(), { method: 'POST', body: JSON.stringify([declare('ok.e57', data), entry]) });
      expect(response.status, field).toBe(400);
      expect(await response.json()).toMatchObject({ status: 400, title: 'Bad Request', errorCode: 'invalid-input', errorValues: { index: 1, field } });
    }
    const withFlag = await lab.client.api(lab.client.bulkPath(), { method: 'POST', body: JSON.stringify([{ ...declare('ok.e57', data), isAttachment: false }]) });
    expect(withFlag.status).toBe(200);
  });

  it('answers one signed URL per file, in request order, with expiresIn', async () => {
    const files = [sample(), sample('pdf'), sample('jpg')];
    const signed = await lab.client.sign(files.map((file) => declare(file.name, file.data)));
    expect(signed).toMatchObject({ provider: 'azure', expiresIn: 3_600 });
    expect(signed.files.map((file) => file.name)).toEqual(files.map((file) => file.name));
    expect(new Set(signed.files.map((file) => file.blobName)).size).toBe(3);
    expect(signed.files[0]!.url.startsWith(`${lab.cintoo.azuriteUrl}/`)).toBe(true);
  });

  it('gives a new blob name on every re-sign by default, the same one with blobNameOnResign "same"', async () => {
    const { name, data } = sample();
    const first = await lab.client.sign([declare(name, data)]);
    const again = await lab.client.sign([declare(name, data)]);
    expect(again.files[0]!.blobName).not.toBe(first.files[0]!.blobName);
    lab.cintoo.settings.blobNameOnResign = 'same';
    const third = await lab.client.sign([declare(name, data)]);
    expect(third.files[0]!.blobName).toBe(again.files[0]!.blobName); // the latest signing's name
    expect(lab.sandbox.inventory().cintoo!.blobs.find((blob) => blob.blobName === third.files[0]!.blobName)!.signCount).toBe(2);
  });

  it('keeps uncommitted blocks across a re-sign only when the blob name stays the same', async () => {
    for (const mode of ['new', 'same'] as const) {
      lab.cintoo.settings.blobNameOnResign = mode;
      const { name, data } = sample('las', 30_000);
      const first = await lab.client.sign([declare(name, data)]);
      expect((await putBlock(first.files[0]!.url, 0, data.subarray(0, 10_000))).status).toBe(201);
      const second = await lab.client.sign([declare(name, data)]);
      for (const index of [1, 2]) expect((await putBlock(second.files[0]!.url, index, data.subarray(index * 10_000, (index + 1) * 10_000))).status).toBe(201);
      const commit = await putBlockList(second.files[0]!.url, 3, data);
      // New blob name: block 0 went to the old blob, so the list names a block this blob lacks.
      expect(commit.status, mode).toBe(mode === 'same' ? 201 : 400);
    }
  });
});

describe('register', () => {
  async function uploaded(extension = 'e57'): Promise<{ name: string; data: Buffer; blobName: string }> {
    const { name, data } = sample(extension);
    const signed = await lab.client.sign([declare(name, data)]);
    expect((await putBlob(signed.files[0]!.url, data)).status).toBe(201);
    return { name, data, blobName: signed.files[0]!.blobName };
  }

  it('registers a committed blob, and lists the file without md5, typed by its category', async () => {
    const { name, data, blobName } = await uploaded('jpg');
    const response = await lab.client.register([{ ...declare(name, data), isAttachment: false }]);
    expect(response.status).toBe(200);
    const [registered] = (await response.json()) as { id: string; blobName: string; md5: string }[];
    expect(registered).toMatchObject({ blobName, md5: md5Hex(data), id: expect.stringMatching(/^urn:cintoo:file:[0-9a-f-]{36}$/) });
    const listed = ((await (await lab.client.api(`${lab.client.projectPath}/files?category=media`)).json()) as Record<string, unknown>[]).find((file) => file.id === registered!.id)!;
    expect(listed).toMatchObject({ name, size: data.length, type: 'media', workzoneId: lab.cintoo.rootWorkzoneId, projectId: lab.cintoo.projectId, blobName, formatId: expect.stringMatching(/^urn:cintoo:format:\d+$/) });
    expect(listed).not.toHaveProperty('md5');
    expect(listed).not.toHaveProperty('category');
    // The file's url redirects to a read URL on storage that serves the very bytes.
    const redirect = await lab.client.api(new URL(listed.url as string).pathname);
    expect(redirect.status).toBe(302);
    expect(Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer()).equals(data)).toBe(true);
  });

  it('makes a twin when the same blob is registered again (default), reported as a duplicate', async () => {
    const { name, data, blobName } = await uploaded();
    const first = (await (await lab.client.register([declare(name, data)])).json()) as { id: string }[];
    const second = (await (await lab.client.register([declare(name, data)])).json()) as { id: string }[];
    expect(second[0]!.id).not.toBe(first[0]!.id);
    const inventory = lab.sandbox.inventory().cintoo!;
    expect(inventory.duplicates).toContainEqual({ workzoneId: lab.cintoo.rootWorkzoneId, workzonePath: '', name, size: data.length, fileIds: [first[0]!.id, second[0]!.id] });
    expect(inventory.blobs.find((blob) => blob.blobName === blobName)!.fileIds).toEqual([first[0]!.id, second[0]!.id]);
  });

  it('answers with the same file when reRegister is "same-file"', async () => {
    lab.cintoo.settings.reRegister = 'same-file';
    const { name, data } = await uploaded();
    const first = (await (await lab.client.register([declare(name, data)])).json()) as { id: string }[];
    const second = (await (await lab.client.register([declare(name, data)])).json()) as { id: string }[];
    expect(second[0]!.id).toBe(first[0]!.id);
    expect(lab.sandbox.inventory().cintoo!.duplicates.filter((group) => group.name === name)).toEqual([]);
  });

  it('registers the newest signing of a declaration; a blobName in the entry counts only with registerBy "blob-name"', async () => {
    const { name, data } = sample();
    const old = await lab.client.sign([declare(name, data)]);
    expect((await putBlob(old.files[0]!.url, data)).status).toBe(201);
    await lab.client.sign([declare(name, data)]); // re-signed, never uploaded
    const byDeclaration = await lab.client.register([{ ...declare(name, data), blobName: old.files[0]!.blobName }]);
    expect(byDeclaration.status).toBe(400); // the newest signing has nothing committed
    expect(await byDeclaration.json()).toMatchObject({ errorCode: 'blob-not-found' });
    lab.cintoo.settings.registerBy = 'blob-name';
    const byName = await lab.client.register([{ ...declare(name, data), blobName: old.files[0]!.blobName }]);
    expect(byName.status).toBe(200);
  });

  it('is all or nothing, and refuses a blob whose bytes differ from the declaration', async () => {
    const good = await uploaded();
    const { name, data } = sample();
    const signed = await lab.client.sign([declare(name, data)]);
    await fetch(signed.files[0]!.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: Buffer.from('different bytes') });
    const response = await lab.client.register([declare(good.name, good.data), declare(name, data)]);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ errorCode: 'blob-mismatch', errorValues: { index: 1 } });
    expect(lab.sandbox.inventory().cintoo!.files.some((file) => file.name === good.name)).toBe(false);
  });

  it('finds nothing to register before the block list is committed', async () => {
    const { name, data } = sample('las', 300_000);
    const signed = await lab.client.sign([declare(name, data)]);
    for (let index = 0; index < 3; index++) expect((await putBlock(signed.files[0]!.url, index, data.subarray(index * 100_000, (index + 1) * 100_000))).status).toBe(201);
    expect((await lab.client.register([declare(name, data)])).status).toBe(400);
    expect((await putBlockList(signed.files[0]!.url, 3, data)).status).toBe(201);
    expect((await lab.client.register([declare(name, data)])).status).toBe(200);
    expect(await lab.cintoo.blobProperties(signed.files[0]!.blobName)).toEqual({ size: data.length, md5: md5Hex(data) });
  });
});

describe('ambiguous outcomes', () => {
  it('lost-response on PUT bulk-files: registered, the answer dropped — a blind retry makes a twin', async () => {
    const { name, data } = sample();
    const signed = await lab.client.sign([declare(name, data)]);
    await putBlob(signed.files[0]!.url, data);
    lab.sandbox.faults.add({ service: 'cintoo', route: 'PUT bulk-files', kind: 'lost-response', times: 1 });
    await expect(lab.client.register([declare(name, data)])).rejects.toThrow();
    const files = (await (await lab.client.api(`${lab.client.projectPath}/files`)).json()) as { name: string; size: number; workzoneId: string; blobName: string }[];
    expect(files.filter((file) => file.name === name)).toEqual([expect.objectContaining({ size: data.length, workzoneId: lab.cintoo.rootWorkzoneId, blobName: signed.files[0]!.blobName })]);
    expect(lab.sandbox.journal.entries({ service: 'cintoo', route: 'PUT bulk-files' }).at(-1)).toMatchObject({ status: 0, fault: 'lost-response', params: { files: '1' } });
    await lab.client.register([declare(name, data)]);
    expect(lab.sandbox.inventory().cintoo!.duplicates.some((group) => group.name === name)).toBe(true);
  });

  it('lost-response on POST bulk-files: signed (the blob name exists), the answer dropped', async () => {
    const { name, data } = sample();
    lab.sandbox.faults.add({ service: 'cintoo', route: 'POST bulk-files', kind: 'lost-response', times: 1 });
    await expect(lab.client.sign([declare(name, data)])).rejects.toThrow();
    expect(lab.sandbox.inventory().cintoo!.blobs.filter((blob) => blob.name === name)).toHaveLength(1);
    const again = await lab.client.sign([declare(name, data)]);
    expect(lab.sandbox.inventory().cintoo!.blobs.filter((blob) => blob.name === name).map((blob) => blob.blobName)).toContain(again.files[0]!.blobName);
  });

  it('stall on PUT bulk-files: the client gives up, the register is carried out all the same', async () => {
    const { name, data } = sample();
    const signed = await lab.client.sign([declare(name, data)]);
    await putBlob(signed.files[0]!.url, data);
    lab.sandbox.faults.add({ service: 'cintoo', route: 'PUT bulk-files', kind: 'stall', stallMs: 2_000, times: 1 });
    await expect(lab.client.register([declare(name, data)], undefined, AbortSignal.timeout(1_000))).rejects.toThrow();
    expect(lab.sandbox.inventory().cintoo!.files.some((file) => file.name === name)).toBe(true); // done before the answer was due
    await waitFor(() => lab.sandbox.journal.entries({ service: 'cintoo', route: 'PUT bulk-files' }).at(-1)?.fault === 'stall', 5_000, 'the stalled register in the journal');
    expect(lab.sandbox.journal.entries({ service: 'cintoo', route: 'PUT bulk-files' }).at(-1)!.status).toBe(0); // nobody was left to answer
  });

  it('expired-url: the URL is dead on arrival although expiresIn says an hour', async () => {
    const { name, data } = sample();
    lab.sandbox.faults.add({ service: 'cintoo', route: 'POST bulk-files', kind: 'expired-url', times: 1 });
    const expired = await lab.client.sign([declare(name, data)]);
    expect(expired.expiresIn).toBe(3_600);
    const refused = await putBlob(expired.files[0]!.url, data);
    expect(refused.status).toBe(403);
    // Azurite says AuthorizationFailure, Azure AuthenticationFailed: a client keys on the 403.
    expect(refused.headers.get('x-ms-error-code')).toMatch(/^Auth/);
    const fresh = await lab.client.sign([declare(name, data)]);
    expect((await putBlob(fresh.files[0]!.url, data)).status).toBe(201);
  });
});

describe('clean-up of unregistered uploads', () => {
  it('deletes blobs nobody registered after cleanupUnregisteredAfterMs', async () => {
    const short = await startSandbox({ services: ['cintoo'], cintoo: { cleanupUnregisteredAfterMs: 300 } });
    try {
      const shortClient = new CintooClient(short.cintoo!);
      const data = Buffer.from('abandoned');
      const signed = await shortClient.sign([declare('gone.e57', data)]);
      await putBlob(signed.files[0]!.url, data);
      const blobName = signed.files[0]!.blobName;
      await waitFor(() => !short.inventory().cintoo!.blobs.some((blob) => blob.blobName === blobName), 5_000, 'the clean-up');
      await waitFor(async () => (await short.cintoo!.blobProperties(blobName)) === undefined, 5_000, 'the blob deletion');
      expect((await shortClient.register([declare('gone.e57', data)])).status).toBe(400);
    } finally {
      await short.close();
    }
  });
});
