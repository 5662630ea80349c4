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
