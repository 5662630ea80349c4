package ai

import (
	"context"
	"hash/fnv"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/agora-platform/agora/internal/platform/prompt"
)

// LocalDimensions is the local embedder's vector size.
const LocalDimensions = 384

// Local is the built-in provider that works with no network and no model
// weights: a deterministic embedder (hashed word and character n-grams,
// L2-normalised) and an extractive answerer that composes an answer from
// the knowledge passages in the prompt, citing them. It is not a language
// model, and its models say so in their names.
type Local struct{}

// Embed returns one local embedding per input.
func (Local) Embed(_ context.Context, _ Endpoint, req EmbedRequest) (EmbedResult, error) {
	dims := req.Dimensions
	if dims <= 0 {
		dims = LocalDimensions
	}
	out := EmbedResult{Vectors: make([][]float32, len(req.Inputs))}
	for i, s := range req.Inputs {
		out.Vectors[i] = LocalEmbed(s, dims)
		out.Usage.PromptTokens += len(words(s))
	}
	return out, nil
}

// LocalEmbed maps text to a unit vector. Its features are the words
// (function words left out, light suffix stemming), word pairs and
// character trigrams; each is hashed to a signed coordinate and weighted
// by 1 + ln(count), so a repeated word does not drown the others.
func LocalEmbed(text string, dims int) []float32 {
	counts := map[string]int{}
	weights := map[string]float64{}
	feature := func(f string, w float64) {
		counts[f]++
		weights[f] = w
	}
	var ws []string
	for _, w := range words(text) {
		if !stopwords[w] {
			ws = append(ws, stem(w))
		}
	}
	for i, w := range ws {
		feature("w:"+w, 1)
		if i > 0 {
			feature("b:"+ws[i-1]+" "+w, 0.5)
		}
		padded := []rune("^" + w + "$")
		for j := 0; j+3 <= len(padded); j++ {
			feature("c:"+string(padded[j:j+3]), 0.5)
		}
	}
	v := make([]float64, dims)
	for f, n := range counts {
		h := fnv.New64a()
		h.Write([]byte(f))
		x := h.Sum64()
		sign := 1.0
		if x>>63 == 1 {
			sign = -1
		}
		v[x%uint64(dims)] += sign * (1 + math.Log(float64(n))) * weights[f]
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, dims)
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

// stem strips a common inflection so "permits" and "permit" meet.
func stem(w string) string {
	for _, suffix := range []string{"ations", "ation", "ings", "ing", "ies", "ed", "es", "s"} {
		if len(w) > len(suffix)+3 && strings.HasSuffix(w, suffix) {
			return w[:len(w)-len(suffix)]
		}
	}
	return w
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// stopwords are skipped when matching a question to passages (English and
// Swedish function words).
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the a an and or of to in on for is are was were be been what which who whom how why when where
		do does did can could would should will with from by at as it its this that these those i you we they he she my your our their
		about into than then there here not no yes if so but also any some all has have had may might more most such only other
		both each between during after before over under while however
		och att det som en ett är var vad hur när där vem vilka vilken till för på med av om inte den de jag du vi ni han hon har kan ska`) {
		stopwords[w] = true
	}
}

type passage struct {
	id    string
	title string
	text  string
}

// Chat composes an extractive answer and streams it word by word.
func (Local) Chat(ctx context.Context, _ Endpoint, req ChatRequest) (Stream, error) {
	var sources []passage
	question, previous := "", ""
	promptTokens := 0
	for _, m := range req.Messages {
		promptTokens += len(words(m.Content))
		if m.Role == System {
			for _, s := range prompt.Sources(m.Content) {
				sources = append(sources, passage{id: s.ID, title: s.Title, text: s.Text})
			}
		}
		if m.Role == User {
			// Attached files are passages too, cited by name.
			var attached []prompt.Passage
			previous = question
			attached, question = prompt.Attachments(m.Content)
			for _, a := range attached {
				sources = append(sources, passage{id: a.ID, title: a.Title, text: a.Text})
			}
		}
	}
	if len(words(question)) > followUpWords {
		previous = "" // a long question stands on its own
	}
	answer := cutAtStop(extract(question, previous, sources), req.Stop)
	var parts []string
	if answer != "" {
		parts = strings.SplitAfter(answer, " ")
	}
	finish := "stop"
	if req.MaxTokens != nil {
		// Whatever limit arrives, it is clamped: a negative one allows no
		// words rather than slicing out of range.
		if limit := max(*req.MaxTokens, 0); limit < len(parts) {
			parts, finish = parts[:limit], "length"
		}
	}
	return &localStream{ctx: ctx, parts: parts, finish: finish, usage: Usage{PromptTokens: promptTokens, CompletionTokens: len(parts)}}, nil
}

// cutAtStop ends answer before the first of the stop sequences in it, as
// a model does; empty sequences are ignored.
func cutAtStop(answer string, stop []string) string {
	end := len(answer)
	for _, s := range stop {
		if i := strings.Index(answer, s); s != "" && i >= 0 && i < end {
			end = i
		}
	}
	return answer[:end]
}

// NoAnswer is what the local answerer says when the knowledge holds nothing
// about the question; NoAnswerSwedish is the same for a Swedish question.
const (
	NoAnswer        = "I found nothing about this in the knowledge I was given."
	NoAnswerSwedish = "Jag hittade inget om det här i den kunskap jag fick."
)

// swedishWords are common Swedish words that are not English ones.
var swedishWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`och att det som är vad hur när där vem vilka vilken till för på med av om inte jag du vi ni han
		hon har kan ska får finns måste mycket kostar gäller hos eller vill`) {
		swedishWords[w] = true
	}
}

// swedish reports whether a question reads as Swedish: å, ä or ö, or more
// Swedish function words than English ones.
func swedish(question string) bool {
	if strings.ContainsAny(strings.ToLower(question), "åäö") {
		return true
	}
	sv, en := 0, 0
	for _, w := range words(question) {
		switch {
		case swedishWords[w]:
			sv++
		case stopwords[w]:
			en++
		}
	}
	return sv > en
}

// noAnswer says the knowledge holds nothing, in the question's language.
func noAnswer(question string) string {
	if swedish(question) {
		return NoAnswerSwedish
	}
	return NoAnswer
}

var (
	mdHeading = regexp.MustCompile(`^\s{0,3}(#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)`)
	mdImage   = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink    = regexp.MustCompile(`\[([^\]]+)\]\([^)]*\)`)
	mdRule    = regexp.MustCompile(`^[\s|:\-]+$`)
	mdTitle   = regexp.MustCompile(`^#{1,6}\s`)
)

// plain strips a quoted line's Markdown: a heading's, list item's or
// quote's marker, emphasis and code marks, links (their text stays), and
// a table row's pipes (its cells joined by "; "); a table's rule line is
// nothing.
func plain(line string) string {
	line = strings.TrimSpace(line)
	if strings.Contains(line, "|") && mdRule.MatchString(line) {
		return ""
	}
	line = plainInline(mdHeading.ReplaceAllString(line, ""))
	if strings.HasPrefix(line, "|") || strings.HasSuffix(line, "|") {
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			if c = strings.TrimSpace(c); c != "" {
				cells = append(cells, c)
			}
		}
		line = strings.Join(cells, "; ")
	}
	return strings.TrimSpace(line)
}

// plainInline drops a line's inline Markdown: images and links become
// their text, emphasis and code marks go.
func plainInline(line string) string {
	line = mdImage.ReplaceAllString(line, "$1")
	line = mdLink.ReplaceAllString(line, "$1")
	return strings.NewReplacer("**", "", "__", "", "`", "").Replace(line)
}

// extract picks the sentences that share the most question terms, up to
// three, and cites their sources.
func extract(question, previous string, sources []passage) string {
	// A word of the question counts twice what a word of the question
	// before it counts, which a short follow-up leans on.
	terms := map[string]int{}
	for weight, text := range []string{previous, question} {
		for _, w := range words(text) {
			if !stopwords[w] && len([]rune(w)) >= 2 {
				terms[stem(w)] = weight + 1
			}
		}
	}
	type scored struct {
		text  string
		id    string
		score int
		order int
	}
	var cands []scored
	for _, src := range sources {
		for _, sent := range sentences(src.text) {
			score := 0
			seen := map[string]bool{}
			for _, w := range words(sent) {
				if w = stem(w); terms[w] > 0 && !seen[w] {
					score += terms[w]
					seen[w] = true
				}
			}
			if score > 0 {
				cands = append(cands, scored{text: sent, id: src.id, score: score, order: len(cands)})
			}
		}
	}
	if len(cands) == 0 {
		return noAnswer(question)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var picked []string
	var out strings.Builder
	for _, c := range cands {
		if len(picked) == 3 || 2*c.score <= cands[0].score {
			break // quote what answers the question best, not every passing mention
		}
		if slices.Contains(picked, c.text) {
			continue
		}
		picked = append(picked, c.text)
		if out.Len() > 0 {
			out.WriteString(" ")
		}
		out.WriteString(c.text + " [" + c.id + "].")
	}
	return out.String()
}

// followUpWords is how short (in words) a question is taken to lean on the
// one before it.
const followUpWords = 12

// sentenceEnd ends a sentence: its punctuation and the space after, or a
// line break.
var sentenceEnd = regexp.MustCompile(`[.!?]+(\s+|$)|\n+`)

// sentences splits text into sentences without their end punctuation,
// each line's Markdown stripped.
func sentences(text string) []string {
	var out []string
	var header []string // of the table being read
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		line = strings.TrimSpace(line)
		switch {
		case mdTitle.MatchString(line):
			continue // a heading names a section; it answers nothing
		case !strings.HasPrefix(line, "|"):
			header = nil
		case i+1 < len(lines) && strings.Contains(lines[i+1], "-") && mdRule.MatchString(strings.TrimSpace(lines[i+1])):
			header = cells(plainInline(line))
			continue
		case header != nil:
			if row := cells(plainInline(line)); len(row) == len(header) {
				out = append(out, named(header, row))
				continue
			}
		}
		for _, s := range sentenceEnd.Split(plain(line), -1) {
			if s = strings.TrimSpace(s); len([]rune(s)) >= 3 {
				out = append(out, s)
			}
		}
	}
	return out
}

// cells are a Markdown table row's cells.
func cells(line string) []string {
	var out []string
	for _, c := range strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

// named reads a table row as its header names it: "Ärendetyp: Bygglov;
// Handläggningstid: 4 veckor" (an empty cell is left out).
func named(header, row []string) string {
	var parts []string
	for i, c := range row {
		if c == "" {
			continue
		}
		if header[i] == "" {
			parts = append(parts, c)
			continue
		}
		parts = append(parts, header[i]+": "+c)
	}
	return strings.Join(parts, "; ")
}

type localStream struct {
	ctx    context.Context
	parts  []string
	next   int
	finish string
	usage  Usage
	done   bool
}

func (s *localStream) Recv() (Chunk, error) {
	if err := s.ctx.Err(); err != nil {
		return Chunk{}, err
	}
	switch {
	case s.next < len(s.parts):
		s.next++
		return Chunk{Delta: s.parts[s.next-1]}, nil
	case !s.done:
		s.done = true
		u := s.usage
		return Chunk{FinishReason: s.finish, Usage: &u}, nil
	}
	return Chunk{}, io.EOF
}

func (s *localStream) Close() error { return nil }
