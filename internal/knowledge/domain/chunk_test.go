package domain_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/knowledge/domain"
)

func wordCount(s string) int { return len(strings.Fields(s)) }

func TestSplitKeepsSentencesAndOverlaps(t *testing.T) {
	t.Parallel()
	var sentences []string
	for i := range 30 {
		sentences = append(sentences, fmt.Sprintf("Sentence number %d has exactly seven words.", i))
	}
	text := strings.Join(sentences[:10], " ") + "\n\n" + strings.Join(sentences[10:], " ")
	chunks := domain.Split(text, domain.ChunkOptions{Size: 50, Overlap: 14}, wordCount)
	require.Greater(t, len(chunks), 4)
	for i, c := range chunks {
		require.Equal(t, i, c.No)
		require.LessOrEqual(t, c.Tokens, 50)
		require.Equal(t, wordCount(c.Text), c.Tokens)
		require.True(t, strings.HasPrefix(c.Text, "Sentence number"), "chunks start at a sentence: %q", c.Text)
		if i > 0 {
			prev := chunks[i-1].Text
			first := c.Text[:strings.Index(c.Text, ".")+1]
			require.Contains(t, prev, first, "chunk %d starts with the end of chunk %d", i, i-1)
		}
	}
	all := ""
	for _, c := range chunks {
		all += c.Text + " "
	}
	for _, s := range sentences {
		require.Contains(t, all, s, "no sentence is lost")
	}
	require.Contains(t, chunks[len(chunks)-1].Text, "number 29", "the end is there")
}

func TestSplitEdgeCases(t *testing.T) {
	t.Parallel()
	require.Empty(t, domain.Split("  \n\n ", domain.ChunkOptions{}, wordCount))
	one := domain.Split("Short text.", domain.ChunkOptions{Size: 100, Overlap: 10}, wordCount)
	require.Len(t, one, 1)
	require.Equal(t, "Short text.", one[0].Text)

	long := strings.Repeat("word ", 250) // one sentence longer than a chunk
	chunks := domain.Split(long, domain.ChunkOptions{Size: 100, Overlap: 0}, wordCount)
	require.Len(t, chunks, 3)
	require.Equal(t, []int{100, 100, 50}, []int{chunks[0].Tokens, chunks[1].Tokens, chunks[2].Tokens})

	exact := domain.Split("a b c. d e f.", domain.ChunkOptions{Size: 3, Overlap: 3}, wordCount)
	require.Equal(t, []string{"a b c.", "d e f."}, []string{exact[0].Text, exact[1].Text}, "an overlap as large as a chunk is dropped")
}

func TestSplitKeepsTheDocumentsShape(t *testing.T) {
	t.Parallel()
	var doc strings.Builder
	doc.WriteString("# Avfallstaxa\n\nInledning om taxan.\n\n## 3 § Hämtningsintervall\n\nRestavfall hämtas\nvarannan vecka.\n\n")
	doc.WriteString("| Ärendetyp | Handläggningstid |\n| --- | --- |\n")
	for i := range 12 {
		fmt.Fprintf(&doc, "| Ärende nummer %d med lång text | %d veckor |\n", i, i+1)
	}
	doc.WriteString("\n\f\n## 4 § Avgifter\n\n- Första punkten\n- Andra punkten\n\n```\nfee = base * 2\n```\n")
	chunks := domain.Split(doc.String(), domain.ChunkOptions{Size: 40, Overlap: 0}, wordCount)
	require.Greater(t, len(chunks), 2)

	require.Equal(t, "# Avfallstaxa\n\nInledning om taxan.", chunks[0].Text, "a section with enough text of its own ends at the next heading")
	require.Equal(t, "Avfallstaxa", chunks[0].Section)
	require.True(t, strings.HasPrefix(chunks[1].Text, "## 3 § Hämtningsintervall\n\nRestavfall hämtas\nvarannan vecka.\n\n| Ärendetyp"),
		"headings stay on their own lines and a paragraph keeps its line break: %q", chunks[1].Text)
	var tableChunks []domain.Chunk
	for _, c := range chunks {
		for line := range strings.Lines(c.Text) {
			if strings.HasPrefix(line, "| Ärende nummer") {
				require.True(t, strings.HasSuffix(strings.TrimSpace(line), "veckor |"), "a row is never cut: %q", line)
			}
		}
		if strings.Contains(c.Text, "| Ärende nummer") {
			tableChunks = append(tableChunks, c)
		}
		require.NotRegexp(t, `(?s)#+ [^\n]*$`, strings.TrimSpace(c.Text), "chunk %d ends on a heading", c.No)
	}
	require.Greater(t, len(tableChunks), 1, "the table spans chunks")
	for _, c := range tableChunks {
		require.Contains(t, c.Text, "| Ärendetyp | Handläggningstid |\n| --- | --- |\n", "every part of the table has its header")
		require.Equal(t, "Avfallstaxa > 3 § Hämtningsintervall", c.Section, "a chunk's section is the one its first block is in")
		require.Equal(t, 1, c.PageStart)
	}
	last := chunks[len(chunks)-1]
	require.Equal(t, "## 4 § Avgifter\n\n- Första punkten\n- Andra punkten\n\n```\nfee = base * 2\n```", last.Text)
	require.Equal(t, "Avfallstaxa > 4 § Avgifter", last.Section)
	require.Equal(t, []int{2, 2}, []int{last.PageStart, last.PageEnd}, "the page break starts page 2")

	small := domain.Split("# A\n\ntext one\n\f\n## B\n\ntext two", domain.ChunkOptions{Size: 5}, wordCount)
	require.Len(t, small, 2)
	require.Equal(t, "## B\n\ntext two", small[1].Text)
	require.Equal(t, "A > B", small[1].Section)
	require.Equal(t, []int{2, 2}, []int{small[1].PageStart, small[1].PageEnd})

	plain := domain.Split("No pages here.", domain.ChunkOptions{}, wordCount)
	require.Zero(t, plain[0].PageStart, "a document without page breaks has no pages")
}
