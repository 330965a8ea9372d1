package feed

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Validator is what an HTTP answer to a feed poll states of the feed's
// content: an entity tag and a last-modified time.
type Validator struct {
	ETag         string // a strong entity tag, quoted
	LastModified time.Time
	Objects      int // the objects it covers
	// LastAdded is the latest date_added, exact (LastModified is it
	// truncated to the second, as HTTP dates are): a caller that keeps the
	// validator asks the store for versions added after it.
	LastAdded time.Time
}

// ETag computes the validator of an export from what decides its output:
// salt (the format and its options, and anything else the output depends
// on, such as the hour when expired indicators are left out) and, for each
// object in order, its id, version, content hash and label. It reads only
// the envelope, so the caller can list the objects without their JSON
// (IncludeRaw false) before deciding whether to export at all. Deletions
// and changed labels change the tag. LastModified is the latest date an
// object was added: a deletion does not move it, so a poller that sends
// only If-Modified-Since sees a deletion with the next addition, while one
// that sends If-None-Match sees it at once.
func ETag(objs Objects, salt string) (Validator, error) {
	h := sha256.New()
	h.Write([]byte(salt))
	h.Write([]byte{0})
	var v Validator
	var buf []byte
	for o, err := range objs {
		if err != nil {
			return Validator{}, err
		}
		if o == nil {
			continue
		}
		v.Objects++
		buf = append(buf[:0], o.ID...)
		buf = append(buf, 0)
		buf = o.Version.UTC().AppendFormat(buf, time.RFC3339Nano)
		buf = append(buf, 0)
		buf = append(buf, o.Hash...)
		buf = append(buf, 0)
		buf = strconv.AppendInt(buf, o.LabelID, 10)
		if o.LabelID == 0 && o.Label != nil {
			lb, _ := json.Marshal(o.Label)
			buf = append(buf, lb...)
		}
		buf = append(buf, '\n')
		h.Write(buf)
		if o.DateAdded.After(v.LastModified) {
			v.LastModified = o.DateAdded
		}
	}
	sum := h.Sum(nil)
	v.ETag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	v.LastAdded = v.LastModified
	v.LastModified = v.LastModified.UTC().Truncate(time.Second)
	return v, nil
}

// NotModified reports whether a conditional GET may be answered 304, from
// its If-None-Match and If-Modified-Since header values, as RFC 9110
// section 13.2.2 orders them: when If-None-Match is present it alone
// decides (a match of the entity tag, weakly compared, or "*"); otherwise
// If-Modified-Since does, when it is a valid HTTP date at or after the
// last modification.
func (v Validator) NotModified(ifNoneMatch, ifModifiedSince string) bool {
	if strings.TrimSpace(ifNoneMatch) != "" {
		for _, t := range strings.Split(ifNoneMatch, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(v.ETag, "W/") {
				return true
			}
		}
		return false
	}
	if ifModifiedSince == "" || v.LastModified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ifModifiedSince)
	return err == nil && !v.LastModified.After(t)
}
