package extract

import (
	"math"
	"sort"
	"strings"

	"github.com/ledongthuc/pdf"
)

// line is a line of a PDF page: its text, its baseline and its type size.
type line struct {
	y, size float64
	text    strings.Builder
}

// textState follows a content stream's text positioning operators far
// enough to tell lines apart and how large their type is.
type textState struct {
	fontSize float64
	leading  float64
	tm, lm   [6]float64 // text and line matrix; all zero means identity
	moved    bool       // positioned since the last text shown
}

func (p *textState) matrix(m *[6]float64) *[6]float64 {
	if *m == ([6]float64{}) {
		*m = [6]float64{1, 0, 0, 1, 0, 0}
	}
	return m
}

// apply follows one operator that positions text.
func (p *textState) apply(op string, args []pdf.Value) {
	switch op {
	case "BT":
		p.tm, p.lm, p.moved = [6]float64{}, [6]float64{}, true
	case "Tm":
		if len(args) == 6 {
			for i := range 6 {
				p.lm[i] = args[i].Float64()
			}
			p.tm, p.moved = p.lm, true
		}
	case "TD":
		if len(args) == 2 {
			p.leading = -args[1].Float64()
		}
		fallthrough
	case "Td":
		if len(args) == 2 {
			p.move(args[0].Float64(), args[1].Float64())
		}
	case "T*":
		p.nextLine()
	case "TL":
		if len(args) == 1 {
			p.leading = args[0].Float64()
		}
	}
}

func (p *textState) move(tx, ty float64) {
	lm := p.matrix(&p.lm)
	lm[4] += tx*lm[0] + ty*lm[2]
	lm[5] += tx*lm[1] + ty*lm[3]
	p.tm, p.moved = *lm, true
}

func (p *textState) nextLine() { p.move(0, -p.leading) }

func (p *textState) y() float64 { return p.matrix(&p.tm)[5] }

// size is the type size on the page: the font size scaled by the matrix.
func (p *textState) size() float64 {
	tm := p.matrix(&p.tm)
	if scale := math.Hypot(tm[2], tm[3]); scale > 0 {
		return math.Abs(p.fontSize) * scale
	}
	return math.Abs(p.fontSize)
}

// bullets open a list item on a PDF line.
var bullets = []string{"•", "◦", "▪", "‣", "●", "○", "■", "– "}

// layout writes a PDF's pages as Markdown: lines in larger type than the
// body's are headings (the largest size level 1), lines close under each
// other are one paragraph, a wider gap starts the next, and a line that
// starts with a bullet is a list item.
func layout(pages [][]line, m *md) error {
	body := bodySize(pages)
	levels := headingLevels(pages, body)
	for i, lines := range pages {
		if i > 0 {
			if err := m.page(); err != nil {
				return err
			}
		}
		if err := layoutPage(lines, levels, m); err != nil {
			return err
		}
	}
	return nil
}

func layoutPage(lines []line, levels map[float64]int, m *md) error {
	var para string
	item := false
	flush := func() error {
		text := para
		para = ""
		if item {
			return m.item(text)
		}
		return m.para(text)
	}
	var prev *line
	for i := range lines {
		l := &lines[i]
		text := strings.TrimSpace(l.text.String())
		if text == "" {
			continue
		}
		if level := levels[rounded(l.size)]; level > 0 && len(text) < 200 {
			if err := flush(); err != nil {
				return err
			}
			if err := m.heading(level, text); err != nil {
				return err
			}
			prev = nil
			continue
		}
		bullet := ""
		for _, b := range bullets {
			if strings.HasPrefix(text, b) {
				bullet = b
			}
		}
		if para != "" && (prev == nil || bullet != "" || newParagraph(prev, l)) {
			if err := flush(); err != nil {
				return err
			}
		}
		if para == "" {
			item = bullet != ""
			text = strings.TrimPrefix(text, bullet)
		}
		para = joinLine(para, text)
		prev = l
	}
	return flush()
}

// newParagraph reports whether next starts a paragraph after prev: it sits
// above prev (a new column) or further below than line spacing puts it.
func newParagraph(prev, next *line) bool {
	gap := prev.y - next.y
	return gap < 0 || gap > 1.6*max(prev.size, next.size, 1)
}

func rounded(size float64) float64 { return math.Round(size*2) / 2 }

// bodySize is the type size most of the text is set in.
func bodySize(pages [][]line) float64 {
	chars := map[float64]int{}
	for _, lines := range pages {
		for i := range lines {
			l := &lines[i]
			chars[rounded(l.size)] += l.text.Len()
		}
	}
	body, most := 0.0, 0
	for size, n := range chars {
		if n > most || (n == most && size < body) {
			body, most = size, n
		}
	}
	return body
}

// headingLevels gives the sizes clearly larger than the body's a heading
// level each, the largest level 1.
func headingLevels(pages [][]line, body float64) map[float64]int {
	var sizes []float64
	seen := map[float64]bool{}
	for _, lines := range pages {
		for i := range lines {
			l := &lines[i]
			s := rounded(l.size)
			if body > 0 && s >= body*1.15 && !seen[s] {
				seen[s] = true
				sizes = append(sizes, s)
			}
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(sizes)))
	levels := map[float64]int{}
	for i, s := range sizes {
		levels[s] = min(i+1, 6)
	}
	return levels
}
