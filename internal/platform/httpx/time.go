package httpx

import "time"

// OptionalTime is t for a JSON field that is null when the time is unset.
func OptionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
