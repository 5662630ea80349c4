package ai

import (
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktokenloader "github.com/pkoukk/tiktoken-go-loader"
)

var (
	encOnce sync.Once
	enc     *tiktoken.Tiktoken
)

// encoding loads cl100k_base from the offline loader's embedded files:
// nothing is downloaded at run time.
func encoding() *tiktoken.Tiktoken {
	encOnce.Do(func() {
		tiktoken.SetBpeLoader(tiktokenloader.NewOfflineLoader())
		enc, _ = tiktoken.GetEncoding("cl100k_base")
	})
	return enc
}

// LoadTokenizer reads the tokenizer's tables (tens of milliseconds); the
// API calls it at start, so the first question does not wait for it.
func LoadTokenizer() { encoding() }

// CountTokens estimates how many tokens text takes (cl100k_base), for
// prompt budgets and for providers that report no usage.
func CountTokens(text string) int {
	if e := encoding(); e != nil {
		return len(e.EncodeOrdinary(text))
	}
	return (len(text) + 3) / 4
}

// CountMessages counts the tokens of a conversation, with OpenAI's few
// tokens of framing per message.
func CountMessages(ms []Message) int {
	n := 3
	for _, m := range ms {
		n += 4 + CountTokens(m.Content)
	}
	return n
}
