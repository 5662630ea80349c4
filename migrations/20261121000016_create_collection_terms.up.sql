-- Document frequencies per collection and lexeme: BM25 reads them instead
-- of counting matches, and full-text search picks its candidates by the
-- query's rarest terms. Ingestion keeps them in step with the chunks.
CREATE TABLE collection_terms (
    tenant_id     uuid NOT NULL,
    collection_id uuid NOT NULL,
    lexeme        text NOT NULL,
    df            integer NOT NULL,
    PRIMARY KEY (tenant_id, collection_id, lexeme),
    FOREIGN KEY (tenant_id, collection_id) REFERENCES collections (tenant_id, id) ON DELETE CASCADE
);
--bun:split
INSERT INTO collection_terms (tenant_id, collection_id, lexeme, df)
SELECT c.tenant_id, c.collection_id, t.lexeme, count(*)
FROM chunks c, unnest(c.tsv) t
GROUP BY 1, 2, 3;
