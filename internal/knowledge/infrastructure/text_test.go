package infrastructure

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRarestTermsFindTheCandidates(t *testing.T) {
	df := map[string]int{"permit": 30, "parking": 900, "the": 5000, "cost": 200}
	terms := []string{"cost", "parking", "permit", "the", "unknown"}
	require.Equal(t, []string{"permit", "cost"}, rarest(terms, df, 1000), "the rarest while within the budget")
	require.Equal(t, []string{"permit", "cost", "parking"}, rarest(terms, df, 2000))
	require.Equal(t, []string{"permit"}, rarest(terms, df, 10), "always the rarest one")
	require.Empty(t, rarest([]string{"unknown"}, df, 1000), "terms no chunk holds are left out")
}
