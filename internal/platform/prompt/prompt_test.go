package prompt_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/prompt"
)

// TestPassagesReadBackAsRendered: what Source and Attachment render, with
// markup in titles and names, Sources and Attachments read back, and the
// question is what is left of the user's message.
func TestPassagesReadBackAsRendered(t *testing.T) {
	t.Parallel()
	system := "Answer.\n\n" + prompt.Source(1, `Fees "2026" & rules`, "A permit costs 500 kronor.") + "\n\n" + prompt.Source(2, "Hours", "Open 8-16.")
	require.Equal(t, []prompt.Passage{{ID: "1", Title: `Fees "2026" & rules`, Text: "A permit costs 500 kronor."}, {ID: "2", Title: "Hours", Text: "Open 8-16."}},
		prompt.Sources(system))
	user := prompt.Attachment("notes <v2>.md", "Bring ID.") + "\n\nWhat do I bring?"
	attached, question := prompt.Attachments(user)
	require.Equal(t, []prompt.Passage{{ID: "notes <v2>.md", Title: "notes <v2>.md", Text: "Bring ID."}}, attached)
	require.Equal(t, "What do I bring?", question)
	require.Empty(t, prompt.Sources(user), "an attachment is not a source")
}
