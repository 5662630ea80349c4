DROP TABLE workflow_api_keys;
