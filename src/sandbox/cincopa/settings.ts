// What the emulated Cincopa does where real sources disagree or are silent
// (../shared/api/evidence.md): one knob per unknown, and two dialects that set them all.
// `classic` is the sandbox as it always answered (minus what evidence shows wrong for every
// dialect); `alt` takes the other side of every unknown, so a client that passes against both
// copes with whichever the real platform turns out to be. Explicit knobs override the dialect.

import { z } from 'zod';

export const CINCOPA_DIALECTS = ['classic', 'alt'] as const;
export type CincopaDialect = (typeof CINCOPA_DIALECTS)[number];

const failureStyle = z.enum(['http', 'success-false']);
const ridKey = z.enum(['resid', 'asset_id', 'rid']);

export const cincopaSettingsSchema = z.strictObject({
  dialect: z.enum(CINCOPA_DIALECTS).optional(),
  /** Processing time after a fetched download, before the asset exists (ms). */
  processingMs: z.number().int().nonnegative().optional(),
  /** API failures (4xx): 'http' = non-2xx; 'success-false' = HTTP 200 + {success:false}. Also the upload endpoint's error status (200 when 'success-false'). */
  failureStyle: failureStyle.optional(),
  /** A refused token (bad token or an 'auth' fault): 'http' = 403 (or the rule's status); 'success-false' = HTTP 200 + {success:false, message}. */
  authStyle: failureStyle.optional(),
  /** Terminal success status of upload_from_url_get_status, taken in turn per upload (1st, 2nd, ...). */
  doneStatuses: z.array(z.string().min(1)).min(1).optional(),
  /** Keys that carry the new rid in a finished status, one set per upload in turn. */
  ridKeys: z.array(z.array(ridKey).min(1)).min(1).optional(),
  /** `progress` as '50' or as 50 (progress_bytes and file_size_bytes are numbers either way). */
  progressAs: z.enum(['string', 'number']).optional(),
  /** gallery.add_item of a rid the gallery already holds: a second membership ('keep') or none ('dedupe'). */
  galleryDoubles: z.enum(['keep', 'dedupe']).optional(),
  /** gallery.add_item naming an unknown rid among others: whole call refused (404, nothing added) or the known ones added. */
  addItemUnknownRid: z.enum(['refuse', 'ignore']).optional(),
  /** asset.list?reference_id=: exact match, or any asset whose reference id contains the value. */
  referenceMatch: z.enum(['exact', 'substring']).optional(),
  /** asset.set_meta&tags=: stored, silently ignored, or the whole call refused as an unknown parameter. */
  setMetaTags: z.enum(['store', 'ignore', 'refuse']).optional(),
  /** A chunk the upload endpoint already holds, sent again: answered as before, or refused (which finishes the URL). */
  resentChunk: z.enum(['accept', 'refuse']).optional(),
  /** The upload endpoint's unique-id: any text, or digits only (Cincopa's uploader sends Date.now(); a server may parse it as a number). */
  uniqueId: z.enum(['any', 'numeric']).optional(),
  /** Longest request URL (path + query) a front end accepts, in bytes. */
  maxUrlBytes: z.number().int().min(256).optional(),
  /** The status for a longer URL: 431 (Node's own answer) or 414 (nginx, Apache). */
  urlTooLongStatus: z.union([z.literal(414), z.literal(431)]).optional(),
  /** Largest urlencoded/JSON API request body (POST), in bytes; larger answers 413. */
  maxBodyBytes: z.number().int().min(1024).optional(),
});

export type CincopaSettingsInput = z.input<typeof cincopaSettingsSchema>;
export type CincopaSettings = { [K in keyof CincopaSettingsInput]-?: Exclude<CincopaSettingsInput[K], undefined> };
export type RidKey = z.infer<typeof ridKey>;

const COMMON = { processingMs: 300, resentChunk: 'accept', galleryDoubles: 'keep', maxUrlBytes: 8192, urlTooLongStatus: 431, maxBodyBytes: 1024 * 1024 } as const;

export const DIALECT_DEFAULTS: Record<CincopaDialect, CincopaSettings> = {
  classic: {
    ...COMMON,
    dialect: 'classic',
    failureStyle: 'http',
    authStyle: 'http',
    doneStatuses: ['done'],
    ridKeys: [['resid']],
    progressAs: 'string',
    addItemUnknownRid: 'refuse',
    referenceMatch: 'exact',
    setMetaTags: 'store',
    uniqueId: 'any',
  },
  alt: {
    ...COMMON,
    dialect: 'alt',
    failureStyle: 'success-false',
    authStyle: 'success-false',
    // C9 says "ready", C10 "completed": alternate, so one run meets both.
    doneStatuses: ['ready', 'completed'],
    // 2 statuses x 3 key sets: every 6 uploads meet every combination.
    ridKeys: [['asset_id'], ['rid'], ['asset_id', 'rid']],
    progressAs: 'number',
    addItemUnknownRid: 'ignore',
    referenceMatch: 'substring',
    setMetaTags: 'refuse',
    uniqueId: 'numeric',
  },
};

/**
 * Live settings: the dialect's defaults under the knobs set explicitly. Changing the dialect
 * later re-derives every knob that was not set explicitly.
 */
export class CincopaSettingsStore {
  readonly current: CincopaSettings;
  #explicit: CincopaSettingsInput = {};

  constructor(input: CincopaSettingsInput = {}) {
    this.current = { ...DIALECT_DEFAULTS.classic };
    this.update(input);
  }

  /** Validates and applies `patch` (throws a ZodError naming the bad key). */
  update(patch: unknown): CincopaSettings {
    const parsed = cincopaSettingsSchema.parse(patch);
    const defined = Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined));
    this.#explicit = { ...this.#explicit, ...defined };
    Object.assign(this.current, DIALECT_DEFAULTS[this.#explicit.dialect ?? 'classic'], this.#explicit);
    return this.current;
  }
}
