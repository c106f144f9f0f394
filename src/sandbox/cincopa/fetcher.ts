// asset.upload_from_url: Cincopa downloads the source itself. The emulator does so for real
// over HTTP, streaming (never buffering), then "processes" for a configurable time before the
// asset exists. Status is kept per status_id for asset.upload_from_url_get_status; how a status
// reads (words, rid keys) is the dialect's business (dialect.ts statusFields).

import { createHash, randomUUID } from 'node:crypto';
import { get as httpGet, type ClientRequest } from 'node:http';
import { get as httpsGet } from 'node:https';
import path from 'node:path';
import type { FaultRule } from '../faults.ts';
import type { CincopaState } from './state.ts';
import type { WebhookDispatcher } from './webhooks.ts';

export interface FetchJob {
  statusId: string;
  /** 0, 1, 2, ... per upload: picks this job's terminal status and rid keys in turn. */
  seq: number;
  status: 'inprogress' | 'done' | 'failed' | 'aborted';
  bytes: number;
  size: number | null;
  rid: string;
  more: string;
  /** 'processing-no-id': finished, the asset exists, but the status names no rid. */
  noId: boolean;
  request?: ClientRequest;
  timer?: NodeJS.Timeout;
}

const MAX_REDIRECTS = 5;

export class Fetcher {
  readonly jobs = new Map<string, FetchJob>();
  readonly #state: CincopaState;
  readonly #webhooks: WebhookDispatcher;
  readonly #processingMs: () => number;
  #seq = 0;

  constructor(state: CincopaState, webhooks: WebhookDispatcher, processingMs: () => number) {
    this.#state = state;
    this.#webhooks = webhooks;
    this.#processingMs = processingMs;
  }

  start(input: string, fid: string | undefined, processingFault: FaultRule | undefined): FetchJob {
    const job: FetchJob = { statusId: randomUUID().replaceAll('-', ''), seq: this.#seq++, status: 'inprogress', bytes: 0, size: null, rid: '', more: '', noId: false };
    this.jobs.set(job.statusId, job);
    this.#download(job, input, MAX_REDIRECTS, (md5) => this.#process(job, input, fid, md5, processingFault));
    return job;
  }

  /** Streams `url` through an md5 hash, counting bytes; never holds the body. */
  #download(job: FetchJob, url: string, redirectsLeft: number, done: (md5: string) => void): void {
    const fail = (more: string): void => {
      job.request = undefined;
      if (job.status !== 'inprogress') return;
      job.status = 'failed';
      job.more = more;
    };
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const request = get(url, { timeout: 30_000 }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && redirectsLeft > 0) {
        res.resume();
        return this.#download(job, new URL(location, url).href, redirectsLeft - 1, done);
      }
      if (status >= 300) {
        res.resume();
        return fail(`could not download the input URL: HTTP ${status}`);
      }
      const length = Number(res.headers['content-length']);
      if (res.headers['content-length'] !== undefined && Number.isSafeInteger(length)) job.size = length;
      const md5 = createHash('md5');
      res.on('data', (chunk: Buffer) => {
        job.bytes += chunk.length;
        md5.update(chunk);
      });
      res.on('error', (error) => fail(`download interrupted: ${error.message}`));
      res.on('end', () => {
        job.request = undefined;
        if (job.status !== 'inprogress') return;
        if (job.size !== null && job.bytes !== job.size) return fail(`download incomplete: ${job.bytes} of ${job.size} bytes`);
        job.size = job.bytes;
        done(md5.digest('hex'));
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => fail(`could not download the input URL: ${error.message}`));
    job.request = request;
  }

  #process(job: FetchJob, input: string, fid: string | undefined, md5: string, fault: FaultRule | undefined): void {
    if (fault?.kind === 'processing-stuck') return; // stays "inprogress" forever
    const delay = fault?.kind === 'processing-slow' ? (fault.latencyMs ?? 10_000) : this.#processingMs();
    job.timer = setTimeout(() => {
      if (job.status !== 'inprogress') return;
      if (fault?.kind === 'processing-failed') {
        job.status = 'failed';
        job.more = 'processing failed: the media could not be transcoded';
        return;
      }
      const filename = decodeURIComponent(path.posix.basename(new URL(input).pathname)) || 'download';
      const asset = this.#state.createAsset({ filename, filesize: job.bytes, md5, source: 'url' });
      this.#state.galleries.get(fid ?? '')?.add([asset.rid], 'bottom');
      job.rid = asset.rid;
      job.noId = fault?.kind === 'processing-no-id';
      job.status = 'done';
      this.#webhooks.emit('asset.uploaded', asset);
    }, delay);
    job.timer.unref();
  }

  abort(statusId: string): FetchJob | undefined {
    const job = this.jobs.get(statusId);
    if (!job) return undefined;
    if (job.status === 'inprogress') {
      job.status = 'aborted';
      job.more = 'aborted by request';
      job.request?.destroy();
      if (job.timer) clearTimeout(job.timer);
    }
    return job;
  }

  close(): void {
    for (const job of this.jobs.values()) {
      job.request?.destroy();
      if (job.timer) clearTimeout(job.timer);
    }
  }
}
