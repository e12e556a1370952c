-- A migration no Roomote has: SchemaHandoverTest applies it to show that only the retired versions may be missing.
SELECT 1;
