DROP TABLE collection_terms;
