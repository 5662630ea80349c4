package infrastructure

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// maxQueryTerms bounds the lexemes a full-text query uses.
const maxQueryTerms = 64

// TextMatches finds chunks of the scope holding the query's terms (in the
// collection's language), the best limit of them by ts_rank, with each
// candidate's term frequencies and length from its tsvector, and the
// scope's document frequencies and totals: what BM25 needs. Candidates
// are looked for by the rarest terms first, so that common words do not
// make it rank most of the scope.
func (k *Knowledge) TextMatches(ctx context.Context, s application.Scope, query string, limit int) (application.TextMatches, error) {
	out := application.TextMatches{DocFreq: map[string]int{}}
	if len(s.Collections) == 0 {
		return out, nil
	}
	db := postgres.Conn(ctx, k.db)
	terms, err := k.queryTerms(ctx, s, query, &out)
	if err != nil || len(terms) == 0 {
		return out, err
	}
	seek := rarest(terms, out.DocFreq, candidateBudget*limit)
	if len(seek) == 0 {
		return out, nil
	}
	var rows []hitRow
	err = db.NewRaw(`WITH m AS MATERIALIZED (
			SELECT id, info_blob_id, collection_id, chunk_no, tsv FROM chunks
			WHERE tenant_id = ? AND collection_id IN (?) AND tsv @@ ?::tsquery LIMIT ?)
		SELECT id, info_blob_id, collection_id, chunk_no, tsv::text AS tsv FROM m
		ORDER BY ts_rank(tsv, ?::tsquery) DESC, id LIMIT ?`,
		s.Tenant.UUID, bunIn(s.Collections), orQuery(seek), candidateBudget*limit, orQuery(terms), limit).Scan(ctx, &rows)
	if err != nil {
		return out, fmt.Errorf("full-text search: %w", err)
	}
	for _, r := range rows {
		tf, length := termFrequencies(r.TSV, terms)
		out.Candidates = append(out.Candidates, application.Candidate{Hit: r.hit(), Terms: tf, Length: length})
	}
	return out, nil
}

// Chunks reads chunks' text, title and source by id.
func (k *Knowledge) Chunks(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) (map[uuid.UUID]application.Hit, error) {
	var rows []hitRow
	err := postgres.Conn(ctx, k.db).NewRaw(`SELECT c.id, c.info_blob_id, c.collection_id, c.chunk_no, c.text, c.section, c.page_start, c.page_end, b.title, b.source
		FROM chunks c JOIN info_blobs b ON b.tenant_id = c.tenant_id AND b.id = c.info_blob_id
		WHERE c.tenant_id = ? AND c.id IN (?)`, tenant.UUID, bunIn(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read chunks: %w", err)
	}
	out := make(map[uuid.UUID]application.Hit, len(rows))
	for _, r := range rows {
		out[r.ID] = r.hit()
	}
	return out, nil
}

// candidateBudget is how many matches, per candidate wanted, full-text
// search ranks at most.
const candidateBudget = 4

// rarest picks the terms to look for candidates by: the rarest first,
// while their matches stay within budget, and always the rarest one.
func rarest(terms []string, df map[string]int, budget int) []string {
	present := make([]string, 0, len(terms))
	for _, t := range terms {
		if df[t] > 0 {
			present = append(present, t)
		}
	}
	sort.SliceStable(present, func(i, j int) bool { return df[present[i]] < df[present[j]] })
	total := 0
	for i, t := range present {
		total += df[t]
		if i > 0 && total > budget {
			return present[:i]
		}
	}
	return present
}

// queryTerms reads the query's lexemes (in the scope's language, at most
// maxQueryTerms), how many chunks of the scope hold each, and the scope's
// totals, in one round trip: what BM25 needs besides the candidates.
func (k *Knowledge) queryTerms(ctx context.Context, s application.Scope, query string, out *application.TextMatches) ([]string, error) {
	var rows []struct {
		Lexeme string `bun:"lexeme"`
		DF     int    `bun:"df"`
		Chunks int64  `bun:"chunks"`
		Terms  int64  `bun:"terms"`
	}
	err := postgres.Conn(ctx, k.db).NewRaw(`WITH q AS (SELECT lexeme FROM unnest(to_tsvector(?::regconfig, ?)) ORDER BY lexeme LIMIT ?),
		f AS (SELECT lexeme, sum(df) AS df FROM collection_terms
			WHERE tenant_id = ? AND collection_id IN (?) AND lexeme IN (SELECT lexeme FROM q) GROUP BY lexeme),
		total AS (SELECT coalesce(sum(chunk_count), 0) AS chunks, coalesce(sum(term_count), 0) AS terms
			FROM collections WHERE tenant_id = ? AND id IN (?))
		SELECT q.lexeme, coalesce(f.df, 0) AS df, total.chunks, total.terms FROM q LEFT JOIN f USING (lexeme) CROSS JOIN total ORDER BY q.lexeme`,
		domain.FTSConfig(s.Language), query, maxQueryTerms, s.Tenant.UUID, bunIn(s.Collections), s.Tenant.UUID, bunIn(s.Collections)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read the query's terms and their frequencies: %w", err)
	}
	terms := make([]string, len(rows))
	for i, r := range rows {
		terms[i] = r.Lexeme
		if r.DF > 0 {
			out.DocFreq[r.Lexeme] = r.DF
		}
		out.Chunks, out.Terms = r.Chunks, r.Terms
	}
	return terms, nil
}

// quoteLexeme writes a lexeme as a tsquery operand.
func quoteLexeme(t string) string { return "'" + strings.ReplaceAll(t, "'", "''") + "'" }

// orQuery matches chunks holding any of the lexemes.
func orQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = quoteLexeme(t)
	}
	return strings.Join(parts, " | ")
}

// termFrequencies reads a tsvector's text form ('lexeme':1,5A 'other':2)
// and returns how often each wanted lexeme occurs and how many positions
// the chunk has in all.
func termFrequencies(tsv string, wanted []string) (map[string]int, int) {
	want := make(map[string]bool, len(wanted))
	for _, w := range wanted {
		want[w] = true
	}
	tf := map[string]int{}
	length := 0
	for i := 0; i < len(tsv); {
		if tsv[i] != '\'' {
			i++
			continue
		}
		lexeme, next := readQuoted(tsv, i)
		i = next
		n := 1 // a lexeme without positions counts once
		if i < len(tsv) && tsv[i] == ':' {
			end := strings.IndexByte(tsv[i:], ' ')
			if end < 0 {
				end = len(tsv) - i
			}
			n = strings.Count(tsv[i:i+end], ",") + 1
			i += end
		}
		length += n
		if want[lexeme] {
			tf[lexeme] = n
		}
	}
	return tf, length
}

// readQuoted reads a single-quoted lexeme (” is a quote) starting at i.
func readQuoted(s string, i int) (string, int) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		if s[j] != '\'' {
			b.WriteByte(s[j])
			continue
		}
		if j+1 < len(s) && s[j+1] == '\'' {
			b.WriteByte('\'')
			j++
			continue
		}
		return b.String(), j + 1
	}
	return b.String(), len(s)
}
