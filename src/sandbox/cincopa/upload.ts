// Cincopa's direct upload endpoint, as its own uploader uses it (C1): POST raw chunk bytes to
// the signed upload URL with `Content-Range: bytes <start>-<end>/<total>` where the END IS
// EXCLUSIVE, `unique-id` fixed per file (Cincopa's uploader sends Date.now(), 13 digits) and
// `X-FILE-NAME` URI-encoded. Answers are plain text; text containing "error" is a failure, and
// C1 gives up at once on one (only transport errors are resent). So here any refused chunk
// finishes its upload URL: every later chunk to it is refused too, and the client must get a
// new URL and start the file again. The last chunk's answer holds `new resource id <n> <rid>`.
// This module decides the answer; the server sends it (or drops it, for 'lost-response').

import { createHash, createHmac, randomUUID, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { chunkTakenText, REFUSAL_STATUS, refusalText, uploadDoneText, type UploadRefusal } from './dialect.ts';
import type { CincopaSettings } from './settings.ts';
import type { CincopaState } from './state.ts';
import type { WebhookDispatcher } from './webhooks.ts';

interface FileUpload {
  uniqueId: string;
  received: number;
  total: number;
  md5: Hash;
  name: string;
  answer?: string;
  /** A chunk is being received: a second one at the same time would interleave bytes. */
  busy: boolean;
}

interface Session {
  fid: string;
  expiresAt: number;
  /** Set by the first refused chunk: the URL takes nothing more. */
  closed: boolean;
  files: Map<string, FileUpload>;
}

export interface UploadAnswer {
  status: number;
  text: string;
  /** Why the chunk was refused, for the journal. */
  refused?: UploadRefusal;
}

const URL_TTL_MS = 24 * 60 * 60 * 1000;
const RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

export class DirectUploads {
  readonly #sessions = new Map<string, Session>();
  readonly #secret = randomUUID();
  readonly #state: CincopaState;
  readonly #webhooks: WebhookDispatcher;
  readonly #accountId: string;
  readonly #settings: CincopaSettings;

  constructor(state: CincopaState, webhooks: WebhookDispatcher, accountId: string, settings: CincopaSettings) {
    this.#state = state;
    this.#webhooks = webhooks;
    this.#accountId = accountId;
    this.#settings = settings;
  }

  createUrl(base: string, fid: string | undefined, expired = false): string {
    const d = randomUUID().replaceAll('-', '');
    this.#sessions.set(d, { fid: fid ?? '', expiresAt: expired ? Date.now() - 1 : Date.now() + URL_TTL_MS, closed: false, files: new Map() });
    return `${base}/post.jpg?uid=${this.#accountId}&d=${d}&hash=${this.#sign(d)}&addtofid=${fid ?? 0}`;
  }

  #sign(d: string): string {
    return createHmac('sha256', this.#secret).update(d).digest('hex').slice(0, 32);
  }

  /** The answer to one chunk, or null when the client went away mid-chunk (nothing to answer). */
  async handle(req: IncomingMessage, url: URL): Promise<UploadAnswer | null> {
    const d = url.searchParams.get('d') ?? '';
    const session = this.#sessions.get(d);
    // A forged hash is not "that upload URL": it must not close the real one.
    if (!session || url.searchParams.get('hash') !== this.#sign(d)) return this.#refuse(req, undefined, 'unknown-url');
    if (session.expiresAt < Date.now()) return this.#refuse(req, session, 'expired-url');
    if (session.closed) return this.#refuse(req, session, 'closed-url');
    const range = RANGE.exec(String(req.headers['content-range'] ?? ''));
    const uniqueId = String(req.headers['unique-id'] ?? '');
    if (!range || !uniqueId || (this.#settings.uniqueId === 'numeric' && !/^\d{1,16}$/.test(uniqueId))) return this.#refuse(req, session, 'missing-headers');
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (end < start || end > total) return this.#refuse(req, session, 'bad-range', `${start}-${end}/${total}`);
    const name = decodeName(String(req.headers['x-file-name'] ?? 'upload.bin'));
    let file = session.files.get(uniqueId);
    if (!file) session.files.set(uniqueId, (file = { uniqueId, received: 0, total, md5: createHash('md5'), name, busy: false }));
    // Checked before anything else about the file: a second file under the same unique-id
    // must be refused, not mistaken for a resend whose bytes can be dropped.
    if (name !== file.name) return this.#refuse(req, session, 'name-mismatch', `unique-id ${uniqueId} belongs to another file name`);
    if (total !== file.total) return this.#refuse(req, session, 'total-mismatch', `total ${total} differs from the first chunk's ${file.total}`);
    if (start < file.received && end <= file.received) {
      // A chunk we already hold (its answer was lost): same answer as before, or refused.
      if (this.#settings.resentChunk === 'refuse') return this.#refuse(req, session, 'resent-chunk', `${start}-${end} of ${file.received}`);
      req.resume();
      return { status: 200, text: file.answer && end === file.total ? file.answer : chunkTakenText(this.#settings.dialect, file.received) };
    }
    if (start !== file.received) return this.#refuse(req, session, 'out-of-order', `chunk starts at ${start} but ${file.received} bytes were received`);
    if (file.busy) return this.#refuse(req, session, 'busy');
    return this.#receive(req, session, file, start, end);
  }

  async #receive(req: IncomingMessage, session: Session, file: FileUpload, start: number, end: number): Promise<UploadAnswer | null> {
    // Hash into a copy and keep it only if the whole chunk arrived: a chunk cut short by the
    // network leaves the file as it was, so the client can simply send it again.
    file.busy = true;
    const md5 = file.md5.copy();
    let length = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        length += chunk.length;
        if (length <= end - start) md5.update(chunk);
      }
    } catch {
      return null;
    } finally {
      file.busy = false;
    }
    if (session.closed) return this.#refuse(req, session, 'closed-url');
    if (length !== end - start) return this.#refuse(req, session, 'short-body', `body has ${length} bytes but Content-Range says ${end - start}`);
    file.md5 = md5;
    file.received = end;
    if (file.received < file.total) return { status: 200, text: chunkTakenText(this.#settings.dialect, file.received) };
    const digest = file.md5.digest('hex');
    const asset = this.#state.createAsset({ filename: file.name, filesize: file.total, md5: digest, source: 'direct' });
    this.#state.galleries.get(session.fid)?.add([asset.rid], 'bottom');
    file.answer = uploadDoneText(this.#settings.dialect, { id: asset.id, rid: asset.rid, md5: digest, total: file.total, uniqueId: file.uniqueId });
    this.#webhooks.emit('asset.uploaded', asset);
    return { status: 200, text: file.answer };
  }

  /** Refuses the chunk and finishes the URL. The text always contains "error". */
  #refuse(req: IncomingMessage, session: Session | undefined, reason: UploadRefusal, detail?: string): UploadAnswer {
    req.resume();
    if (session) session.closed = true;
    const status = this.#settings.failureStyle === 'success-false' ? 200 : REFUSAL_STATUS[reason];
    return { status, text: refusalText(this.#settings.dialect, reason, detail), refused: reason };
  }
}

function decodeName(header: string): string {
  try {
    return decodeURIComponent(header);
  } catch {
    return header; // not URI-encoded after all: take it as it is
  }
}
