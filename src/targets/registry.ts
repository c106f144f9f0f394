// The one list of platforms ferry uploads to. A new platform is a folder under targets/ with
// its registration object, plus one line in TARGETS.

import { UsageError } from '../core/errors.ts';
import { cincopaRegistration } from './cincopa/registration.ts';
import { cintooRegistration } from './cintoo/registration.ts';
import type { TargetDeps, TargetRegistration } from './registration.ts';
import type { Target } from './types.ts';

export const TARGETS = [cincopaRegistration, cintooRegistration] as const;

type Registered = (typeof TARGETS)[number];
export type TargetSpec = Registered extends TargetRegistration<unknown, infer Spec> ? Spec : never;
/** Every target's config section schema, keyed by its type: `config.cincopa`, `config.cintoo`, ... */
type TargetSectionSchemas = { [R in Registered as R['type']]: R['configSchema'] };

// Registrations are generic in their own types; the registry deals in the erased form.
type AnyRegistration = TargetRegistration<unknown, { type: string }, Record<string, unknown>>;

export function registrationFor(type: string): AnyRegistration {
  const found = (TARGETS as readonly unknown[]).find((registration) => (registration as AnyRegistration).type === type) as AnyRegistration | undefined;
  if (!found) throw new UsageError(`target.type "${type}" is not a platform ferry knows. Fix: use one of ${TARGETS.map((t) => `"${t.type}"`).join(', ')}.`);
  return found;
}

/** The config sections of every target, for the config schema. */
export function targetConfigSections(): TargetSectionSchemas {
  return Object.fromEntries(TARGETS.map((registration) => [registration.type, registration.configSchema])) as never;
}

export type CreateTargetDeps = Omit<TargetDeps<unknown, TargetSpec>, 'section'> & { sections: Record<string, unknown> };

/** The target a job names, built from its registration with its own config section. */
export function createTarget(deps: CreateTargetDeps): Target {
  const registration = registrationFor(deps.spec.type);
  const { sections, ...rest } = deps;
  return registration.create({ ...rest, spec: deps.spec as never, section: sections[registration.type] as never });
}
