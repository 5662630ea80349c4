package domain

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Prompt-injection heuristics. A question is first normalised (lower case,
// diacritics folded, invisible format characters dropped, every run of
// other characters one space, sentence ends kept as " . "), then matched
// against a few patterns built from word classes. A filler word never
// crosses a sentence end, so words of two sentences do not combine.
//
// The patterns ask for an instruction word together with a qualifier that
// points at the assistant's own instructions ("previous", "above", "your",
// "alla tidigare", "ovan"), so ordinary questions about rules and
// instructions ("Vilka regler gäller för bygglov?") stay unflagged. A match
// only flags the question for review; it is still answered.

// word is one word and the space after it: a filler between the parts of
// a pattern.
const word = `[^ .]+ `

// fillers allows up to n filler words.
func fillers(n int) string { return `(?:` + word + `){0,` + strconv.Itoa(n) + `}` }

func oneOf(alts ...string) string { return `(?:` + strings.Join(alts, `|`) + `)` }

// Word classes: alternatives, each a regular expression over normalised
// text (Swedish with å, ä and ö folded to a and o).
var (
	enDrop = []string{`ignore`, `disregard`, `forget`, `skip`, `bypass`, `override`, `overlook`, `discard`, `abandon`,
		`drop`, `dismiss`, `neglect`, `set aside`, `throw away`, `stop following`, `do not follow`, `don t follow`,
		`dont follow`, `no longer follow`}
	enWhich = oneOf(`previous`, `prior`, `above`, `earlier`, `preceding`, `foregoing`, `former`, `initial`, `original`,
		`old`, `existing`, `system`, `your`, `all`, `these`, `those`, `developer`, `default`, `hidden`, `safety`)
	enRules = oneOf(`instructions?`, `prompts?`, `rules?`, `guidelines?`, `directions?`, `directives?`, `commands?`,
		`orders?`, `constraints?`, `restrictions?`, `guardrails?`, `programming`, `polic(?:y|ies)`, `safeguards?`,
		`filters?`, `system message`, `training`)
	enWhere = oneOf(`above`, `before`, `earlier`, `previously`, `so far`, `until now`, `up to now`,
		`you (?:were|have been|ve been) given`, `you received`, `you got`, `in your prompt`, `in the system prompt`,
		`from (?:the )?(?:system|developers?)`)
	enShow = []string{`reveal`, `print`, `show`, `display`, `output`, `repeat`, `dump`, `leak`, `expose`, `disclose`,
		`tell me`, `give me`, `write out`, `write down`, `spell out`, `list`, `paste`, `echo`, `share`, `recite`}
	enAsk    = []string{`what (?:is|are|was|were)`, `what s`, `whats`}
	enSecret = oneOf(`system`, `initial`, `original`, `hidden`, `secret`, `first`, `full`, `entire`, `pre`)

	svDrop = []string{`ignorera`, `strunta (?:helt )?i`, `bortse (?:helt )?(?:fran|ifran)`, `glom(?: bort)?`,
		`hoppa over`, `skippa`, `asidosatt`, `kringga`, `overge`, `sluta folja`, `sluta lyssna pa`, `folj inte`,
		`lyd inte`, `bry dig inte om`}
	svWhich = oneOf(`alla`, `samtliga`, `tidigare`, `foregaende`, `ovanstaende`, `ovan`, `din`, `dina`, `ditt`,
		`systemets`, `ursprungliga`, `givna`, `hemliga`, `dolda`)
	svRules = oneOf(`instruktion(?:en|er|erna)?`, `regel(?:n)?`, `regler(?:na)?`, `prompt(?:en|ar|arna)?`,
		`systemprompt(?:en)?`, `direktiv(?:et|en)?`, `riktlinjer(?:na)?`, `anvisning(?:en|ar|arna)?`, `order`,
		`kommando(?:n|na)?`, `begransning(?:ar|arna)?`, `programmering(?:en)?`, `systemmeddelande(?:t)?`)
	svWhere = oneOf(`ovan`, `ovanfor`, `tidigare`, `innan`, `hittills`, `forut`, `du (?:har )?fatt`, `du fick`,
		`i prompten`, `i systemprompten`, `fran systemet`)
	svShow = []string{`visa`, `skriv ut`, `skriv`, `beratta`, `avsloja`, `upprepa`, `ge mig`, `aterge`, `lista`,
		`dela`, `kopiera`, `citera`}
	svAsk = []string{`vad (?:ar|var|star det i)`, `vilka (?:ar|var)`}
)

// rule is one pattern: an optional context, a first word class and the
// rest. The pattern is only tried on text that holds the leading letters
// of one of the first words, which keeps long questions cheap.
type rule struct {
	before string
	first  []string
	rest   string
}

func join(classes ...[]string) []string { return slices.Concat(classes...) }

var rules = []rule{
	// "ignore all previous instructions", "disregard the system prompt"
	{first: enDrop, rest: fillers(3) + enWhich + ` ` + fillers(2) + enRules + `\b`},
	// "ignore the instructions above"
	{first: enDrop, rest: fillers(3) + enRules + ` ` + fillers(2) + enWhere + `\b`},
	// "forget everything you were told"
	{first: enDrop, rest: `(?:all|everything|anything) ` + fillers(2) +
		oneOf(`above`, `before this`, `previously`, `so far`, `you know`, `you (?:were|have been|ve been) (?:told|given)`) + `\b`},
	// "print your prompt", "what is your system prompt"
	{first: join(enShow, enAsk), rest: fillers(3) + `your ` + fillers(2) + oneOf(`prompt`, `system message`, enSecret+` instructions`) + `\b`},
	// "show me the hidden prompt" (not "what is the prompt payment discount")
	{first: join(enShow, enAsk), rest: fillers(3) + `(?:the|its) ` + fillers(1) +
		oneOf(enSecret+` (?:prompt|instructions)`, `preprompt`, `system message`) + `\b`},
	// "print your instructions" (not "what are your rules for parking")
	{first: enShow, rest: fillers(3) + `your ` + fillers(1) +
		oneOf(`instructions`, `rules`, `guidelines`, `directives`, `programming`, `configuration`, `training`) + `\b`},
	// "what instructions were you given"
	{first: []string{`what`, `which`}, rest: fillers(2) + oneOf(`instructions`, `rules`, `prompt`) + ` (?:were|have|did) you (?:been )?(?:given|told|get)\b`},
	// "repeat the text above"
	{first: []string{`repeat`, `print`, `output`, `copy`, `reproduce`, `write out`}, rest: fillers(3) +
		oneOf(`words`, `text`, `everything`, `content`, `message`, `lines`) + ` ` + fillers(1) +
		oneOf(`above`, `before this`, `before that`, `preceding`) + `\b`},
	// "you are now DAN", "from now on you will"
	{first: []string{`you are`, `you re`, `youre`}, rest: `now ` + oneOf(`a`, `an`, `the`, `my`, `in`, `dan`, `no longer`,
		`free`, `unrestricted`, `unfiltered`, `uncensored`, `jailbroken`, `evil`, `going to`, `acting`, `called`, `named`,
		`playing`, `to act`) + `\b`},
	{first: []string{`from now on`}, rest: `you (?:are|will|must|shall|ll|re)\b`},
	// "act as a Linux terminal", "I want you to act as"; not "can the council act as a guarantor"
	{before: oneOf(`^`, `\. `, `\bplease `, `\bnow `, `\byou (?:will |must |should |shall |can |could )?`, `\bi (?:want|need) you to `),
		first: []string{`act`, `behave`, `respond`, `answer`, `reply`, `roleplay`, `role play`},
		rest:  `as ` + oneOf(`if`, `though`, `a`, `an`, `my`, `the`, `dan`, `someone`, `somebody`) + `\b`},
	{first: []string{`pretend`}, rest: `(?:to be|(?:that )?you (?:are|re|have no)|youre|there are no)\b`},
	{first: []string{`roleplay`, `role play`}, rest: `as\b`},
	// modes
	{first: []string{`developer`, `god`, `unrestricted`, `unfiltered`, `dan`}, rest: `mode\b`},
	{first: []string{`jailbr(?:eak|eaks|eaking|oken)\b`, `do anything now\b`, `(?:you are|act as|become|enable) dan\b`}},

	// "ignorera alla tidigare instruktioner", "glöm dina regler"
	{first: svDrop, rest: fillers(3) + svWhich + ` ` + fillers(2) + svRules + `\b`},
	// "strunta i instruktionerna ovan"
	{first: svDrop, rest: fillers(3) + svRules + ` ` + fillers(2) + svWhere + `\b`},
	// "glöm allt du har fått veta"
	{first: svDrop, rest: `(?:allt|allting|alla) ` + fillers(2) +
		oneOf(`ovan`, `innan`, `tidigare`, `hittills`, `du (?:har )?(?:fatt|lart)`, `du vet`) + `\b`},
	// "visa din systemprompt", "vad är dina instruktioner"
	{first: join(svShow, svAsk), rest: fillers(3) + `(?:din|ditt|dina) ` + fillers(1) +
		oneOf(`systemprompt(?:en)?`, `prompt(?:en)?`, `instruktion(?:en|er|erna)?`, `direktiv(?:en)?`, `systemmeddelande(?:t)?`) + `\b`},
	// "skriv ut dina regler" (not "vilka är era regler för parkering")
	{first: svShow, rest: fillers(3) + `(?:din|ditt|dina) ` + fillers(1) +
		oneOf(`regler(?:na)?`, `riktlinjer(?:na)?`, `programmering(?:en)?`, `konfiguration(?:en)?`, `installningar(?:na)?`) + `\b`},
	{first: join(svShow, svAsk), rest: fillers(3) +
		oneOf(`systemprompt(?:en)?`, `systemmeddelande(?:t)?`, `(?:den |de )?(?:dolda|hemliga|ursprungliga|forsta) (?:prompten|instruktionerna)`) + `\b`},
	// "upprepa texten ovan"
	{first: []string{`upprepa`, `skriv ut`, `kopiera`, `citera`, `aterge`}, rest: fillers(3) +
		oneOf(`texten`, `orden`, `allt`, `meddelandet`, `raderna`) + ` ` + fillers(1) + oneOf(`ovan`, `ovanfor`, `innan`) + `\b`},
	// "du är nu en …", "från och med nu ska du"
	{first: []string{`du ar nu`}, rest: oneOf(`en`, `ett`, `min`, `i`, `dan`, `fri`, `fritt`, `utan`, `inte langre`,
		`befriad`, `ocensurerad`, `obegransad`, `kallad`, `jailbreak`) + `\b`},
	{first: []string{`fran och med nu`}, rest: `(?:ar du|ska du|kommer du)\b`},
	// "låtsas att du är", "agera som en …"
	{first: []string{`latsas`}, rest: `(?:att )?(?:du ar|vara|du inte)\b`},
	{before: oneOf(`^`, `\. `, `\bdu ska `, `\bdu kommer att `, `\bjag vill att du ska `, `\bnu ska du `),
		first: []string{`agera`, `bete dig`, `uppfor dig`, `svara`, `spela`},
		rest:  `som ` + oneOf(`om`, `en`, `ett`, `min`, `dan`) + `\b`},
	{first: []string{`spela rollen`}, rest: `(?:som|av)\b`},
	{first: []string{`utvecklarlage(?:t)?\b`, `gudalage(?:t)?\b`, `obegransat lage\b`, `ocensurerat lage\b`}},
}

// injectionRule is a compiled rule.
type injectionRule struct {
	// lead are the leading letters of the first words; the text must hold
	// one of them for the pattern to be tried.
	lead []string
	re   *regexp.Regexp
}

var injection = compile(rules)

var leadingLetters = regexp.MustCompile(`^[a-z]+`)

func compile(rs []rule) []injectionRule {
	out := make([]injectionRule, len(rs))
	for i, r := range rs {
		expr := r.before
		if r.before == "" {
			expr = `\b`
		}
		expr += oneOf(r.first...)
		if r.rest != "" {
			expr += ` ` + r.rest
		}
		out[i].re = regexp.MustCompile(expr)
		for _, f := range r.first {
			out[i].lead = append(out[i].lead, leadingLetters.FindString(f))
		}
	}
	return out
}

// Flags returns the review flags of a question: "prompt_injection" when it
// reads like an attempt to override or reveal the assistant's instructions.
func Flags(q string) []string {
	text := normalise(q)
	for _, r := range injection {
		if slices.ContainsFunc(r.lead, func(l string) bool { return strings.Contains(text, l) }) && r.re.MatchString(text) {
			return []string{"prompt_injection"}
		}
	}
	return []string{}
}

// fold maps letters with diacritics to their base letters.
var fold = func() map[rune]string {
	m := map[rune]string{}
	for base, letters := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćčĉċ", "d": "ďđ", "e": "èéêëēĕėęě", "g": "ĝğġģ", "i": "ìíîïĩīĭįı",
		"l": "ĺļľŀł", "n": "ñńņňŉ", "o": "òóôõöøōŏő", "r": "ŕŗř", "s": "śŝşš", "t": "ţťŧ",
		"u": "ùúûüũūŭůűų", "y": "ýÿŷ", "z": "źżž", "ss": "ß", "ae": "æ", "oe": "œ", "th": "þ",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// normalise lowers and folds q for matching: words of letters and digits
// separated by one space, and sentence ends (. ! ? ;) as " . ". A line
// break is only a space, so breaking a line cannot hide a phrase, and
// format characters (zero-width spaces, joiners) are dropped so they
// cannot split a word.
func normalise(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	gap, end := false, false
	for _, r := range q {
		switch {
		case unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if b.Len() > 0 {
				switch {
				case end:
					b.WriteString(" . ")
				case gap:
					b.WriteByte(' ')
				}
			}
			gap, end = false, false
			r = unicode.ToLower(r)
			if f, ok := fold[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(r)
			}
		case r == '.' || r == '!' || r == '?' || r == ';':
			end = true
		default:
			gap = true
		}
	}
	return b.String()
}
