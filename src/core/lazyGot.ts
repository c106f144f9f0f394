// got, loaded on first use (Cintoo's API, validate's source probes). Importing it (and what it
// pulls in: http2, cacheable-request, ...) costs a process about 19 MB of RSS and 6 MB of heap,
// which a run that never sends a request through it should not pay: planning, and every Cincopa
// job (its API calls go over node:http, its uploads through fileRequest.ts).

import type { Got } from 'got';

let loading: Promise<Got> | undefined;

export function loadGot(): Promise<Got> {
  return (loading ??= import('got').then((module) => module.default));
}
