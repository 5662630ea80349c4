package infrastructure

import (
	"context"
	"fmt"
	"strings"

	"github.com/agora-platform/agora/internal/files/application"
	"github.com/agora-platform/agora/internal/files/domain"
	"github.com/agora-platform/agora/internal/platform/postgres"
)

// maxQueryTerms bounds the lexemes a full-text query uses.
const maxQueryTerms = 64

// TextMatches finds chunks of the scope holding any of the query's terms
// (in the collection's language), the best limit of them by ts_rank, with
// each candidate's term frequencies and length from its tsvector, and the
// scope's document frequencies and totals: what BM25 needs.
func (k *Knowledge) TextMatches(ctx context.Context, s application.Scope, query string, limit int) (application.TextMatches, error) {
	out := application.TextMatches{DocFreq: map[string]int{}}
	if len(s.Collections) == 0 {
		return out, nil
	}
	db := postgres.Conn(ctx, k.db)
	cfg := domain.FTSConfig(s.Language)
	var terms []string
	err := db.NewRaw(`SELECT coalesce(array_agg(lexeme ORDER BY lexeme), '{}') FROM unnest(to_tsvector(?::regconfig, ?))`, cfg, query).
		Scan(ctx, pgArray(&terms))
	if err != nil {
		return out, fmt.Errorf("read the query's terms: %w", err)
	}
	if len(terms) == 0 {
		return out, nil
	}
	terms = terms[:min(len(terms), maxQueryTerms)]
	anyTerm := orQuery(terms)
	var rows []hitRow
	err = db.NewRaw(`SELECT c.id, c.info_blob_id, c.collection_id, c.chunk_no, c.text, b.title, b.source, c.tsv::text AS tsv
		FROM chunks c JOIN info_blobs b ON b.tenant_id = c.tenant_id AND b.id = c.info_blob_id
		WHERE c.tenant_id = ? AND c.collection_id IN (?) AND c.tsv @@ ?::tsquery
		ORDER BY ts_rank(c.tsv, ?::tsquery) DESC, c.id LIMIT ?`,
		s.Tenant.UUID, bunIn(s.Collections), anyTerm, anyTerm, limit).Scan(ctx, &rows)
	if err != nil {
		return out, fmt.Errorf("full-text search: %w", err)
	}
	for _, r := range rows {
		tf, length := termFrequencies(r.TSV, terms)
		out.Candidates = append(out.Candidates, application.Candidate{Hit: r.hit(), Terms: tf, Length: length})
	}
	if err := k.frequencies(ctx, s, terms, anyTerm, &out); err != nil {
		return out, err
	}
	return out, nil
}

// frequencies counts, in one pass over the scope's matches, how many
// chunks hold each term, and reads the scope's totals.
func (k *Knowledge) frequencies(ctx context.Context, s application.Scope, terms []string, anyTerm string, out *application.TextMatches) error {
	db := postgres.Conn(ctx, k.db)
	cols := make([]string, len(terms))
	args := make([]any, 0, len(terms)+3)
	for i, t := range terms {
		cols[i] = "count(*) FILTER (WHERE tsv @@ ?::tsquery)"
		args = append(args, quoteLexeme(t))
	}
	args = append(args, s.Tenant.UUID, bunIn(s.Collections), anyTerm)
	counts := make([]int, len(terms))
	dest := make([]any, len(terms))
	for i := range counts {
		dest[i] = &counts[i]
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM chunks WHERE tenant_id = ? AND collection_id IN (?) AND tsv @@ ?::tsquery"
	if err := db.NewRaw(q, args...).Scan(ctx, dest...); err != nil {
		return fmt.Errorf("count term frequencies: %w", err)
	}
	for i, t := range terms {
		out.DocFreq[t] = counts[i]
	}
	err := db.NewRaw(`SELECT coalesce(sum(chunk_count), 0), coalesce(sum(term_count), 0) FROM collections WHERE tenant_id = ? AND id IN (?)`,
		s.Tenant.UUID, bunIn(s.Collections)).Scan(ctx, &out.Chunks, &out.Terms)
	if err != nil {
		return fmt.Errorf("read collection totals: %w", err)
	}
	return nil
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
