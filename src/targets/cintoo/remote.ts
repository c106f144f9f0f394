// What ferry keeps per item for Cintoo in the ledger, typed.

import { z } from 'zod';

export const cintooRemoteSchema = z.looseObject({
  /** Lowercase hex MD5 of the whole file, with the size and mtime it was computed for. */
  md5: z.string().optional(),
  hashedSize: z.number().optional(),
  hashedMtimeMs: z.number().optional(),
  /** The file as registered in the work zone. */
  fileUrn: z.string().optional(),
});

export type CintooRemote = z.output<typeof cintooRemoteSchema>;
