package ai

import (
	"bufio"
	"bytes"
	"io"
)

// maxEventBytes bounds one server-sent event line from a provider.
const maxEventBytes = 1 << 20

// eventReader reads "event:" and "data:" fields of server-sent events.
type eventReader struct {
	s *bufio.Scanner
}

func newEventReader(r io.Reader) *eventReader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), maxEventBytes)
	return &eventReader{s: s}
}

// next returns the next event's name and data; io.EOF at the end.
func (r *eventReader) next() (event string, data []byte, err error) {
	for r.s.Scan() {
		line := r.s.Bytes()
		switch {
		case len(line) == 0:
			if data != nil {
				return event, data, nil
			}
		case bytes.HasPrefix(line, []byte("event:")):
			event = string(bytes.TrimSpace(line[len("event:"):]))
		case bytes.HasPrefix(line, []byte("data:")):
			chunk := bytes.TrimPrefix(line[len("data:"):], []byte(" "))
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, chunk...)
		}
	}
	if err := r.s.Err(); err != nil {
		return "", nil, err
	}
	if data != nil {
		return event, data, nil
	}
	return "", nil, io.EOF
}
