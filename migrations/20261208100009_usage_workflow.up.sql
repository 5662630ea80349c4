-- Usage of workflow steps names the workflow, so usage is counted per
-- tenant, user, assistant, model and workflow.
ALTER TABLE usage_records ADD COLUMN workflow_id uuid;
