// Zod schemas of the Cintoo answers ferry's client uses, written from the provider's OpenAPI
// document (api-evangelist/cintoo openapi/_original/cintoo-openapi-original.json and its split
// copies, fetched 2026-10-04) and its prose on authentication and errors. Required fields are the
// document's `required` lists; fields it leaves optional are optional here.
//
// Why these live in test/contract and not in src/targets/cintoo: they hold the *sandbox* to the
// whole document, including fields ferry never reads. A client should parse only the fields it
// uses, leniently, so that a field the document calls required but the real service drops (as it
// dropped File.blob on 2025-11-01) does not break a migration.
//
// Where the document and its prose disagree or are silent, the choice is noted at the field.

import { z } from 'zod';

const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

/** `urn:cintoo:<kind>:<UUIDv4>`; the document gives WorkzoneUrn this exact pattern. */
const urnOf = (kind: string): z.ZodString => z.string().regex(new RegExp(`^urn:cintoo:${kind}:${UUID_V4}$`));
const uuid = z.string().regex(new RegExp(`^${UUID_V4}$`));
/** RFC 3339 date-time, e.g. 2017-08-18T12:41:31Z. */
const dateTime = z.iso.datetime({ offset: true });

export const accountUrn = urnOf('account');
export const projectUrn = urnOf('project');
export const workzoneUrn = urnOf('workzone');
export const fileUrn = urnOf('file');
export const userUrn = urnOf('user');
/** "urn:cintoo:format:" followed by a number (format ids are integers). */
export const formatUrn = z.string().regex(/^urn:cintoo:format:\d+$/);

/** RFC 9457 problem details plus Cintoo's two extensions; `status` and `title` always present. */
export const errorSchema = z.object({
  status: z.number().int(),
  title: z.string().min(1),
  detail: z.string().optional(),
  errorCode: z.string().optional(),
  errorValues: z.record(z.string(), z.unknown()).optional(),
});

/** POST /oauth/token (form-encoded refresh) — from the authentication prose, not a schema. */
export const tokenSchema = z.object({
  access_token: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT'),
  refresh_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
  user_id: z.string().min(1),
});

/** GET /api/isLogged. */
export const isLoggedSchema = z.object({ success: z.literal(true) });

const modificationInfo = z.object({
  createdAt: dateTime.optional(),
  createdBy: userUrn,
  updatedAt: dateTime.optional(),
  updatedBy: userUrn.optional(),
  deletedAt: dateTime.optional(),
  deletedBy: userUrn.optional(),
  isDeleted: z.boolean(),
});

const subscription = z.object({
  id: urnOf('subscription'),
  type: z.literal('subscription'),
  api1Id: uuid,
  accountId: accountUrn,
  isVa: z.boolean(),
  isActive: z.boolean(),
  isTrial: z.boolean(),
  name: z.string().optional(),
  geoImageCapacity: z.number().int(),
  tagCapacity: z.number().int(),
  scanCapacity: z.number().int(),
});

const region = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.enum(['azure', 's3', 'minio']),
  cloudProvider: z.enum(['azure', 's3', 'gcp', 'minio']).optional(),
  region: z.string().optional(),
  countryCode: z.string().optional(),
  hasCdn: z.boolean().optional(),
  selected: z.boolean().optional(),
  default: z.boolean().optional(),
});

export const accountSchema = z.object({
  id: accountUrn,
  type: z.literal('account'),
  api1Id: uuid,
  name: z.string(),
  createdAt: dateTime.optional(),
  updatedAt: dateTime.optional(),
  ownerId: userUrn,
  permissions: z.object({ isOwner: z.boolean(), isAdmin: z.boolean(), isManager: z.boolean(), isProjectLister: z.boolean() }),
  subscriptions: z.array(subscription),
  regions: z.array(region),
});

export const projectSchema = z.object({
  id: projectUrn,
  type: z.literal('project'),
  api1Id: uuid,
  accountId: accountUrn,
  subscriptionId: urnOf('subscription'),
  isdemo: z.boolean(),
  region: z.string(),
  name: z.string(),
  description: z.string(),
  ownerId: userUrn,
  location: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }),
  modificationInfo,
  // The schema types it as an object; the prose says null when every count* parameter is false.
  statsInfo: z.object({ scanCount: z.number().int().optional(), scanSize: z.number().int().optional(), tagCount: z.number().int().optional(), workzoneCount: z.number().int().optional() }).nullable().optional(),
  coverBlobName: z.string().optional(),
  coverUrl: z.string().optional(),
  rootWorkzoneId: workzoneUrn,
  permissions: z.array(z.string()),
  bimOnRootWz: z.boolean(),
});

export const workzoneSchema = z.object({
  id: workzoneUrn,
  type: z.literal('workzone'),
  api1Id: uuid,
  projectId: projectUrn,
  // Not in the required list; "null if the work zone is a root work zone".
  parentId: workzoneUrn.nullable().optional(),
  rootWorkzoneId: workzoneUrn,
  name: z.string(),
  description: z.string(),
  roleIds: z.array(urnOf('role')),
  coverBlobName: z.string().optional(),
  coverUrl: z.string().optional(),
  modificationInfo,
  statsInfo: z.object({ scanCount: z.number().int().nullable(), scanSize: z.number().int().nullable(), tagCount: z.number().int().nullable() }),
});

export const FILE_CATEGORIES = ['document', 'model', 'scan', 'media', 'miscfile', 'archive', 'geoImage', 'sitemap', 'modelReport', 'video3d', 'gaussian'] as const;

export const formatSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string(),
  extension: z.string(),
  icon: z.string(),
  canBeUploaded: z.boolean(),
  shareUrlType: z.string(),
  categoryName: z.string(),
  categoryDescription: z.string(),
  categoryType: z.string(),
});

/**
 * File = FileBase + FileBlob + `type` (the category). `blob` was deprecated and removed on
 * 2025-11-01, so it is optional although the FileBlob schema still requires it. The category
 * variants add fields Cintoo's processing fills in (a scan's resolution, a model's placement);
 * ferry reads none of them, so they are not checked. The document has no `md5` on files, and no
 * `category` or `creationDate`: a client that reads them would break, so they must be absent.
 */
export const fileSchema = z.object({
  id: fileUrn,
  api1Id: uuid,
  projectId: projectUrn,
  workzoneId: workzoneUrn,
  name: z.string(),
  formatId: formatUrn,
  size: z.number().int().nonnegative(),
  createdAt: dateTime,
  createdBy: userUrn,
  updatedAt: dateTime.nullable().optional(),
  updatedBy: userUrn.nullable().optional(),
  blob: z.string().optional(),
  blobName: z.string().min(1),
  url: z.url(),
  type: z.enum(FILE_CATEGORIES),
  md5: z.never().optional(),
  category: z.never().optional(),
  creationDate: z.never().optional(),
});

/** One entry of the bulk-files request (sign and register take the same array). */
export const bulkFileEntrySchema = z.object({
  name: z.string().min(1).max(255),
  extension: z.string(),
  size: z.number().int(),
  md5: z.string(),
  isAttachment: z.boolean().optional(),
});

/** POST …/bulk-files: one signed URL per file, in request order. */
export const signResponseSchema = z.object({
  provider: z.string(),
  expiresIn: z.number().int(),
  files: z.array(z.object({ name: z.string(), extension: z.string(), size: z.number().int(), md5: z.string(), url: z.url(), blobName: z.string().min(1) })),
});

/** PUT …/bulk-files: the registered files. */
export const registerResponseSchema = z.array(z.object({ name: z.string(), extension: z.string(), size: z.number().int(), md5: z.string(), id: fileUrn, blobName: z.string().min(1) }));

/**
 * The documented errorCode families (errors list): 400 invalid-<type>-urn and invalid-input, 401
 * unauthorized, 403 <action>-<resource>-forbidden, deleted-<type>, not-member-of-project,
 * not-contributor-of-project, list-*-forbidden, view-*-forbidden, 404 <type>-not-found.
 */
export const DOCUMENTED_ERROR_CODES: Record<number, RegExp> = {
  400: /^(invalid-[a-z]+-urn|invalid-input)$/,
  401: /^unauthorized$/,
  403: /^([a-z]+-[a-z-]+-forbidden|deleted-[a-z]+|not-member-of-project|not-contributor-of-project)$/,
  404: /^[a-z-]+-not-found$/,
};
