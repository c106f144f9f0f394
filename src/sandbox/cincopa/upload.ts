// Cincopa's direct upload endpoint, as its own uploader uses it: POST raw chunk bytes to the
// signed upload URL with `Content-Range: bytes <start>-<end>/<total>` where the END IS
// EXCLUSIVE, `unique-id` fixed per file and `X-FILE-NAME` URI-encoded. Answers are plain text:
// anything containing "error" is a failure; the last chunk answers
// `new resource id <numeric id> <rid>`.

import { createHash, createHmac, randomUUID, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendText } from '../http.ts';
import type { CincopaState } from './state.ts';
import type { WebhookDispatcher } from './webhooks.ts';

interface FileUpload {
  received: number;
  total: number;
  md5: Hash;
  name: string;
  rid?: string;
  answer?: string;
  /** A chunk is being received: a second one at the same time would interleave bytes. */
  busy: boolean;
}

interface Session {
  fid: string;
  expiresAt: number;
  files: Map<string, FileUpload>;
}

const URL_TTL_MS = 24 * 60 * 60 * 1000;

export class DirectUploads {
  readonly #sessions = new Map<string, Session>();
  readonly #secret = randomUUID();
  readonly #state: CincopaState;
  readonly #webhooks: WebhookDispatcher;
  readonly #accountId: string;
  readonly #failureStyle: () => 'http' | 'success-false';

  constructor(state: CincopaState, webhooks: WebhookDispatcher, accountId: string, failureStyle: () => 'http' | 'success-false') {
    this.#state = state;
    this.#webhooks = webhooks;
    this.#accountId = accountId;
    this.#failureStyle = failureStyle;
  }

  createUrl(base: string, fid: string | undefined, expired = false): string {
    const d = randomUUID().replaceAll('-', '');
    this.#sessions.set(d, { fid: fid ?? '', expiresAt: expired ? Date.now() - 1 : Date.now() + URL_TTL_MS, files: new Map() });
    return `${base}/post.jpg?uid=${this.#accountId}&d=${d}&hash=${this.#sign(d)}&addtofid=${fid ?? 0}`;
  }

  #sign(d: string): string {
    return createHmac('sha256', this.#secret).update(d).digest('hex').slice(0, 32);
  }

  /** Returns the HTTP status sent. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const d = url.searchParams.get('d') ?? '';
    const session = this.#sessions.get(d);
    if (!session || url.searchParams.get('hash') !== this.#sign(d)) return this.#refuse(req, res, 403, 'error: invalid upload url');
    if (session.expiresAt < Date.now()) return this.#refuse(req, res, 403, 'error: upload url expired');
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    const uniqueId = String(req.headers['unique-id'] ?? '');
    if (!range || !uniqueId) return this.#refuse(req, res, 400, 'error: Content-Range (bytes start-end/total) and unique-id headers are required');
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (end < start || end > total) return this.#refuse(req, res, 400, `error: bad Content-Range ${start}-${end}/${total} (the end is exclusive)`);
    let file = session.files.get(uniqueId);
    if (!file) {
      const name = decodeName(String(req.headers['x-file-name'] ?? 'upload.bin'));
      session.files.set(uniqueId, (file = { received: 0, total, md5: createHash('md5'), name, busy: false }));
    }
    if (file.answer && end <= file.received) {
      // The last chunk again (its answer was lost): same asset, never a second one.
      req.resume();
      sendText(res, 200, file.answer);
      return 200;
    }
    if (start < file.received && end <= file.received) {
      req.resume(); // a retried chunk we already hold
      sendText(res, 200, `ok ${file.received}`);
      return 200;
    }
    if (start !== file.received) return this.#refuse(req, res, 400, `error: chunk starts at ${start} but ${file.received} bytes were received; send chunks in order`);
    if (total !== file.total) return this.#refuse(req, res, 400, `error: total ${total} differs from the first chunk's ${file.total}`);
    if (file.busy) return this.#refuse(req, res, 409, `error: a chunk of this file is still being received`);
    // Hash into a copy and keep it only if the whole chunk arrived: a chunk cut short must
    // leave the file as it was, so the client can simply send it again.
    file.busy = true;
    const md5 = file.md5.copy();
    let length = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        length += chunk.length;
        if (length <= end - start) md5.update(chunk);
      }
    } catch {
      return 0; // the client went away mid-chunk; nothing to answer
    } finally {
      file.busy = false;
    }
    if (length !== end - start) return this.#refuse(req, res, 400, `error: body has ${length} bytes but Content-Range says ${end - start}`);
    file.md5 = md5;
    file.received = end;
    if (file.received < file.total) {
      sendText(res, 200, `ok ${file.received}`);
      return 200;
    }
    const asset = this.#state.createAsset({ filename: file.name, filesize: file.total, md5: file.md5.digest('hex'), source: 'direct' });
    const gallery = session.fid ? this.#state.galleries.get(session.fid) : undefined;
    if (gallery && !gallery.members.includes(asset.rid)) gallery.members.push(asset.rid);
    file.rid = asset.rid;
    file.answer = `upload complete; new resource id ${asset.id} ${asset.rid}`;
    this.#webhooks.emit('asset.uploaded', { rid: asset.rid, id: asset.id, filename: asset.filename });
    sendText(res, 200, file.answer);
    return 200;
  }

  /** An error answer: always text containing "error"; HTTP 200 in the 'success-false' style. */
  #refuse(req: IncomingMessage, res: ServerResponse, status: number, text: string): number {
    req.resume();
    const sent = this.#failureStyle() === 'success-false' ? 200 : status;
    sendText(res, sent, text);
    return sent;
  }
}

function decodeName(header: string): string {
  try {
    return decodeURIComponent(header);
  } catch {
    return header; // not URI-encoded after all: take it as it is
  }
}
