// The Cintoo port's own /_sandbox/ endpoints, for tests and operators driving a sandbox from
// outside the process (the same journal and fault rules as the Cincopa port's):
//   GET  /_sandbox/inventory          what the tenant holds (CintooInventory)
//   GET  /_sandbox/journal            requests, ?service=&route= to filter
//   GET|POST|DELETE /_sandbox/faults  list, add (a rule or an array), clear
//   GET|POST /_sandbox/settings       read, or change the runtime settings (options.ts)
//   POST /_sandbox/login              a fresh token pair, as a person logging in again would get

import type { IncomingMessage, ServerResponse } from 'node:http';
import { faultRuleSchema, type Faults } from '../faults.ts';
import { readBody, sendJson } from '../http.ts';
import type { Journal, SandboxService } from '../journal.ts';
import type { CintooAuth } from './auth.ts';
import type { CintooInventory } from './inventory.ts';
import { cintooRuntimeSettingsSchema, type CintooSettings } from './options.ts';

export interface ControlContext {
  journal: Journal;
  faults: Faults;
  settings: CintooSettings;
  auth: CintooAuth;
  inventory(): CintooInventory;
}

export async function handleControl(ctx: ControlContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const what = url.pathname.slice('/_sandbox/'.length);
  const method = req.method ?? 'GET';
  if (what === 'inventory' && method === 'GET') return sendJson(res, 200, ctx.inventory());
  if (what === 'journal' && method === 'GET') {
    const service = (url.searchParams.get('service') || undefined) as SandboxService | undefined;
    return sendJson(res, 200, ctx.journal.entries({ service, route: url.searchParams.get('route') || undefined }));
  }
  if (what === 'faults') {
    if (method === 'GET') return sendJson(res, 200, ctx.faults.list());
    if (method === 'DELETE') return (ctx.faults.clear(), sendJson(res, 200, { cleared: true }));
    if (method === 'POST') {
      const body = await jsonOrUndefined(req);
      const rules = (Array.isArray(body) ? body : [body]).map((rule) => faultRuleSchema.safeParse(rule));
      const bad = rules.findIndex((result) => !result.success);
      if (body === undefined || bad >= 0) return sendJson(res, 400, { error: `rule ${Math.max(bad, 0)} is not a fault rule`, issues: bad >= 0 ? rules[bad]!.error?.issues : [] });
      return sendJson(res, 200, { ids: rules.map((result) => ctx.faults.add(result.data!)) });
    }
  }
  if (what === 'settings') {
    if (method === 'GET') return sendJson(res, 200, ctx.settings);
    if (method === 'POST') {
      const parsed = cintooRuntimeSettingsSchema.safeParse(await jsonOrUndefined(req));
      if (!parsed.success) return sendJson(res, 400, { error: 'not a set of runtime settings', issues: parsed.error.issues });
      Object.assign(ctx.settings, parsed.data);
      return sendJson(res, 200, ctx.settings);
    }
  }
  if (what === 'login' && method === 'POST') return sendJson(res, 200, ctx.auth.issue());
  sendJson(res, 404, { error: 'unknown sandbox endpoint: GET inventory, GET journal, GET/POST/DELETE faults, GET/POST settings, POST login' });
}

async function jsonOrUndefined(req: IncomingMessage): Promise<unknown> {
  try {
    return JSON.parse((await readBody(req)).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
