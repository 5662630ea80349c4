package application

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// The built-in offline model is no language model: it quotes. With it a
// prompt step quotes what it reads, and an extract step fills the schema
// from the sentences of its text that best match each field, so a demo
// app works without keys (the UI says so).

// quoteInputs is an offline prompt step's output: the texts the step
// reads, the run's text fields first, then the steps it names.
func quoteInputs(env Env, inputs []string, rendered string) string {
	var parts []string
	keys := make([]string, 0, len(env.Input))
	for k := range env.Input {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s, ok := env.Input[k].(string); ok && strings.TrimSpace(s) != "" {
			parts = append(parts, strings.TrimSpace(s))
		}
	}
	for _, id := range inputs {
		if s := strings.TrimSpace(textOf(env.Steps[id])); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return strings.TrimSpace(rendered)
	}
	return shorten(strings.Join(parts, "\n\n"), 4000)
}

func textOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// fillSchema is an offline extract step's answer: each property of an
// object schema filled from text (an enum value the text names, else the
// first; the best-matching sentence for a string; the first number; false).
func fillSchema(schema json.RawMessage, text string) string {
	var s struct {
		Properties map[string]struct {
			Type        any      `json:"type"`
			Enum        []any    `json:"enum"`
			Description string   `json:"description"`
			Items       any      `json:"items"`
			Required    []string `json:"required"`
		} `json:"properties"`
	}
	if json.Unmarshal(schema, &s) != nil {
		return "{}"
	}
	sentences := splitSentences(text)
	out := map[string]any{}
	for name, p := range s.Properties {
		switch {
		case len(p.Enum) > 0:
			out[name] = pickEnum(p.Enum, text)
		case typeIs(p.Type, "string"):
			out[name] = bestSentence(sentences, name+" "+p.Description)
		case typeIs(p.Type, "integer"), typeIs(p.Type, "number"):
			out[name] = firstNumber(text)
		case typeIs(p.Type, "boolean"):
			out[name] = false
		case typeIs(p.Type, "array"):
			out[name] = []any{}
		default:
			out[name] = map[string]any{}
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func typeIs(t any, want string) bool {
	switch v := t.(type) {
	case string:
		return v == want
	case []any:
		return slices.Contains(v, any(want))
	}
	return false
}

func pickEnum(values []any, text string) any {
	lower := strings.ToLower(text)
	for _, v := range values {
		if s, ok := v.(string); ok && s != "" && strings.Contains(lower, strings.ToLower(s)) {
			return v
		}
	}
	return values[0]
}

var sentenceEnd = regexp.MustCompile(`[.!?]\s+|\n+`)

func splitSentences(text string) []string {
	var out []string
	for _, s := range sentenceEnd.Split(text, -1) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// stop are words too common to tell sentences apart (English, Swedish).
var stop = map[string]bool{"the": true, "and": true, "for": true, "what": true, "with": true, "that": true, "this": true, "from": true,
	"are": true, "was": true, "och": true, "att": true, "det": true, "som": true, "för": true, "med": true, "den": true, "till": true,
	"ett": true, "vad": true, "har": true, "inte": true}

// related reports whether two words share a stem (one starts with the
// other, three letters at least).
func related(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) < 3 || len(b) < 3 {
		return false
	}
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}

// bestSentence is the sentence sharing the most words with the field's
// name and description; with none shared, the first sentence.
func bestSentence(sentences []string, about string) string {
	if len(sentences) == 0 {
		return ""
	}
	var want []string
	for _, w := range words(strings.ReplaceAll(about, "_", " ")) {
		if len(w) > 2 && !stop[w] {
			want = append(want, w)
		}
	}
	best, score := sentences[0], 0
	for _, s := range sentences {
		n := 0
		for _, w := range words(s) {
			if !stop[w] && slices.ContainsFunc(want, func(x string) bool { return related(w, x) }) {
				n++
			}
		}
		if n > score {
			best, score = s, n
		}
	}
	return best
}

var number = regexp.MustCompile(`-?\d+(?:[.,]\d+)?`)

func firstNumber(text string) any {
	m := number.FindString(text)
	if m == "" {
		return 0
	}
	var f float64
	if json.Unmarshal([]byte(strings.ReplaceAll(m, ",", ".")), &f) != nil {
		return 0
	}
	return f
}
