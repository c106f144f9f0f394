// A named SQL text: node-postgres prepares it once per connection under its name, so the
// frequent statements (claim, transition) are parsed and planned once, not at every call.

export interface Statement {
  readonly name: string;
  readonly text: string;
}

export function statement(name: string, text: string): Statement {
  return { name: `ferry_${name}`, text };
}
