// Cintoo's signed upload URLs point at Azure blob storage. The sandbox runs Azurite (the Azure
// Storage emulator) in-process and signs real service SAS URLs for it with the emulator's
// well-known development key, so uploads meet real SAS checks (signature, expiry, permissions),
// real Content-MD5 checks and real Put Block / Put Block List semantics. Clients reach it through
// the storage proxy (storageProxy.ts), which adds faults, the journal and a byte meter; the
// sandbox's own housekeeping (container, properties, deletes) talks to Azurite directly.

import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { missingAzurite } from './optionalDependencies.ts';

const require = createRequire(import.meta.url);

/** Azurite's documented development account; public, not a secret. */
export const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = Buffer.from('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', 'base64');
const SAS_VERSION = '2021-08-06';
/** In memory, Azurite holds at most this much blob data; bigger runs need `storageDir`. */
const MEMORY_LIMIT_BYTES = 512 * 1024 * 1024;

/**
 * Blob SAS permissions, in Azure's canonical order. 'cw' (create + write) lets a client Put Blob,
 * Put Block and Put Block List but not Get Block List; 'rcw' adds read, which Get Block List needs.
 */
export type BlobSasPermissions = 'cw' | 'rcw' | 'r';

interface AzuriteBlobServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}

export interface BlobProperties {
  size: number;
  /** Lowercase hex MD5 from the blob's Content-MD5, or null when the blob has none. */
  md5: string | null;
}

export interface Azurite {
  /** Azurite itself, http://host:port/devstoreaccount1 (no faults, no journal). */
  url: string;
  container: string;
  /** The query string of a service SAS for one blob, valid for `ttlSec` (negative: already expired). */
  blobSas(blobName: string, permissions: BlobSasPermissions, ttlSec: number): string;
  /** Properties of a committed blob, or undefined when none is committed under that name. */
  properties(blobName: string): Promise<BlobProperties | undefined>;
  deleteBlob(blobName: string): Promise<void>;
  close(): Promise<void>;
}

export interface AzuriteOptions {
  host: string;
  /** 0 = a free port. */
  port: number;
  /** Keep blobs on disk under this folder instead of in memory (needed above ~512 MiB in total). */
  storageDir?: string;
}

interface AzuriteModules {
  BlobServer: new (config: unknown) => AzuriteBlobServer;
  BlobConfiguration: new (...args: unknown[]) => unknown;
  MemoryExtentChunkStore: new (limit?: number) => unknown;
}

/** Azurite is an optional dependency (optionalDependencies.ts): loaded only here, when the Cintoo emulator starts. */
function loadAzurite(): AzuriteModules {
  try {
    return {
      BlobServer: (require('azurite/dist/src/blob/BlobServer.js') as { default: AzuriteModules['BlobServer'] }).default,
      BlobConfiguration: (require('azurite/dist/src/blob/BlobConfiguration.js') as { default: AzuriteModules['BlobConfiguration'] }).default,
      MemoryExtentChunkStore: (require('azurite/dist/src/common/persistence/MemoryExtentStore.js') as Pick<AzuriteModules, 'MemoryExtentChunkStore'>).MemoryExtentChunkStore,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') throw missingAzurite("the sandbox's Cintoo emulator", error);
    throw error;
  }
}

export async function startAzurite(options: AzuriteOptions): Promise<Azurite> {
  const { BlobServer, BlobConfiguration, MemoryExtentChunkStore } = loadAzurite();
  const dir = options.storageDir;
  if (dir) mkdirSync(dir, { recursive: true });
  // Positional: host, port, keepAlive, metadata path, extent path, persistence array, access
  // log, its stream, debug log, its path, loose (off: be strict), skip API version check, cert,
  // key, pwd, oauth, no product-style URLs, in-memory persistence, this server's own store.
  const config = dir
    ? new BlobConfiguration(options.host, options.port, undefined, path.join(dir, 'azurite-blob-db.json'), path.join(dir, 'azurite-extent-db.json'), [{ locationId: 'Default', locationPath: path.join(dir, 'blobs'), maxConcurrency: 10 }], false, undefined, false, undefined, false, false, '', '', '', undefined, false, false)
    : new BlobConfiguration(options.host, options.port, undefined, undefined, undefined, undefined, false, undefined, false, undefined, false, false, '', '', '', undefined, false, true, new MemoryExtentChunkStore(MEMORY_LIMIT_BYTES));
  const server = new BlobServer(config);
  await server.start();
  const url = `${server.getHttpServerAddress().replace(/\/$/, '')}/${DEV_ACCOUNT}`;
  const container = 'cintoo-uploads';
  const adminQuery = accountSas();
  const created = await fetch(`${url}/${container}?restype=container&${adminQuery}`, { method: 'PUT', headers: { 'x-ms-version': SAS_VERSION } });
  if (created.status !== 201 && created.status !== 409) throw new Error(`azurite: could not create the container (HTTP ${created.status})`);
  const blobUrl = (blobName: string): string => `${url}/${container}/${encodeURIComponent(blobName)}?${adminQuery}`;

  return {
    url,
    container,
    blobSas: (blobName, permissions, ttlSec) => blobSas(container, blobName, permissions, ttlSec),
    async properties(blobName) {
      const response = await fetch(blobUrl(blobName), { method: 'HEAD', headers: { 'x-ms-version': SAS_VERSION } });
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`azurite: blob properties answered HTTP ${response.status}`);
      const md5 = response.headers.get('content-md5');
      return { size: Number(response.headers.get('content-length')), md5: md5 ? Buffer.from(md5, 'base64').toString('hex') : null };
    },
    async deleteBlob(blobName) {
      await fetch(blobUrl(blobName), { method: 'DELETE', headers: { 'x-ms-version': SAS_VERSION } });
    },
    close: () => server.close(),
  };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A service SAS for one blob (string-to-sign of version 2020-12-06 and later). */
function blobSas(container: string, blobName: string, permissions: BlobSasPermissions, ttlSec: number): string {
  const expiry = isoSeconds(Date.now() + ttlSec * 1000);
  const stringToSign = [permissions, '', expiry, `/blob/${DEV_ACCOUNT}/${container}/${blobName}`, '', '', '', SAS_VERSION, 'b', '', '', '', '', '', '', ''].join('\n');
  const signature = createHmac('sha256', DEV_KEY).update(stringToSign, 'utf8').digest('base64');
  return new URLSearchParams({ sv: SAS_VERSION, sp: permissions, se: expiry, sr: 'b', sig: signature }).toString();
}

/** An account SAS for the sandbox's own housekeeping (container, properties, deletes). */
function accountSas(): string {
  const expiry = isoSeconds(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const stringToSign = [DEV_ACCOUNT, 'rwdlac', 'b', 'sco', '', expiry, '', '', SAS_VERSION, '', ''].join('\n');
  const signature = createHmac('sha256', DEV_KEY).update(stringToSign, 'utf8').digest('base64');
  return new URLSearchParams({ sv: SAS_VERSION, ss: 'b', srt: 'sco', sp: 'rwdlac', se: expiry, sig: signature }).toString();
}
