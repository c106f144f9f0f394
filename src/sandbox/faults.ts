// Fault injection, per service and route, scripted (`after`/`times`) or probabilistic.
// Rules come from CLI flags, a JSON profile, the /_sandbox/faults endpoint or a test.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import type { SandboxService } from './journal.ts';

// 'lost-response': the platform carries the request out, then the connection drops before the
// answer — the ambiguous outcome a client must not turn into a duplicate.
// 'processing-no-id': upload-from-URL finishes (the asset exists) but the terminal status names
// no rid at all — the client must find the asset another way or fail the item clearly.
// 'stall': the exchange goes silent for `stallMs`, then goes on — the hang a client has to detect
// and cut itself. On storage ('azurite') the proxy stops reading the body after `afterBytes`
// (default 0; past the body's end it holds back the answer); on the Cintoo API the request is
// carried out and its answer held back (a client that gives up meets an ambiguous outcome).
// `afterBytes` also places a storage 'reset' (default: half the body).
export const FAULT_KINDS = [
  'latency',
  'status',
  'rate-limit',
  'reset',
  'auth',
  'lost-response',
  'stall',
  'processing-stuck',
  'processing-slow',
  'processing-failed',
  'processing-no-id',
  'expired-url',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultRuleSchema = z.strictObject({
  service: z.enum(['cincopa', 'cincopa-upload', 'cintoo', 'origin', 'azurite', '*']).default('*'),
  route: z.string().min(1).default('*'),
  kind: z.enum(FAULT_KINDS),
  probability: z.number().min(0).max(1).optional(),
  times: z.number().int().positive().optional(),
  after: z.number().int().nonnegative().optional(),
  status: z.number().int().min(100).max(599).optional(),
  retryAfterSec: z.number().nonnegative().optional(),
  /** How a rate-limit rule writes Retry-After: delta seconds (default) or an HTTP date (RFC 9110 allows both). */
  retryAfterFormat: z.enum(['seconds', 'http-date']).optional(),
  latencyMs: z.number().int().nonnegative().optional(),
  /** 'stall': how long the exchange stays silent (default DEFAULT_STALL_MS). */
  stallMs: z.number().int().nonnegative().optional(),
  /** Storage 'reset' and 'stall': request body bytes taken in before the fault strikes. */
  afterBytes: z.number().int().nonnegative().optional(),
});
export type FaultRule = z.input<typeof faultRuleSchema> & { service?: SandboxService | '*' };

interface ActiveRule {
  id: number;
  rule: z.output<typeof faultRuleSchema>;
  seen: number;
  used: number;
}

export class Faults {
  readonly #rules: ActiveRule[] = [];
  readonly #random: () => number;
  #nextId = 1;

  constructor(rules: FaultRule[] = [], random: () => number = Math.random) {
    this.#random = random;
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): number {
    const id = this.#nextId++;
    this.#rules.push({ id, rule: faultRuleSchema.parse(rule), seen: 0, used: 0 });
    return id;
  }

  remove(id: number): void {
    const index = this.#rules.findIndex((active) => active.id === id);
    if (index >= 0) this.#rules.splice(index, 1);
  }

  clear(): void {
    this.#rules.length = 0;
  }

  list(): (ResolvedFaultRule & { id: number; used: number })[] {
    return this.#rules.map((active) => ({ ...active.rule, id: active.id, used: active.used }));
  }

  /**
   * The fault for this request: the first terminal rule (status, rate-limit, reset, auth, ...)
   * that fires, else the first latency rule that fires. Use `draw` to get both at once.
   * `kinds` restricts the candidates; without it, processing/expired-url rules are skipped
   * (they are picked by the method they shape, e.g. asset.upload_from_url).
   */
  pick(service: SandboxService, route: string, kinds?: readonly FaultKind[]): ResolvedFaultRule | undefined {
    const drawn = this.draw(service, route, kinds);
    return drawn.rule ?? drawn.latency;
  }

  /**
   * Evaluates every rule matching this request. Each matching rule counts the request (its
   * `after` window), so rules stay independent of each other; a firing rule counts a use.
   * At most one terminal rule fires (the first); every firing latency rule adds its delay.
   */
  draw(service: SandboxService, route: string, kinds?: readonly FaultKind[]): FaultDraw {
    const drawn: FaultDraw = { delayMs: 0 };
    if (this.#rules.length === 0) return drawn;
    for (const active of this.#rules) {
      const { rule } = active;
      if (rule.service !== '*' && rule.service !== service) continue;
      if (rule.route !== '*' && rule.route !== route) continue;
      if (kinds ? !kinds.includes(rule.kind) : PROCESSING.has(rule.kind)) continue;
      active.seen++;
      const isLatency = rule.kind === 'latency';
      if (!isLatency && drawn.rule) continue;
      if (rule.after !== undefined && active.seen <= rule.after) continue;
      if (rule.times !== undefined && active.used >= rule.times) continue;
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue;
      active.used++;
      if (isLatency) {
        drawn.delayMs += rule.latencyMs ?? DEFAULT_LATENCY_MS;
        drawn.latency ??= rule;
      } else drawn.rule = rule;
    }
    return drawn;
  }
}

export type ResolvedFaultRule = z.output<typeof faultRuleSchema>;

export interface FaultDraw {
  /** Sum of the firing latency rules' delays. */
  delayMs: number;
  /** The first firing latency rule, if any. */
  latency?: ResolvedFaultRule;
  /** The terminal fault to answer with, if any. */
  rule?: ResolvedFaultRule;
}

export const DEFAULT_LATENCY_MS = 200;
export const DEFAULT_STALL_MS = 30_000;

/** Kinds that shape a method's outcome (or, for 'stall', its timing) and are picked by the code that applies them. */
export const PROCESSING_KINDS: readonly FaultKind[] = ['processing-stuck', 'processing-slow', 'processing-failed', 'processing-no-id', 'expired-url', 'lost-response', 'stall'];
const PROCESSING = new Set<FaultKind>(PROCESSING_KINDS);

/**
 * A seeded random source (mulberry32) for probabilistic rules, so a failing run can be replayed:
 * `startSandbox({ seed })` draws the same faults in the same order for the same requests.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function loadFaultProfile(file: string): FaultRule[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: the fault profile cannot be read as JSON (${(error as Error).message}). Fix: give a JSON array of fault rules.`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { faults?: unknown })?.faults;
  if (!Array.isArray(list)) throw new UsageError(`${file}: a fault profile is a JSON array of rules (or {"faults": [...]}). Fix: wrap the rules in [ ].`);
  return list.map((entry, index) => {
    const parsed = faultRuleSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UsageError(`${file}: rule ${index}: ${issue.path.join('.') || '(rule)'}: ${issue.message}. Fix: kinds are ${FAULT_KINDS.join(', ')}.`);
    }
    return parsed.data;
  });
}
