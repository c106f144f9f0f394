// Turns a zod issue into "key.path: what is wrong. Fix: what to do" for operators.

import type { z } from 'zod';

export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const keyPath = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  switch (issue.code) {
    case 'invalid_type': {
      const actual = valueAt(input, issue.path);
      if (actual === undefined) return `${keyPath} is missing. Fix: add "${String(issue.path.at(-1))}" (${issue.expected})`;
      return `${keyPath} must be ${issue.expected}, not ${describeValue(actual)}. Fix: change it to ${issue.expected === 'number' ? 'a number without quotes' : `a ${issue.expected}`}`;
    }
    case 'invalid_union': {
      if ('options' in issue && Array.isArray(issue.options)) {
        const actual = valueAt(input, issue.path);
        const options = issue.options.map((option: unknown) => JSON.stringify(option)).join(' or ');
        return actual === undefined ? `${keyPath} is missing. Fix: set it to ${options}` : `${keyPath} is ${JSON.stringify(actual)}, which ferry does not know. Fix: use ${options}`;
      }
      return `${keyPath}: ${issue.message}`;
    }
    case 'invalid_value':
      return `${keyPath} is ${JSON.stringify(valueAt(input, issue.path))}. Fix: use one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'unrecognized_keys':
      return `${issue.keys.map((key) => (keyPath === '(top level)' ? key : `${keyPath}.${key}`)).join(', ')} ${issue.keys.length > 1 ? 'are' : 'is'} not a known key. Fix: remove ${issue.keys.length > 1 ? 'them' : 'it'} or correct the spelling (see config.example.json and jobs/)`;
    case 'too_small':
      return `${keyPath} is too small or empty (${issue.message}). Fix: give a value of at least ${String(issue.minimum)}`;
    default:
      return `${keyPath}: ${issue.message}`;
  }
}

function valueAt(input: unknown, keyPath: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of keyPath) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
