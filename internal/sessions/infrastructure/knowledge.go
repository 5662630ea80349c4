package infrastructure

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	knowledgeapp "github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/application"
	"github.com/agora-platform/agora/internal/sessions/domain"
)

// maxChunksPerDocument bounds how many passages of one document a prompt
// gets, so one long document does not crowd out the others.
const maxChunksPerDocument = 3

// Knowledge searches an assistant's collections with the files module.
type Knowledge struct{ k *knowledgeapp.Knowledge }

// NewKnowledge returns the adapter.
func NewKnowledge(k *knowledgeapp.Knowledge) Knowledge { return Knowledge{k: k} }

// Search returns the best chunks grouped per document: a document's
// number follows its best chunk's rank, its text holds up to three of its
// chunks in document order, its reference the best one.
func (k Knowledge) Search(ctx context.Context, tenant tenancy.ID, user uuid.UUID, a application.AssistantInfo, question string, limit int) ([]application.Source, error) {
	// A website's pages are a collection with the website's id.
	ids := append(append([]uuid.UUID{}, a.Groups...), a.Websites...)
	hits, err := k.k.SearchCollections(ctx, tenant, user, ids, question,
		knowledgeapp.SearchOptions{N: limit, Mode: knowledgeapp.Mode(a.RetrievalMode), MinScore: a.MinScore, Rerank: a.Rerank})
	if err != nil {
		return nil, err
	}
	var order []uuid.UUID
	groups := map[uuid.UUID][]knowledgeapp.Hit{}
	for _, h := range hits {
		if _, ok := groups[h.Blob]; !ok {
			order = append(order, h.Blob)
		}
		if len(groups[h.Blob]) < maxChunksPerDocument {
			groups[h.Blob] = append(groups[h.Blob], h)
		}
	}
	out := make([]application.Source, len(order))
	for i, blob := range order {
		hs := groups[blob]
		best := hs[0]
		sort.SliceStable(hs, func(x, y int) bool { return hs[x].No < hs[y].No })
		texts := make([]string, len(hs))
		for j, h := range hs {
			texts[j] = h.Text
		}
		ref := domain.Reference{ID: blob.String(), Title: best.Title, URL: best.Source, GroupID: best.Collection.String(), Score: best.Score,
			Section: best.Section, Page: best.PageStart, Chunk: &domain.ChunkText{Text: best.Text, ChunkNo: best.No}}
		if !slices.Contains(a.Websites, best.Collection) {
			ref.FileURL = fileURL(blob, best.PageStart)
		}
		out[i] = application.Source{Number: i + 1, Text: strings.Join(texts, "\n…\n"), Reference: ref}
	}
	return out, nil
}

// fileURL opens a document's file, at a page when it has pages. A
// document whose file was not kept answers it with a 404 that says so.
func fileURL(blob uuid.UUID, page int) string {
	u := "/api/v1/info-blobs/" + blob.String() + "/file"
	if page > 0 {
		u += "#page=" + strconv.Itoa(page)
	}
	return u
}
