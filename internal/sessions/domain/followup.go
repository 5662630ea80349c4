package domain

import (
	"strings"
	"unicode"
)

// followUpWords is how short (in words) a question is taken to lean on
// the one before it.
const followUpWords = 12

// maxCarriedTerms bounds the terms a follow-up borrows.
const maxCarriedTerms = 6

// stopwords are English and Swedish words that say nothing about what a
// question is about.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be but by can could do does for from has have how i if in is it its
		me my of on or our so than that the their them then there these they this to was we were what when where which who
		why will with would you your about also more much many any some cost costs
		och att det som en ett är på av för med till den de om har inte vad hur när var vem vilka vilken vilket kan
		ska skulle jag du vi ni man sig sin sitt sina där här också men eller så från efter innan mycket många
		kostar kosta detta denna dessa dem deras mig mitt min mina vår våra er ert era`) {
		stopwords[w] = true
	}
}

// FollowUp is the search query for a question asked after previous: a
// short question ("And what does it cost?") leans on the one before, so
// the salient terms of previous (not stopwords, not in the question
// already) are added to it; a longer question stands on its own.
func FollowUp(previous, question string) string {
	words := terms(question)
	if len(strings.Fields(question)) > followUpWords {
		return question
	}
	have := map[string]bool{}
	for _, w := range words {
		have[w] = true
	}
	var carried []string
	for _, w := range terms(previous) {
		if stopwords[w] || have[w] || len([]rune(w)) < 3 {
			continue
		}
		have[w] = true
		carried = append(carried, w)
		if len(carried) == maxCarriedTerms {
			break
		}
	}
	if len(carried) == 0 {
		return question
	}
	return question + " " + strings.Join(carried, " ")
}

// terms are a text's words, lower-case, without punctuation.
func terms(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
