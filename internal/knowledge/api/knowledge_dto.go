package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
)

// IDRef refers to something by id.
type IDRef struct {
	ID string `json:"id" format:"uuid"`
} // @name IDRef

// CreateCollectionRequest creates a collection.
type CreateCollectionRequest struct {
	Name           string `json:"name" example:"Building permits"`
	SpaceID        string `json:"space_id" format:"uuid"`
	EmbeddingModel *IDRef `json:"embedding_model,omitempty"`
} // @name CreateCollectionRequest

// RenameCollectionRequest renames a collection.
type RenameCollectionRequest struct {
	Name string `json:"name"`
} // @name RenameCollectionRequest

// CollectionResponse is a collection.
type CollectionResponse struct {
	ID             string    `json:"id" format:"uuid"`
	Name           string    `json:"name"`
	SpaceID        string    `json:"space_id" format:"uuid"`
	EmbeddingModel IDRef     `json:"embedding_model"`
	Language       string    `json:"language" enums:"simple,english,swedish"`
	InfoBlobs      int       `json:"info_blobs"`
	Chunks         int64     `json:"chunks"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
} // @name Collection

// CollectionList is a list of collections.
type CollectionList struct {
	Items []CollectionResponse `json:"items"`
	Count int                  `json:"count"`
} // @name CollectionList

func toCollection(c domain.Collection) CollectionResponse {
	return CollectionResponse{ID: c.ID.String(), Name: c.Name, SpaceID: c.Space.String(), EmbeddingModel: IDRef{ID: c.EmbeddingModel.String()},
		Language: c.Language, InfoBlobs: c.Blobs, Chunks: c.ChunkCount, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// BlobMetadata is a document's title and address.
type BlobMetadata struct {
	Title string `json:"title"`
	URL   string `json:"url"`
} // @name InfoBlobMetadata

// InfoBlobResponse is a document of a collection.
type InfoBlobResponse struct {
	ID       string       `json:"id" format:"uuid"`
	GroupID  string       `json:"group_id" format:"uuid"`
	Metadata BlobMetadata `json:"metadata"`
	MimeType string       `json:"mimetype"`
	Size     int64        `json:"size"`
	SHA256   string       `json:"sha256"`
	Chars    int          `json:"chars"`
	Chunks   int          `json:"chunks"`
	// Pages is how many pages (slides, sheets) the document has; 0 when
	// it has none.
	Pages int `json:"pages"`
	// FileURL opens the uploaded file (add #page=N for a PDF's page);
	// empty when no file is kept.
	FileURL string `json:"file_url,omitempty"`
	// Note says what of the document was not read and why ("pages 2–3
	// were not read: they are scanned and OCR is not installed").
	Note      string    `json:"note,omitempty"`
	Status    string    `json:"status" enums:"queued,ready,failed"`
	JobID     string    `json:"job_id" format:"uuid"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
} // @name InfoBlob

// InfoBlobList is a list of documents.
type InfoBlobList struct {
	Items []InfoBlobResponse `json:"items"`
	Count int                `json:"count"`
} // @name InfoBlobList

func toBlob(b domain.InfoBlob) InfoBlobResponse {
	out := InfoBlobResponse{ID: b.ID.String(), GroupID: b.Collection.String(), Metadata: BlobMetadata{Title: b.Title, URL: b.Source},
		MimeType: b.MimeType, Size: b.Size, SHA256: b.SHA256, Chars: b.Chars, Chunks: b.ChunkCount, Pages: b.Pages, Note: b.Note, Status: string(b.Status),
		JobID: b.Job.String(), CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
	if b.FileKept {
		out.FileURL = "/api/v1/info-blobs/" + b.ID.String() + "/file"
	}
	return out
}

// BlobChunk is a chunk of a document's text, where it sits.
type BlobChunk struct {
	ChunkNo   int    `json:"chunk_no"`
	Text      string `json:"text"`
	Tokens    int    `json:"tokens"`
	Section   string `json:"section"`
	PageStart int    `json:"page_start"`
	PageEnd   int    `json:"page_end"`
} // @name InfoBlobChunk

// InfoBlobText is a document with its text, chunk by chunk.
type InfoBlobText struct {
	InfoBlobResponse
	// TextChunks are the chunks from chunk_offset, at most chunk_limit.
	TextChunks []BlobChunk `json:"text_chunks"`
} // @name InfoBlobText

func toBlobText(b domain.InfoBlob, chunks []domain.Chunk) InfoBlobText {
	out := InfoBlobText{InfoBlobResponse: toBlob(b), TextChunks: make([]BlobChunk, len(chunks))}
	for i, c := range chunks {
		out.TextChunks[i] = BlobChunk{ChunkNo: c.No, Text: c.Text, Tokens: c.Tokens, Section: c.Section, PageStart: c.PageStart, PageEnd: c.PageEnd}
	}
	return out
}

// AcceptedResponse is a document taken for ingestion: its job, as the
// jobs routes show it, and the document.
type AcceptedResponse struct {
	ID             string           `json:"id" format:"uuid"`
	Status         string           `json:"status" enums:"queued,complete"`
	Task           string           `json:"task" example:"files:ingest"`
	Name           string           `json:"name"`
	ResultLocation string           `json:"result_location"`
	InfoBlob       InfoBlobResponse `json:"info_blob"`
	Duplicate      bool             `json:"duplicate"`
} // @name AcceptedDocument

// AcceptedList is documents taken for ingestion.
type AcceptedList struct {
	Items []AcceptedResponse `json:"items"`
	Count int                `json:"count"`
} // @name AcceptedDocumentList

func toAccepted(a application.Accepted) AcceptedResponse {
	status := "queued"
	if a.Duplicate {
		status = "complete"
	}
	return AcceptedResponse{ID: a.Job.String(), Status: status, Task: a.Task, Name: a.Blob.Title,
		ResultLocation: "/api/v1/info-blobs/" + a.Blob.ID.String() + "/", InfoBlob: toBlob(a.Blob), Duplicate: a.Duplicate}
}

// TextBlobRequest is one text document.
type TextBlobRequest struct {
	Text     string       `json:"text"`
	Metadata BlobMetadata `json:"metadata"`
} // @name TextBlob

// TextBlobsRequest adds text documents.
type TextBlobsRequest struct {
	InfoBlobs []TextBlobRequest `json:"info_blobs"`
} // @name TextBlobsRequest

// RetitleBlobRequest changes a document's metadata.
type RetitleBlobRequest struct {
	Metadata BlobMetadata `json:"metadata"`
} // @name RetitleInfoBlobRequest

// SearchRequest searches a collection.
type SearchRequest struct {
	SearchString string `json:"search_string" example:"parking permit fee"`
	// TopK is how many passages at most (1 to 100, default 10); NumChunks
	// is its older name.
	TopK      int `json:"top_k,omitempty" example:"10"`
	NumChunks int `json:"num_chunks,omitempty" example:"10"`
	// Mode picks the rankers: both fused (default), or one of them.
	Mode string `json:"mode,omitempty" enums:"hybrid,vector,text" example:"hybrid"`
	// MinScore drops passages scoring below it (0 to 1; 1 is the best any
	// mode gives).
	MinScore float64 `json:"min_score,omitempty" minimum:"0" maximum:"1" example:"0.2"`
	// RerankModelID names an enabled rerank model that reorders the
	// fused passages (as an assistant with one does); min_score then
	// applies to its scores.
	RerankModelID string `json:"rerank_model_id,omitempty" format:"uuid"`
} // @name SearchRequest

// options reads the request's search settings; top_k wins over its older
// name.
func (r SearchRequest) options() (application.SearchOptions, error) {
	n := r.NumChunks
	if r.TopK != 0 {
		n = r.TopK
	}
	o := application.SearchOptions{N: n, Mode: application.Mode(r.Mode), MinScore: r.MinScore}
	if r.RerankModelID != "" {
		id, err := uuid.Parse(r.RerankModelID)
		if err != nil {
			return o, errs.InvalidField("rerank_model_id", "rerank_model_id must be a model's UUID")
		}
		o.Rerank = id
	}
	return o, nil
}

// SearchHit is a found chunk with its document.
type SearchHit struct {
	ID         string `json:"id" format:"uuid"`
	InfoBlobID string `json:"info_blob_id" format:"uuid"`
	GroupID    string `json:"group_id" format:"uuid"`
	Title      string `json:"title"`
	URL        string `json:"url"`
	ChunkNo    int    `json:"chunk_no"`
	Text       string `json:"text"`
	// Section is the path of headings above the passage.
	Section string `json:"section"`
	// PageStart and PageEnd are the pages the passage spans (0: none).
	PageStart int     `json:"page_start"`
	PageEnd   int     `json:"page_end"`
	Score     float64 `json:"score"`
} // @name SearchHit

// SearchResponse is the best chunks, best first.
type SearchResponse struct {
	Items []SearchHit `json:"items"`
	Count int         `json:"count"`
} // @name SearchResponse

func toHit(h application.Hit) SearchHit {
	return SearchHit{ID: h.Chunk.String(), InfoBlobID: h.Blob.String(), GroupID: h.Collection.String(), Title: h.Title, URL: h.Source,
		ChunkNo: h.No, Text: h.Text, Section: h.Section, PageStart: h.PageStart, PageEnd: h.PageEnd, Score: h.Score}
}

// KnowledgeResponse lists a space's knowledge: its collections and its
// websites.
type KnowledgeResponse struct {
	Groups   []KnowledgeGroup   `json:"groups"`
	Websites []KnowledgeWebsite `json:"websites"`
} // @name SpaceKnowledge

// KnowledgeWebsite is a website in a space's knowledge list.
type KnowledgeWebsite struct {
	ID             string     `json:"id" format:"uuid"`
	Name           string     `json:"name"`
	URL            string     `json:"url"`
	CrawlType      string     `json:"crawl_type" enums:"crawl,sitemap"`
	UpdateInterval string     `json:"update_interval" enums:"never,daily,every_other_day,weekly"`
	EmbeddingModel SpaceIDRef `json:"embedding_model"`
	Pages          int        `json:"pages"`
	Chunks         int64      `json:"chunks"`
	LastSuccessAt  *time.Time `json:"last_success_at"`
	CreatedAt      time.Time  `json:"created_at"`
} // @name SpaceKnowledgeWebsite

// SpaceIDRef refers to something by id in a space's knowledge list.
type SpaceIDRef struct {
	ID string `json:"id" format:"uuid"`
} // @name SpaceIDRef

// KnowledgeGroup is a collection in a space's knowledge list.
type KnowledgeGroup struct {
	ID             string     `json:"id" format:"uuid"`
	Name           string     `json:"name"`
	EmbeddingModel SpaceIDRef `json:"embedding_model"`
	InfoBlobs      int        `json:"info_blobs"`
	Chunks         int64      `json:"chunks"`
	CreatedAt      time.Time  `json:"created_at"`
} // @name SpaceKnowledgeGroup
