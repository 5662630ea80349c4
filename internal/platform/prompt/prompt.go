// Package prompt is the vocabulary of talking to a model that chat and the
// models module's gateway share: messages, sampling settings and the
// pieces of a streamed completion; and the format in which knowledge
// passages and attached files travel inside a prompt, which chat renders
// and the built-in local answerer (platform/ai) reads back. It is pure Go.
package prompt

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
)

// Source renders one knowledge passage for a prompt's system message.
func Source(id int, title, text string) string {
	return fmt.Sprintf("<source id=\"%d\" title=\"%s\">\n%s\n</source>", id, html.EscapeString(title), text)
}

// Attachment renders a file attached to a question, for the user message
// ahead of the question.
func Attachment(name, text string) string {
	return fmt.Sprintf("<attachment name=\"%s\">\n%s\n</attachment>", html.EscapeString(name), text)
}

// Passage is a source or an attachment read back from a prompt.
type Passage struct {
	ID    string
	Title string
	Text  string
}

var (
	sourceRe     = regexp.MustCompile(`(?s)<source id="(\d+)" title="([^"]*)">\n(.*?)\n</source>`)
	attachmentRe = regexp.MustCompile(`(?s)<attachment name="([^"]*)">\n(.*?)\n</attachment>\s*`)
)

// Sources reads the passages Source rendered in content.
func Sources(content string) []Passage {
	var out []Passage
	for _, s := range sourceRe.FindAllStringSubmatch(content, -1) {
		out = append(out, Passage{ID: s[1], Title: html.UnescapeString(s[2]), Text: s[3]})
	}
	return out
}

// Attachments reads the files Attachment rendered in content, each named
// by its file name, and returns content without them.
func Attachments(content string) ([]Passage, string) {
	var out []Passage
	for _, a := range attachmentRe.FindAllStringSubmatch(content, -1) {
		name := html.UnescapeString(a[1])
		out = append(out, Passage{ID: name, Title: name, Text: a[2]})
	}
	return out, attachmentRe.ReplaceAllString(content, "")
}

// Message is one turn of a conversation given to a model.
type Message struct {
	Role    string // system, user or assistant
	Content string
}

// Sampling are a completion's generation settings, checked already; nil
// and empty leave the model's defaults.
type Sampling struct {
	Temperature      *float64
	TopP             *float64
	MaxTokens        *int
	Stop             []string
	PresencePenalty  *float64
	FrequencyPenalty *float64
	// JSONSchema asks for JSON of this schema in the provider's
	// structured-output mode where it has one.
	JSONSchema json.RawMessage
}

// Piece is a part of a streamed completion.
type Piece struct {
	Delta            string
	FinishReason     string
	HasUsage         bool
	PromptTokens     int
	CompletionTokens int
}

// Pieces yields pieces until io.EOF.
type Pieces interface {
	Next() (Piece, error)
	Close() error
}
