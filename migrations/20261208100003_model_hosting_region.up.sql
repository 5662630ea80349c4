-- Where a model is hosted (a free text the admin sets, e.g. "EU (Sweden)"),
-- shown beside the model so users can judge where their text goes.
ALTER TABLE models ADD COLUMN hosting_region text NOT NULL DEFAULT '';
