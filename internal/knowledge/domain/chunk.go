package domain

import (
	"regexp"
	"strings"
)

// Chunk is a piece of a document, as it is embedded and searched.
type Chunk struct {
	No     int
	Text   string
	Tokens int
}

// ChunkOptions size the chunks in tokens.
type ChunkOptions struct {
	// Size is the most tokens a chunk holds (about; a single long word
	// may exceed it).
	Size int
	// Overlap is about how many tokens of a chunk's end begin the next.
	Overlap int
}

// Defaults of chunking.
const (
	DefaultChunkSize    = 400
	DefaultChunkOverlap = 60
)

var (
	paragraphBreak = regexp.MustCompile(`\n\s*\n`)
	sentenceBreak  = regexp.MustCompile(`([.!?:;])\s+`)
)

// piece is a sentence (or part of one) with its token count.
type piece struct {
	text   string
	tokens int
}

// Split cuts text into chunks of about opts.Size tokens along paragraph
// and sentence boundaries, each chunk starting with about opts.Overlap
// tokens of the previous one. count counts a text's tokens.
func Split(text string, opts ChunkOptions, count func(string) int) []Chunk {
	if opts.Size <= 0 {
		opts.Size = DefaultChunkSize
	}
	if opts.Overlap < 0 || opts.Overlap >= opts.Size {
		opts.Overlap = 0
	}
	var chunks []Chunk
	var cur []piece
	tokens, fresh := 0, false // fresh: cur holds more than the carried overlap
	emit := func() {
		chunks = append(chunks, Chunk{No: len(chunks), Text: join(cur), Tokens: tokens})
		cur, tokens = overlap(cur, opts.Overlap)
		fresh = false
	}
	for _, p := range pieces(text, opts.Size, count) {
		if fresh && tokens+p.tokens > opts.Size {
			emit()
		}
		if tokens+p.tokens > opts.Size { // the overlap alone leaves no room
			cur, tokens = nil, 0
		}
		cur = append(cur, p)
		tokens += p.tokens
		fresh = true
	}
	if fresh {
		emit()
	}
	return chunks
}

// overlap keeps the last pieces of a chunk worth about want tokens.
func overlap(ps []piece, want int) ([]piece, int) {
	if want == 0 {
		return nil, 0
	}
	n, i := 0, len(ps)
	for i > 0 && n+ps[i-1].tokens <= want {
		i--
		n += ps[i].tokens
	}
	return append([]piece(nil), ps[i:]...), n
}

func join(ps []piece) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// pieces splits text into sentences (paragraph ends are sentence ends),
// and sentences longer than max tokens into runs of words.
func pieces(text string, max int, count func(string) int) []piece {
	var out []piece
	for _, para := range paragraphBreak.Split(text, -1) {
		para = strings.Join(strings.Fields(para), " ")
		if para == "" {
			continue
		}
		for _, s := range sentences(para) {
			n := count(s)
			if n <= max {
				out = append(out, piece{s, n})
				continue
			}
			out = append(out, words(s, max, count)...)
		}
	}
	return out
}

func sentences(para string) []string {
	marked := sentenceBreak.ReplaceAllString(para, "$1\x00")
	var out []string
	for _, s := range strings.Split(marked, "\x00") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// words cuts a long sentence into runs of about max tokens.
func words(s string, max int, count func(string) int) []piece {
	var out []piece
	var run []string
	n := 0
	for _, w := range strings.Fields(s) {
		c := count(w)
		if n+c > max && len(run) > 0 {
			out = append(out, piece{strings.Join(run, " "), n})
			run, n = nil, 0
		}
		run = append(run, w)
		n += c
	}
	if len(run) > 0 {
		out = append(out, piece{strings.Join(run, " "), n})
	}
	return out
}
