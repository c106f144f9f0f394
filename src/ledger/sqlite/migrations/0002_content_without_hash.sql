-- Change detection compares an item's content (source, fields, size, mtime_ms) with the
-- manifest's directly, so the separate digest is gone: one less value to compute per manifest
-- row, and a ledger can never disagree with itself about what an item holds.
ALTER TABLE items DROP COLUMN content_hash;
