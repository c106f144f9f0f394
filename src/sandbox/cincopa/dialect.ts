// How each dialect words and shapes its answers: upload_from_url_get_status bodies, refused
// credentials, and the upload endpoint's plain-text answers. Which answer is given is decided
// elsewhere; this file only says how it reads, so a client meets more than one wording of each.

import type { FaultAnswerKind } from '../http.ts';
import type { CincopaDialect, CincopaSettings } from './settings.ts';
import type { FetchJob } from './fetcher.ts';

/** Why the upload endpoint refuses a chunk. Every refusal finishes the upload URL. */
export type UploadRefusal =
  | 'unknown-url'
  | 'expired-url'
  | 'closed-url'
  | 'missing-headers'
  | 'bad-range'
  | 'out-of-order'
  | 'total-mismatch'
  | 'name-mismatch'
  | 'busy'
  | 'short-body'
  | 'resent-chunk';

/** HTTP status of each refusal in the 'http' failure style ('success-false' answers 200). */
export const REFUSAL_STATUS: Record<UploadRefusal, number> = {
  'unknown-url': 403,
  'expired-url': 403,
  'closed-url': 410,
  'missing-headers': 400,
  'bad-range': 400,
  'out-of-order': 400,
  'total-mismatch': 400,
  'name-mismatch': 400,
  busy: 409,
  'short-body': 400,
  'resent-chunk': 400,
};

// Classic wording is the sandbox's historical text. Alt wording shares no phrase with it (no
// "expired", no "invalid upload url"): all a client may rely on is the lowercase word "error",
// which is what Cincopa's own uploader tests (C1: responseText.indexOf('error') > -1).
const CLASSIC_REFUSAL: Record<UploadRefusal, (detail: string) => string> = {
  'unknown-url': () => 'error: invalid upload url',
  'expired-url': () => 'error: upload url expired',
  'closed-url': () => 'error: this upload url was closed by an earlier error; get a new one',
  'missing-headers': () => 'error: Content-Range (bytes start-end/total) and unique-id headers are required',
  'bad-range': (detail) => `error: bad Content-Range ${detail} (the end is exclusive)`,
  'out-of-order': (detail) => `error: ${detail}; send chunks in order`,
  'total-mismatch': (detail) => `error: ${detail}`,
  'name-mismatch': (detail) => `error: ${detail}`,
  busy: () => 'error: a chunk of this file is still being received',
  'short-body': (detail) => `error: ${detail}`,
  'resent-chunk': (detail) => `error: chunk already received (${detail})`,
};

const ALT_REFUSAL: Record<UploadRefusal, readonly [code: number, phrase: string]> = {
  'unknown-url': [101, 'session not recognised'],
  'expired-url': [102, 'session no longer accepts data'],
  'closed-url': [103, 'session terminated'],
  'missing-headers': [201, 'malformed request'],
  'bad-range': [202, 'range not acceptable'],
  'out-of-order': [203, 'unexpected offset'],
  'total-mismatch': [204, 'size conflict'],
  'name-mismatch': [205, 'file conflict'],
  busy: [206, 'concurrent write'],
  'short-body': [207, 'incomplete data'],
  'resent-chunk': [208, 'duplicate data'],
};

export function refusalText(dialect: CincopaDialect, reason: UploadRefusal, detail = ''): string {
  if (dialect === 'classic') return CLASSIC_REFUSAL[reason](detail);
  const [code, phrase] = ALT_REFUSAL[reason];
  return `Upload failed\nerror ${code}: ${phrase}`;
}

const ALT_FAULT: Record<FaultAnswerKind, string> = { status: 'error 500: temporary failure', 'rate-limit': 'error 429: slow down', auth: 'error 401: not authorized' };

/** A transport-level fault (5xx, 429, auth) on the upload endpoint, as plain text. */
export function uploadFaultText(dialect: CincopaDialect, message: string, kind: FaultAnswerKind): string {
  return dialect === 'classic' ? `error: ${message}` : `Upload failed\n${ALT_FAULT[kind]}`;
}

/** A chunk taken that is not the last: the body of this answer is not documented anywhere. */
export function chunkTakenText(dialect: CincopaDialect, received: number): string {
  return dialect === 'classic' ? `ok ${received}` : '';
}

/**
 * The last chunk's answer. Classic: one line. Alt: several lines with the rid on the 6th, as
 * the Moodle plugin reads it (C4: `serverData.split("\n")[5]`); C1's regex finds it either way.
 */
export function uploadDoneText(dialect: CincopaDialect, file: { id: number; rid: string; md5: string; total: number; uniqueId: string }): string {
  if (dialect === 'classic') return `upload complete; new resource id ${file.id} ${file.rid}`;
  return ['OK', `size ${file.total}`, `md5 ${file.md5}`, `unique-id ${file.uniqueId}`, 'status queued', `new resource id ${file.id} ${file.rid}`].join('\n');
}

// Alt words a refused token two ways, so a client cannot key on one sentence; both say what a
// person would look for (access, token).
const ALT_AUTH = ['Access denied: the api token is not valid or has expired', 'Unauthorized - invalid token'] as const;

/**
 * The message of a refused token. `fault`: an 'auth' fault (a token revoked mid-run). `turn`
 * counts refusals, so alt alternates its wordings.
 */
export function authMessage(dialect: CincopaDialect, fault: boolean, turn: number): string {
  if (dialect === 'classic') return fault ? 'invalid or expired credentials' : 'invalid or missing api_token';
  return ALT_AUTH[turn % ALT_AUTH.length]!;
}

/**
 * upload_from_url_get_status's fields for one job. Classic: `status` inprogress/done/failed,
 * string progress, the rid under `resid` ('' until known), the reason in `more`. Alt: C10's
 * vocabulary — pending/in_progress, the terminal status and rid keys per settings, numeric
 * progress, the reason in `error_message`. A 'processing-no-id' job names no rid key at all.
 */
export function statusFields(settings: CincopaSettings, job: FetchJob): Record<string, unknown> {
  const percent = job.status === 'done' ? 100 : job.size ? Math.floor((job.bytes * 100) / job.size) : 0;
  const fields: Record<string, unknown> = {
    status: statusWord(settings, job),
    progress: settings.progressAs === 'number' ? percent : String(percent),
    progress_bytes: job.bytes,
    file_size_bytes: job.size ?? -1,
  };
  const ridKeys = settings.ridKeys[job.seq % settings.ridKeys.length]!;
  // Classic names its rid key from the start ('' until known), as it always did; alt only once done.
  if (!job.noId && (job.status === 'done' || settings.dialect === 'classic')) for (const key of ridKeys) fields[key] = job.rid;
  fields[settings.dialect === 'classic' ? 'more' : 'error_message'] = job.more;
  fields.debug = '';
  return fields;
}

function statusWord(settings: CincopaSettings, job: FetchJob): string {
  if (job.status === 'done') return settings.doneStatuses[job.seq % settings.doneStatuses.length]!;
  if (job.status !== 'inprogress' || settings.dialect === 'classic') return job.status;
  return job.bytes === 0 ? 'pending' : 'in_progress';
}
