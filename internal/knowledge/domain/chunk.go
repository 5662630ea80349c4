package domain

import (
	"regexp"
	"strings"
)

// Chunk is a piece of a document, as it is embedded and searched: whole
// Markdown blocks (a table row is never cut) with the headings above
// them and the pages they come from.
type Chunk struct {
	No     int
	Text   string
	Tokens int
	// Section is the path of headings above the chunk's first block,
	// joined by SectionSeparator; empty before the first heading.
	Section string
	// PageStart and PageEnd are the first and last page (slide, sheet)
	// the chunk holds text of, counted from 1; 0 when the document has
	// no pages.
	PageStart, PageEnd int
}

// ChunkOptions size the chunks in tokens.
type ChunkOptions struct {
	// Size is the most tokens a chunk holds (about; a single long word,
	// table row or heading may exceed it).
	Size int
	// Overlap is about how many tokens of a chunk's end begin the next.
	Overlap int
}

// Defaults of chunking.
const (
	DefaultChunkSize    = 400
	DefaultChunkOverlap = 60
)

// SectionSeparator joins the headings of a section path.
const SectionSeparator = " > "

// pageBreak separates pages in extracted text (a form feed); PageBreak
// is the same as a string.
const (
	pageBreak = '\f'
	PageBreak = string(pageBreak)
)

type blockKind int

const (
	blockPara blockKind = iota
	blockHeading
	blockItem
	blockRow
	blockCode
)

// unit is a piece a chunk is built of: a block, or a part of a block too
// large for one chunk (a sentence, a run of words, some lines of code).
type unit struct {
	kind   blockKind
	text   string
	tokens int
	// join is what separates the unit from the one before it in a chunk.
	join string
	// header is, for a table row, the header lines of its table.
	header  string
	page    int
	section string
}

// Split cuts Markdown text into chunks of about opts.Size tokens made of
// whole blocks (a long paragraph along its sentences), each chunk
// starting with about opts.Overlap tokens of the previous one, never
// ending on a heading, and repeating a table's header when the table
// goes on from the chunk before. count counts a text's tokens.
func Split(text string, opts ChunkOptions, count func(string) int) []Chunk {
	if opts.Size <= 0 {
		opts.Size = DefaultChunkSize
	}
	if opts.Overlap < 0 || opts.Overlap >= opts.Size {
		opts.Overlap = 0
	}
	paged := strings.ContainsRune(text, pageBreak)
	b := builder{opts: opts, count: count}
	for _, u := range units(blocks(text), opts.Size, count) {
		b.add(u)
	}
	b.flush()
	if !paged {
		for i := range b.chunks {
			b.chunks[i].PageStart, b.chunks[i].PageEnd = 0, 0
		}
	}
	return b.chunks
}

// Pages counts the pages of extracted text: one more than its page
// breaks, or 0 when it has none.
func Pages(text string) int {
	if n := strings.Count(text, string(pageBreak)); n > 0 {
		return n + 1
	}
	return 0
}

// builder gathers units into chunks.
type builder struct {
	opts   ChunkOptions
	count  func(string) int
	chunks []Chunk
	cur    []unit
	tokens int
	fresh  int // units of cur that are not carried over from the chunk before
}

func (b *builder) add(u unit) {
	full := b.tokens+u.tokens > b.opts.Size
	if b.fresh > 0 && !b.onlyHeadings() && (full || b.newSection(u)) {
		b.emit()
	}
	if b.tokens+u.tokens > b.opts.Size { // the overlap alone leaves no room
		b.cur, b.tokens = dropCarried(b.cur, b.fresh), sum(dropCarried(b.cur, b.fresh))
	}
	b.cur = append(b.cur, u)
	b.tokens += u.tokens
	b.fresh++
}

// newSection reports whether u is a heading that begins a section of its
// own chunk: a heading of level 1 to 3 after a chunk that holds enough
// text of the section before (smaller sections share a chunk).
func (b *builder) newSection(u unit) bool {
	if u.kind != blockHeading || strings.IndexFunc(u.text, func(r rune) bool { return r != '#' }) > 3 {
		return false
	}
	return sum(b.cur[len(b.cur)-b.fresh:]) >= b.opts.Size/8
}

// onlyHeadings reports whether the chunk so far is headings waiting for
// their text.
func (b *builder) onlyHeadings() bool {
	for _, u := range b.cur[len(b.cur)-b.fresh:] {
		if u.kind != blockHeading {
			return false
		}
	}
	return true
}

func (b *builder) flush() {
	if b.fresh > 0 {
		b.emit()
	}
}

// emit ends the chunk being built; trailing headings begin the next one,
// after the overlap.
func (b *builder) emit() {
	cur := b.cur
	var headings []unit
	for len(cur) > len(b.cur)-b.fresh+1 && cur[len(cur)-1].kind == blockHeading {
		headings = append([]unit{cur[len(cur)-1]}, headings...)
		cur = cur[:len(cur)-1]
	}
	b.chunks = append(b.chunks, b.chunk(cur, len(b.cur)-b.fresh))
	next := overlap(cur, b.opts.Overlap)
	if len(headings) > 0 {
		next = nil // a new section needs none of the last one's text
	}
	b.cur = append(next, headings...)
	b.tokens, b.fresh = sum(b.cur), len(headings)
}

// chunk renders units as a chunk; the first carried units are overlap.
func (b *builder) chunk(us []unit, carried int) Chunk {
	var t strings.Builder
	if us[0].kind == blockRow && us[0].header != "" {
		t.WriteString(us[0].header + "\n")
	}
	c := Chunk{No: len(b.chunks), Section: us[min(carried, len(us)-1)].section, PageStart: us[0].page, PageEnd: us[0].page}
	for i, u := range us {
		if i > 0 {
			t.WriteString(u.join)
		}
		t.WriteString(u.text)
		c.PageStart, c.PageEnd = min(c.PageStart, u.page), max(c.PageEnd, u.page)
	}
	c.Text = t.String()
	c.Tokens = b.count(c.Text)
	return c
}

// dropCarried keeps only the fresh units of a chunk.
func dropCarried(us []unit, fresh int) []unit { return append([]unit(nil), us[len(us)-fresh:]...) }

func sum(us []unit) int {
	n := 0
	for _, u := range us {
		n += u.tokens
	}
	return n
}

// overlap keeps the last units of a chunk worth about want tokens; a
// heading is never carried.
func overlap(us []unit, want int) []unit {
	if want == 0 {
		return nil
	}
	n, i := 0, len(us)
	for i > 0 && us[i-1].kind != blockHeading && n+us[i-1].tokens <= want {
		i--
		n += us[i].tokens
	}
	return append([]unit(nil), us[i:]...)
}

// block is a Markdown block with where it sits in the document.
type block struct {
	kind    blockKind
	text    string
	header  string // a row's table header (header row and separator)
	page    int
	section string
}

var (
	atxHeading = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	listItem   = regexp.MustCompile(`^\s{0,3}([-*+]|\d{1,9}[.)])\s+`)
	tableRule  = regexp.MustCompile(`^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$`)
)

// blocks reads Markdown into blocks: headings, paragraphs, list items,
// table rows and fenced code, counting pages at form feeds.
func blocks(text string) []block {
	var out []block
	p := blockParser{page: 1}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		for strings.ContainsRune(line, pageBreak) { // text before a form feed is the page's last
			before, after, _ := strings.Cut(line, string(pageBreak))
			out = p.line(out, before, "")
			out = p.end(out)
			p.page++
			line = after
		}
		next := ""
		if i+1 < len(lines) {
			next = lines[i+1]
		}
		if p.code == nil && tableRule.MatchString(next) && strings.HasPrefix(strings.TrimSpace(line), "|") {
			out = p.end(out)
			p.header = line + "\n" + next
			out = append(out, block{kind: blockRow, text: p.header, page: p.page, section: p.section()})
			i++
			continue
		}
		out = p.line(out, line, next)
	}
	return p.end(out)
}

// blockParser is the state of reading Markdown line by line.
type blockParser struct {
	page     int
	headings []string // by level - 1
	open     *block   // the paragraph or list item being read
	code     *block   // the fenced code block being read
	fence    string
	header   string // the header of the table being read
}

func (p *blockParser) section() string {
	var parts []string
	for _, h := range p.headings {
		if h != "" {
			parts = append(parts, h)
		}
	}
	return strings.Join(parts, SectionSeparator)
}

// end closes the open block.
func (p *blockParser) end(out []block) []block {
	if p.open != nil {
		out = append(out, *p.open)
		p.open = nil
	}
	return out
}

func (p *blockParser) line(out []block, line, next string) []block {
	trimmed := strings.TrimSpace(line)
	if p.code != nil {
		p.code.text += "\n" + line
		if strings.HasPrefix(trimmed, p.fence) && strings.Trim(trimmed, p.fence[:1]) == "" {
			out = append(out, *p.code)
			p.code = nil
		}
		return out
	}
	if !strings.HasPrefix(trimmed, "|") {
		p.header = ""
	}
	switch {
	case trimmed == "":
		return p.end(out)
	case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
		out = p.end(out)
		p.fence = trimmed[:3]
		p.code = &block{kind: blockCode, text: line, page: p.page, section: p.section()}
		return out
	case atxHeading.MatchString(trimmed):
		out = p.end(out)
		m := atxHeading.FindStringSubmatch(trimmed)
		level := len(m[1])
		for len(p.headings) < level-1 {
			p.headings = append(p.headings, "")
		}
		p.headings = append(p.headings[:level-1], m[2])
		return append(out, block{kind: blockHeading, text: trimmed, page: p.page, section: p.section()})
	case strings.HasPrefix(trimmed, "|"):
		out = p.end(out)
		return append(out, block{kind: blockRow, text: trimmed, header: p.header, page: p.page, section: p.section()})
	case listItem.MatchString(line):
		out = p.end(out)
		p.open = &block{kind: blockItem, text: strings.TrimRight(line, " \t"), page: p.page, section: p.section()}
		return out
	case p.open != nil:
		p.open.text += "\n" + strings.TrimRight(line, " \t")
		return out
	}
	p.open = &block{kind: blockPara, text: strings.TrimRight(line, " \t"), page: p.page, section: p.section()}
	return out
}

// units turns blocks into chunk units, cutting a block larger than max
// tokens: prose along sentences (then words), code along lines.
func units(bs []block, max int, count func(string) int) []unit {
	var out []unit
	var prev *block
	for i := range bs {
		bl := &bs[i]
		join := "\n\n"
		if prev != nil && prev.kind == bl.kind && (bl.kind == blockItem || bl.kind == blockRow) {
			join = "\n"
		}
		prev = bl
		n := count(bl.text)
		if n <= max || bl.kind == blockRow || bl.kind == blockHeading {
			out = append(out, unit{kind: bl.kind, text: bl.text, tokens: n, join: join, header: bl.header, page: bl.page, section: bl.section})
			continue
		}
		var parts []piece
		sep := " "
		if bl.kind == blockCode {
			parts, sep = codeParts(bl.text, max, count), "\n"
		} else {
			parts = prose(bl.text, max, count)
		}
		for j, pc := range parts {
			u := unit{kind: bl.kind, text: pc.text, tokens: pc.tokens, join: sep, page: bl.page, section: bl.section}
			if j == 0 {
				u.join = join
			}
			out = append(out, u)
		}
	}
	return out
}

// piece is a part of a block with its token count.
type piece struct {
	text   string
	tokens int
}

var sentenceBreak = regexp.MustCompile(`([.!?:;])\s+`)

// prose cuts a paragraph into sentences, and sentences longer than max
// tokens into runs of words.
func prose(text string, max int, count func(string) int) []piece {
	var out []piece
	for _, s := range sentences(strings.Join(strings.Fields(text), " ")) {
		n := count(s)
		if n <= max {
			out = append(out, piece{s, n})
			continue
		}
		out = append(out, words(s, max, count)...)
	}
	return out
}

// codeParts cuts a fenced code block into fenced runs of lines.
func codeParts(text string, max int, count func(string) int) []piece {
	lines := strings.Split(text, "\n")
	fence := "```"
	if len(lines) > 2 {
		lines = lines[1 : len(lines)-1]
	}
	var out []piece
	var run []string
	n := 0
	emit := func() {
		t := fence + "\n" + strings.Join(run, "\n") + "\n" + fence
		out = append(out, piece{t, count(t)})
		run, n = nil, 0
	}
	for _, l := range lines {
		c := count(l)
		if n+c > max && len(run) > 0 {
			emit()
		}
		run = append(run, l)
		n += c
	}
	if len(run) > 0 {
		emit()
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
