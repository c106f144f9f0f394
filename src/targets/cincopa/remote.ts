// What ferry keeps per item for Cincopa in the ledger, typed. Every key is optional because
// each step adds its own; unknown keys from older ledgers are kept, not rejected.

import { z } from 'zod';

export const cincopaRemoteSchema = z.looseObject({
  /** upload_from_url: the status id to poll; persisted before polling, or a crash re-submits. */
  statusId: z.string().nullish(),
  submittedAt: z.number().nullish(),
  /** Fetches Cincopa could not complete for a passing reason (the item is submitted again). */
  fetchFailures: z.number().optional(),
  /** Set just before upload_from_url is sent: a lost answer may still have started a fetch. */
  submitIntentAt: z.number().nullish(),
  progress: z.number().nullable().optional(),
  /** get_status calls so far: the poll schedule backs off with it. */
  polls: z.number().optional(),
  /** The asset, once Cincopa has it. */
  rid: z.string().optional(),
  /** The asset was found by its reference id, not uploaded by this run: the item ends `skipped`. */
  preexisting: z.boolean().optional(),
  /** The asset of an interrupted submission, taken over instead of uploading a twin. */
  adopted: z.boolean().optional(),
  /** Direct upload: the upload URL, the file's fixed unique-id and the acknowledged offset. */
  uploadUrl: z.string().optional(),
  uniqueId: z.string().optional(),
  offset: z.number().optional(),
  /** Upload URLs the endpoint refused for this file so far (each refusal restarts it with a new one). */
  urlRestarts: z.number().optional(),
  /** Set before the last chunk goes out: its answer (with the rid) may be lost. */
  finalChunkAt: z.number().nullish(),
  /** Set before gallery.add_item: after a crash, membership is checked before adding again. */
  placeIntentAt: z.number().nullish(),
  /** Gallery the asset was placed in. */
  fid: z.string().optional(),
});

export type CincopaRemote = z.output<typeof cincopaRemoteSchema>;
