// The reference id that makes an item findable at Cincopa: `ferry:<job>:<key>;`.
//
// Cincopa's reference_id filter may match substrings (nobody documents it), and a lookup that
// finds another item's asset would skip an upload. So no reference id ferry writes may be a
// substring of another one: the key is percent-encoded (no ':' or ';' inside), the job name
// has no ':' (the job schema's rule), and ';' ends the id. Any such id has exactly two ':' and
// one ';' (its last character); a substring that ends in ';' and holds both ':' must begin at
// `ferry:`, so it is the whole id. A re-upload of changed content gets its own id: `#r<n>`
// goes inside, before the ';' (a '#' in a key is encoded, so this one is unambiguous).

export function referenceId(jobName: string, key: string, revision: number): string {
  return `ferry:${jobName}:${encodeURIComponent(key)}${revision > 0 ? `#r${revision}` : ''};`;
}

/** The reference id ferry 0.1 wrote (`ferry:<job>:<key>[#r<n>]`), for jobs first run with it. */
export function legacyReferenceId(jobName: string, key: string, revision: number): string {
  return `ferry:${jobName}:${key}${revision > 0 ? `#r${revision}` : ''}`;
}

/** The item key a reference id of this job carries, or undefined when it is not one of the job's. */
export function keyOfReferenceId(jobName: string, reference: string): { key: string; revision: number } | undefined {
  const prefix = `ferry:${jobName}:`;
  if (!reference.startsWith(prefix) || !reference.endsWith(';')) return undefined;
  const body = reference.slice(prefix.length, -1);
  const revisionMatch = /#r(\d+)$/.exec(body);
  const encoded = revisionMatch ? body.slice(0, revisionMatch.index) : body;
  try {
    return { key: decodeURIComponent(encoded), revision: revisionMatch ? Number(revisionMatch[1]) : 0 };
  } catch {
    return undefined;
  }
}
