ALTER TABLE models DROP COLUMN hosting_region;
