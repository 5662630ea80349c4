package application

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAWriterMustStayMissingForTheGrace: a writer whose key is gone for
// less than OwnerGrace (a Redis restart lost it, and it renews it within
// OwnerBeat) keeps its answers; one gone for longer is dead; one that comes
// back starts over.
func TestAWriterMustStayMissingForTheGrace(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	s := NewService(Deps{Owner: "me"})
	s.now = func() time.Time { return clock }
	owners := []string{"me", "up", "gone"}
	alive := map[string]bool{"up": true}

	require.Empty(t, s.goneFor(owners, alive), "first seen missing")
	clock = clock.Add(5 * time.Second)
	require.Empty(t, s.goneFor(owners, alive))
	clock = clock.Add(5 * time.Second)
	require.Equal(t, []string{"gone"}, s.goneFor(owners, alive), "missing for the grace")

	alive["gone"] = true
	require.Empty(t, s.goneFor(owners, alive))
	delete(alive, "gone")
	clock = clock.Add(time.Second)
	require.Empty(t, s.goneFor(owners, alive), "back and missing again: the grace starts over")
	delete(alive, "up")
	require.Empty(t, s.goneFor(owners, alive))
	clock = clock.Add(10 * time.Second)
	require.ElementsMatch(t, []string{"up", "gone"}, s.goneFor(owners, alive), "its own key is never asked for")
}
