// What storage traffic is: which blob a request is for, Azure's name for the operation (the
// route fault rules and the journal use), and the body bytes received per blob.

export interface BlobTraffic {
  /** Request-body bytes that reached storage for this blob, including refused or cut requests. */
  bytesReceived: number;
  requests: number;
}

/** Bytes received per blob name. */
export class StorageMeter {
  readonly #blobs = new Map<string, BlobTraffic>();

  request(blobName: string): void {
    this.#entry(blobName).requests++;
  }

  add(blobName: string, bytes: number): void {
    this.#entry(blobName).bytesReceived += bytes;
  }

  get(blobName: string): BlobTraffic {
    return { ...(this.#blobs.get(blobName) ?? { bytesReceived: 0, requests: 0 }) };
  }

  totalBytes(): number {
    let total = 0;
    for (const traffic of this.#blobs.values()) total += traffic.bytesReceived;
    return total;
  }

  #entry(blobName: string): BlobTraffic {
    let entry = this.#blobs.get(blobName);
    if (!entry) this.#blobs.set(blobName, (entry = { bytesReceived: 0, requests: 0 }));
    return entry;
  }
}

/** `/devstoreaccount1/<container>/<blob name>` → the blob name, decoded. */
export function blobNameOf(pathname: string): string | undefined {
  const [, , , ...rest] = pathname.split('/');
  if (rest.length === 0 || rest.join('') === '') return undefined;
  try {
    return decodeURIComponent(rest.join('/'));
  } catch {
    return undefined;
  }
}

/** Azure's names for the operations, used as fault routes and journal routes. */
export function operation(method: string, url: URL, blob: string | undefined): string {
  const comp = url.searchParams.get('comp');
  if (!blob) return `${method} container`;
  if (method === 'PUT') return comp === 'block' ? 'PutBlock' : comp === 'blocklist' ? 'PutBlockList' : comp ? `PUT ${comp}` : 'PutBlob';
  if (method === 'GET') return comp === 'blocklist' ? 'GetBlockList' : comp ? `GET ${comp}` : 'GetBlob';
  if (method === 'HEAD') return 'GetBlobProperties';
  if (method === 'DELETE') return 'DeleteBlob';
  return `${method} ${comp ?? 'blob'}`;
}
