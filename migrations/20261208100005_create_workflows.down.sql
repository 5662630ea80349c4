DROP TABLE workflow_run_steps;
--bun:split
DROP TABLE workflow_runs;
--bun:split
DROP TABLE workflow_versions;
--bun:split
DROP TABLE workflows;
