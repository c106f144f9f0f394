// Times one HTTP request and reports it to TargetMetrics: the answer's status, `network` when
// none came, `aborted` when ferry cancelled it. For targets' clients, around the one call that
// sends (got with `throwHttpErrors: false`, so every answer resolves and only a missing answer
// throws).

import type { RequestStatus, TargetMetrics } from './types.ts';

export async function observeRequest<R extends { statusCode: number }>(
  metrics: TargetMetrics,
  call: { target: string; method: string; signal?: AbortSignal | undefined },
  send: () => Promise<R>,
): Promise<R> {
  const started = performance.now();
  const done = (status: RequestStatus): void => metrics.request(call.target, call.method, status, (performance.now() - started) / 1000);
  try {
    const response = await send();
    done(response.statusCode);
    return response;
  } catch (error) {
    done(call.signal?.aborted ? 'aborted' : 'network');
    throw error;
  }
}
