// Small zod building blocks shared by the config schema and every target's own config section.
// Kept apart from schema.ts so a target can use them without importing the schema that
// imports the target registry.

import { z } from 'zod';

export const positiveInt = () => z.number().int().positive();
export const durationMs = () => z.number().int().nonnegative();
