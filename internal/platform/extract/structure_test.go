package extract_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/extract"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// readDoc reads a generated file as an upload is read.
func readDoc(t *testing.T, name string, data []byte) extract.Document {
	t.Helper()
	d, err := extract.Read(strings.NewReader(string(data)), extract.Detect(data[:min(len(data), 3072)], name), 1_000_000)
	require.NoError(t, err, name)
	return d
}

func TestPDFKeepsPagesHeadingsAndWords(t *testing.T) {
	t.Parallel()
	pdf := testkit.PDFPages("Busslinjer i Kommunen",
		[]string{"# Linje 4", "Bussen traﬁkerar centrum varje", "timme. Den nya tidtabellen gäller", "från 2024-", "07-01.", "", "Resor med färdtjänst bokas", "i förväg."},
		[]string{"# Avgifter", "En enkelbiljett kostar 30 kronor och ett månadskort kostar 600 kronor för vuxna och hälften för unga resenärer med lång-", "tidskort."})
	d := readDoc(t, "linjer.pdf", pdf)
	require.Equal(t, "Busslinjer i Kommunen", d.Title, "the title comes from the document info")
	pages := strings.Split(d.Text, "\n"+extract.PageBreak+"\n")
	require.Len(t, pages, 2, "%q", d.Text)
	require.Equal(t, "# Linje 4\n\nBussen trafikerar centrum varje timme. Den nya tidtabellen gäller från 2024-07-01.\n\nResor med färdtjänst bokas i förväg.", pages[0],
		"the ligature is two letters, the broken date one token, and a gap starts a paragraph")
	require.Equal(t, "# Avgifter\n\nEn enkelbiljett kostar 30 kronor och ett månadskort kostar 600 kronor för vuxna och hälften för unga resenärer med långtidskort.", pages[1],
		"a word hyphenated at a line end is joined")
}

func TestOfficeDocumentsKeepTheirStructure(t *testing.T) {
	t.Parallel()
	docx := testkit.WordDocument("Handläggningstider",
		testkit.WordHeading(1, "Bygglov"), "Ansökan prövas av nämnden.",
		testkit.WordHeading(2, "Tider"),
		testkit.WordTable([]string{"Ärendetyp", "Handläggningstid"}, []string{"Bygglov, enkelt ärende", "4 veckor"}, []string{"Rivningslov", "3 veckor"}),
		testkit.WordItem("Ritningar"), testkit.WordItem("Situationsplan"))
	d := readDoc(t, "tider.docx", docx)
	require.Equal(t, "Handläggningstider", d.Title, "the title comes from the document properties")
	require.Equal(t, "# Bygglov\n\nAnsökan prövas av nämnden.\n\n## Tider\n\n"+
		"| Ärendetyp | Handläggningstid |\n| --- | --- |\n| Bygglov, enkelt ärende | 4 veckor |\n| Rivningslov | 3 veckor |\n\n"+
		"- Ritningar\n- Situationsplan", d.Text)

	pptx := testkit.Presentation(testkit.Slide{Title: "Snöröjning", Bullets: []string{"Gång- och cykelvägar först", "Sedan bussgator"}},
		testkit.Slide{Title: "Kontakt", Bullets: []string{"Ring kundtjänst"}})
	d = readDoc(t, "snö.pptx", pptx)
	require.Equal(t, "## Snöröjning\n\n- Gång- och cykelvägar först\n- Sedan bussgator\n"+extract.PageBreak+"\n## Kontakt\n\n- Ring kundtjänst", d.Text,
		"a slide is a page, its title a heading, its points list items")

	xlsx := testkit.XLSX([]string{"Tjänst", "Avgift"}, []string{"Parkeringstillstånd", "500"}, []string{"Boendeparkering", "300"})
	d = readDoc(t, "avgifter.xlsx", xlsx)
	require.Equal(t, "## Sheet1\n\n| Tjänst | Avgift |\n| --- | --- |\n| Parkeringstillstånd | 500 |\n| Boendeparkering | 300 |", d.Text,
		"a sheet is a heading and a table under its first row")
}

func TestTextFormatsKeepTheirStructure(t *testing.T) {
	t.Parallel()
	md := "# Avfall\n\nRestavfall hämtas\nvarannan vecka.\n\n| Kärl | Pris |\n| --- | --- |\n| 190 liter | 900 kr |\n\n```\nprice = 900\n```\n"
	d := readDoc(t, "avfall.md", []byte(md))
	require.Equal(t, "Avfall", d.Title, "the first top-level heading is the title")
	require.Equal(t, strings.TrimSpace(md), d.Text, "Markdown stays as it is")
	d = readDoc(t, "rules.md", []byte("# Parking\n\nPermits.\n\n# Waste\n\nGlass."))
	require.Empty(t, d.Title, "a document of several top-level sections has no one title")

	d = readDoc(t, "priser.csv", []byte("Kärl,Pris\n190 liter,900 kr\n\"370 liter, dubbel\",1500 kr\n"))
	require.Equal(t, "| Kärl | Pris |\n| --- | --- |\n| 190 liter | 900 kr |\n| 370 liter, dubbel | 1500 kr |", d.Text)

	page := `<html><head><title>Avfall – Kommunen</title></head><body><nav><a href="/">Start</a> Meny</nav>
<main><h1>Sophämtning</h1><p>Kärlet töms <b>varannan</b> vecka.</p><h2>Priser</h2>
<table><tr><th>Kärl</th><th>Pris</th></tr><tr><td>190 liter</td><td>900 kr</td></tr></table>
<ul><li>Ställ ut kärlet</li><li>Stäng locket</li></ul><pre>kod  med  mellanrum</pre></main><footer>Kontakt</footer></body></html>`
	d = readDoc(t, "avfall.html", []byte(page))
	require.Equal(t, "Sophämtning", d.Title)
	require.Equal(t, "# Sophämtning\n\nKärlet töms varannan vecka.\n\n## Priser\n\n| Kärl | Pris |\n| --- | --- |\n| 190 liter | 900 kr |\n\n"+
		"- Ställ ut kärlet\n- Stäng locket\n\n```\nkod  med  mellanrum\n```", d.Text, "the main content only, as Markdown")

	d = readDoc(t, "full.txt", []byte("Ｆｕｌｌ－width and soft\u00adhyphen"))
	require.Equal(t, "Full-width and softhyphen", d.Text, "NFKC and soft hyphens")
}
