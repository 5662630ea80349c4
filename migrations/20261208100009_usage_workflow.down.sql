ALTER TABLE usage_records DROP COLUMN workflow_id;
