// Cintoo references: every object is shown with its URN (`urn:cintoo:<type>:<id>`) in `id` and
// its raw id in `api1Id`; every `{ref}` accepts either. A URN of another type, or a malformed
// one, is refused with 400 `invalid-<type>-urn` (the provider's errors list) — a client that
// mixes up a project URN and a work zone URN must find out here, not in production.

import { CintooError } from './errors.ts';

export type RefKind = 'account' | 'project' | 'workzone' | 'file' | 'user' | 'format' | 'role' | 'subscription';

export const urn = (kind: RefKind, id: string): string => `urn:cintoo:${kind}:${id}`;

const URN = /^urn:cintoo:([A-Za-z0-9-]+):(.+)$/;

/** The raw id a reference names, after checking that a URN is of the expected type. */
export function rawId(ref: string, kind: RefKind): string {
  if (!ref.toLowerCase().startsWith('urn:')) return ref;
  const match = URN.exec(ref);
  if (!match) throw invalidUrn(kind, `Malformed Urn: expected urn:cintoo:${kind}:<id>`);
  if (match[1] !== kind) throw invalidUrn(kind, `ID type mismatch in Urn. Expected a '${kind}', found a '${match[1]}'`);
  return match[2]!;
}

function invalidUrn(kind: RefKind, detail: string): CintooError {
  return new CintooError(400, `invalid-${kind}-urn`, { detail });
}
