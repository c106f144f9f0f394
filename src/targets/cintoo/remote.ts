// What ferry keeps per item for Cintoo in the ledger, typed. Every key is optional because each
// step adds its own; unknown keys from older ledgers are kept, not rejected.
//
//   pending → hashed(md5, size, mtime) → signed(url, blobName, expiry) → uploading(blocks)
//           → uploaded → registered(file URN) → done

import { z } from 'zod';

export const cintooRemoteSchema = z.looseObject({
  /** Lowercase hex MD5 of the whole file, with the size and mtime it was computed for. */
  md5: z.string().optional(),
  hashedSize: z.number().optional(),
  hashedMtimeMs: z.number().optional(),
  /** The work zone (URN) the file goes to, fixed at signing so a resumed item never moves. */
  workzoneId: z.string().optional(),
  /** The signed storage URL (a credential: the ledger is its owner's only), its blob and expiry (epoch ms). */
  url: z.string().nullish(),
  blobName: z.string().nullish(),
  urlExpiresAt: z.number().nullish(),
  /** Signed URLs storage refused (403) in a row: a refused URL is signed again, a few times. */
  urlRefusals: z.number().optional(),
  /** Block uploads: the blob the acknowledged blocks belong to, the block size, and the blocks as ranges ("0-41,43"). */
  blockBlob: z.string().nullish(),
  blockSize: z.number().optional(),
  blocks: z.string().optional(),
  /** Block uploads that started over because a new signing named a new blob. */
  blockRestarts: z.number().optional(),
  /** Uploads Cintoo's register could not find in storage, each uploaded again. */
  uploadRestarts: z.number().optional(),
  /** Set before PUT bulk-files: a lost answer may still have registered the file. */
  registerIntentAt: z.number().nullish(),
  /** The file as registered in the work zone. */
  fileUrn: z.string().optional(),
  /** The file was found in the work zone (same name and size) instead of uploaded by this job. */
  preexisting: z.boolean().optional(),
  /** The file an ambiguous register made, found by listing the project's files. */
  adopted: z.boolean().optional(),
});

export type CintooRemote = z.output<typeof cintooRemoteSchema>;
