package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// busLines is a two-page PDF with a heading per page, a ligature, a
// hyphenated line and a date broken over two lines.
func busLines() []byte {
	return testkit.PDFPages("Busslinjer i Kommunen",
		[]string{"# Linje 4", "Bussen traﬁkerar centrum varje", "timme. Den nya tidtabellen gäller", "från 2024-", "07-01.", "",
			"Linjen går mellan resecentrum och sjukhuset via torget, biblioteket, simhallen och gymnasiet.",
			"På helger går bussen varannan timme från klockan åtta på morgonen till klockan tio på kvällen.",
			"Hållplatserna vid torget och sjukhuset har väderskydd, sittplatser och skyltar med realtidsinformation."},
		[]string{"# Avgifter", "En enkelbiljett kostar 30 kronor och ett", "månadskort för unga resenärer med lång-", "tidskort kostar 300 kronor."})
}

func TestDocumentsKeepTheirShapeInChunks(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Handlingar")
	pdf := l.upload(t, "linjer.pdf", busLines())
	text := testkit.JSON[api.InfoBlobText](t, l.e.Do(http.MethodGet, pdf.ResultLocation, "", l.token))
	require.Equal(t, "Busslinjer i Kommunen", text.Metadata.Title, "the PDF's own title, not its file name")
	require.Equal(t, "linjer.pdf", text.Metadata.URL)
	require.Equal(t, 2, text.Pages)
	require.Len(t, text.TextChunks, 2, "a chunk per page: the heading of page 2 starts a new one")
	require.True(t, strings.HasPrefix(text.TextChunks[0].Text, "# Linje 4\n\nBussen trafikerar centrum varje timme. Den nya tidtabellen gäller från 2024-07-01.\n\nLinjen går"),
		"%q", text.TextChunks[0].Text)
	require.Equal(t, "Linje 4", text.TextChunks[0].Section)
	require.Equal(t, [2]int{1, 1}, [2]int{text.TextChunks[0].PageStart, text.TextChunks[0].PageEnd})
	require.Equal(t, "Avgifter", text.TextChunks[1].Section)
	require.Equal(t, [2]int{2, 2}, [2]int{text.TextChunks[1].PageStart, text.TextChunks[1].PageEnd})
	require.Contains(t, text.TextChunks[1].Text, "långtidskort", "the hyphenated word is whole")

	hits := l.search(t, l.token, l.collection, "trafikerar")
	require.NotEmpty(t, hits, "a search for the plain spelling finds the ligature word")
	require.Equal(t, "Linje 4", hits[0].Section)
	require.Equal(t, 1, hits[0].PageStart)

	docx := l.upload(t, "tider.docx", testkit.WordDocument("",
		testkit.WordHeading(1, "Bygglov"), testkit.WordHeading(2, "Handläggningstider"),
		testkit.WordTable([]string{"Ärendetyp", "Handläggningstid"}, []string{"Bygglov, enkelt ärende", "4 veckor"})))
	text = testkit.JSON[api.InfoBlobText](t, l.e.Do(http.MethodGet, docx.ResultLocation, "", l.token))
	require.Equal(t, "Bygglov", text.Metadata.Title, "the first top-level heading is the title")
	require.Zero(t, text.Pages)
	require.Equal(t, "# Bygglov\n\n## Handläggningstider\n\n| Ärendetyp | Handläggningstid |\n| --- | --- |\n| Bygglov, enkelt ärende | 4 veckor |",
		text.TextChunks[0].Text, "headings and table rows keep their lines")
	require.Equal(t, "Bygglov", text.TextChunks[0].Section, "the section of the chunk's first block")

	md := "# Avfall\n\n| Kärl | Pris |\n| --- | --- |\n| 190 liter | 900 kr |\n\n```\nprice = 900\n```"
	note := l.upload(t, "avfall.md", []byte(md))
	text = testkit.JSON[api.InfoBlobText](t, l.e.Do(http.MethodGet, note.ResultLocation, "", l.token))
	require.Equal(t, md, text.TextChunks[0].Text, "Markdown stays Markdown")

	rec := l.e.Do(http.MethodGet, pdf.ResultLocation+"?chunk_offset=1&chunk_limit=1", "", l.token)
	require.Equal(t, http.StatusOK, rec.Code)
	page := testkit.JSON[api.InfoBlobText](t, rec)
	require.Len(t, page.TextChunks, 1)
	require.Equal(t, 1, page.TextChunks[0].ChunkNo, "chunks are read a page at a time")
	require.Equal(t, http.StatusBadRequest, l.e.Do(http.MethodGet, pdf.ResultLocation+"?chunk_limit=501", "", l.token).Code)
}

func TestTheUploadedFileOpensForMembersOnly(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	l, other := newLibrary(t, e, "Handlingar"), newLibrary(t, e, "Handlingar")
	data := busLines()
	a := l.upload(t, "linjer.pdf", data)
	blob := testkit.JSON[api.InfoBlobResponse](t, l.e.Do(http.MethodGet, a.ResultLocation, "", l.token))
	require.Equal(t, "/api/v1/info-blobs/"+a.InfoBlob.ID+"/file", blob.FileURL)

	rec := e.Do(http.MethodGet, blob.FileURL, "", l.token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.True(t, bytes.Equal(data, rec.Body.Bytes()), "the uploaded bytes")
	require.Equal(t, "application/pdf", rec.Header().Get("Content-Type"))
	require.Equal(t, `inline; filename=linjer.pdf`, rec.Header().Get("Content-Disposition"))
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))

	page := `<html><body><main><h1>Hej</h1><script>alert(1)</script></main></body></html>`
	html := l.upload(t, "sida.html", []byte(page))
	rec = e.Do(http.MethodGet, "/api/v1/info-blobs/"+html.InfoBlob.ID+"/file", "", l.token)
	require.Equal(t, http.StatusOK, rec.Code)
	require.True(t, strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;"), "a page that could run script downloads")
	require.Contains(t, rec.Header().Get("Content-Security-Policy"), "sandbox")

	rec = e.Do(http.MethodGet, blob.FileURL, "", other.token)
	require.Equal(t, http.StatusNotFound, rec.Code, "another tenant")
	stranger, _ := e.Token(t, l.tenant, domain.RoleUser)
	rec = e.Do(http.MethodGet, blob.FileURL, "", stranger)
	require.Equal(t, http.StatusNotFound, rec.Code, "a colleague who is not a member of the space")

	stored := len(apptest.StoredFiles(t, e, l.tenant.String()))
	require.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, a.ResultLocation, "", l.token).Code)
	require.Len(t, apptest.StoredFiles(t, e, l.tenant.String()), stored-1, "deleting the document deletes its file")
	require.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, "/api/v1/groups/"+l.collection+"/", "", l.token).Code)
	require.Empty(t, apptest.StoredFiles(t, e, l.tenant.String()), "deleting the collection deletes its files")
}

func TestAnswersCiteTheSectionAndPage(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Handlingar")
	a := l.upload(t, "linjer.pdf", busLines())
	done := l.ask(t, l.assistant(t), "Vad kostar ett månadskort för unga?")
	require.NotEmpty(t, done.References)
	ref := done.References[0]
	require.Equal(t, a.InfoBlob.ID, ref.ID)
	require.Equal(t, "Busslinjer i Kommunen", ref.Title)
	require.Equal(t, "Avgifter", ref.Section)
	require.Equal(t, 2, ref.Page)
	require.Equal(t, "/api/v1/info-blobs/"+a.InfoBlob.ID+"/file#page=2", ref.FileURL)
}
