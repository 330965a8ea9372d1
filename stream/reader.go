package stream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Message is one Server-Sent Event as a client reads it.
type Message struct {
	// Event is the event's name ("message" when it names none).
	Event string
	// ID is the last event id the stream has set, this event's own or an
	// earlier one's (what a reconnecting client sends as Last-Event-ID).
	ID   string
	Data []byte
}

// MaxLine bounds one line of a stream a Reader accepts.
const MaxLine = 64 << 20

// Reader reads the events of a text/event-stream body, as the HTML
// standard's EventSource does: comment lines are skipped, data lines
// joined, and the last event id kept across events.
type Reader struct {
	br     *bufio.Reader
	lastID string
	line   int
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader { return &Reader{br: bufio.NewReaderSize(r, 64<<10)} }

// LastID is the last event id the stream set.
func (r *Reader) LastID() string { return r.lastID }

// Next returns the next event; io.EOF when the stream ends between events,
// io.ErrUnexpectedEOF when it ends inside one.
func (r *Reader) Next() (*Message, error) {
	m := &Message{}
	var data [][]byte
	started := false
	for {
		line, err := r.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) && started {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		r.line++
		if len(line) == 0 {
			if data == nil {
				started = false
				continue // an empty event (comments alone): nothing to dispatch
			}
			m.ID, m.Data = r.lastID, bytes.Join(data, []byte("\n"))
			if m.Event == "" {
				m.Event = "message"
			}
			return m, nil
		}
		started = true
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			m.Event = string(value)
		case "data":
			data = append(data, bytes.Clone(value))
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				r.lastID = string(value)
			}
		}
	}
}

// readLine returns one line without its end (LF, CRLF or CR followed by
// LF; a lone CR is kept as text, which a kizuna stream never sends).
func (r *Reader) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxLine {
			return nil, fmt.Errorf("stream line %d: longer than %d bytes", r.line+1, MaxLine)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(buf) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		buf = bytes.TrimSuffix(buf[:len(buf)-1], []byte("\r"))
		return buf, nil
	}
}
