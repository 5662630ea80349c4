ALTER TABLE models DROP COLUMN fusion_weight;
