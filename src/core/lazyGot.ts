// got, loaded on first use. Importing it (and what it pulls in: http2, cacheable-request, ...)
// costs a process about 19 MB of RSS and 6 MB of heap, which a run that never sends a request
// through it (planning, from-URL jobs: their API calls go over node:http) should not pay.

import type { Got } from 'got';

let loading: Promise<Got> | undefined;

export function loadGot(): Promise<Got> {
  return (loading ??= import('got').then((module) => module.default));
}
