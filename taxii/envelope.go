package taxii

import (
	"bufio"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/kizuna-dev/kizuna"
)

// Envelope is the TAXII 2.1 envelope of Get Objects and Get An Object, and
// the body of Add Objects.
type Envelope struct {
	More    bool              `json:"more,omitempty"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// writeEnvelope writes a page of objects as an envelope. The objects are
// copied as the store holds them, without decoding and encoding each one
// again: a 1,000-object page is the common case and must be cheap. The
// length is known in advance, so the envelope is streamed through a small
// buffer rather than assembled whole (half a megabyte for such a page).
func writeEnvelope(w http.ResponseWriter, page *kizuna.ObjectPage) error {
	head := []byte(`{"more":` + strconv.FormatBool(page.More))
	if page.More && page.Next != "" {
		q, _ := json.Marshal(page.Next)
		head = append(append(head, `,"next":`...), q...)
	}
	const objectsKey = `,"objects":[`
	size := len(head) + 1 // and the closing }
	for _, o := range page.Objects {
		if len(o.Raw) == 0 {
			return kizuna.Errorf(kizuna.EINTERNAL, "object %s version %s has no JSON in the store", o.ID, formatVersion(o.Version))
		}
		size += len(o.Raw) + 1 // and its , or ]
	}
	if len(page.Objects) > 0 {
		size += len(objectsKey)
	}
	setPageHeaders(w, page.Objects)
	setBodyHeaders(w, size)
	w.WriteHeader(http.StatusOK)
	b := bufio.NewWriterSize(w, 32<<10)
	b.Write(head)
	if len(page.Objects) > 0 {
		b.WriteString(objectsKey)
		for i, o := range page.Objects {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(o.Raw)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	b.Flush() // an error here is the client's going away: nothing to answer
	return nil
}

// BannerHeader carries the EXERCISE banner of a page that holds exercise
// data (docs/exercises.md, rule 4).
const BannerHeader = "X-Kizuna-Banner"

// setPageHeaders sets X-TAXII-Date-Added-First and -Last to the
// date_added of the first and last version of the page and, when the page
// holds exercise data, the EXERCISE banner.
func setPageHeaders(w http.ResponseWriter, objs []*kizuna.Object) {
	if len(objs) == 0 {
		return
	}
	var exercises []string
	for _, o := range objs {
		exercises = append(exercises, kizuna.ExercisesOfObject(o)...)
	}
	if len(exercises) > 0 {
		slices.Sort(exercises)
		w.Header().Set(BannerHeader, kizuna.ExerciseBanner(slices.Compact(exercises)))
	}
	w.Header().Set("X-TAXII-Date-Added-First", formatDateAdded(objs[0].DateAdded))
	w.Header().Set("X-TAXII-Date-Added-Last", formatDateAdded(objs[len(objs)-1].DateAdded))
}

// filter turns the parsed query into a store filter for a collection. The
// access scope is left zero: the policy guard in front of the store fills it
// from the principal in ctx, and a store reached without the guard sees
// nothing (the zero scope fails closed).
func (q query) filter(collection string, includeRaw bool) kizuna.ObjectFilter {
	return kizuna.ObjectFilter{
		Collection:   collection,
		IDs:          q.IDs,
		Types:        q.Types,
		SpecVersions: q.SpecVersions,
		Versions:     q.Versions,
		AddedAfter:   q.AddedAfter,
		Next:         q.Next,
		Limit:        q.Limit,
		IncludeRaw:   includeRaw,
	}
}
