// Source reachability for `ferry validate`: HEAD for URLs (falling back to a one-byte GET
// for servers that refuse HEAD), stat for local files. Bounded concurrency, nothing downloaded.

import { access, stat, constants } from 'node:fs/promises';
import { loadGot } from '../core/lazyGot.ts';
import PQueue from 'p-queue';
import type { ManifestItem } from '../manifest/types.ts';

export interface SourceProblem {
  origin: string;
  key: string;
  reason: string;
}

export async function probeSource(item: ManifestItem, signal?: AbortSignal): Promise<string | undefined> {
  if (/^https?:\/\//i.test(item.source)) {
    const got = await loadGot();
    try {
      const head = await got.head(item.source, { timeout: { request: 10_000 }, throwHttpErrors: false, retry: { limit: 0 }, signal });
      if (head.statusCode < 400) return undefined;
      if (head.statusCode === 405 || head.statusCode === 501) {
        const ranged = await got.get(item.source, { headers: { range: 'bytes=0-0' }, timeout: { request: 10_000 }, throwHttpErrors: false, retry: { limit: 0 }, signal });
        if (ranged.statusCode < 400) return undefined;
        return `HTTP ${ranged.statusCode}`;
      }
      return `HTTP ${head.statusCode}`;
    } catch (error) {
      return (error as { code?: string }).code ?? (error as Error).message;
    }
  }
  try {
    const info = await stat(item.source);
    if (!info.isFile()) return 'not a regular file';
    await access(item.source, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'file does not exist' : code === 'EACCES' ? 'file is not readable' : (error as Error).message;
  }
}

/** Probe items as they stream by; at most `concurrency` probes in flight. */
export class SourceProber {
  readonly problems: SourceProblem[] = [];
  probed = 0;
  readonly #queue: PQueue;

  constructor(concurrency = 16) {
    this.#queue = new PQueue({ concurrency });
  }

  async add(item: ManifestItem): Promise<void> {
    await this.#queue.onSizeLessThan(this.#queue.concurrency * 2);
    this.probed++;
    void this.#queue.add(async () => {
      const reason = await probeSource(item);
      if (reason) this.problems.push({ origin: item.origin, key: item.key, reason });
    });
  }

  done(): Promise<void> {
    return this.#queue.onIdle();
  }
}
