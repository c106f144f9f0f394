// Cincopa takes every parameter in the query string (set_meta included), and HTTP servers
// refuse request lines beyond a few KB (431/414). Nobody documents Cincopa's own limits, so
// ferry keeps each field to a size that fits a conservative 8 KB request line once
// percent-encoded: a row over these limits is rejected at planning, before anything is
// uploaded. The asset is also labelled with its reference id in a call of its own before the
// long fields are sent, so even a refusal of those leaves a findable asset.

export const CINCOPA_FIELD_LIMITS: Record<string, number> = {
  title: 255,
  description: 1_000,
  tags: 500,
};
