package routeapi

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// CursorDocument is the node document that says, per collection, up to
// which date_added the stored versions have been routed, so that versions
// stored while no routing ran (a crash, a shutdown with a queue, an
// import beside the node) are routed at the next start.
const CursorDocument = "sector-route-cursor.json"

// cursor is the routing cursor: Since for collections not listed (those
// created after the first start).
type cursor struct {
	Since       time.Time            `json:"since"`
	Collections map[string]time.Time `json:"collections"`
}

func (c *cursor) of(collection string) time.Time {
	if t, ok := c.Collections[collection]; ok {
		return t
	}
	return c.Since
}

func (s *Service) readCursor(ctx context.Context) (*cursor, error) {
	data, err := s.n.State.ReadState(ctx, CursorDocument)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		// The first start routes what is stored from now on, not the
		// node's history.
		c := &cursor{Since: time.Now().UTC(), Collections: map[string]time.Time{}}
		return c, s.advance(ctx, nil, c.Since)
	}
	if err != nil {
		return nil, err
	}
	c := &cursor{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s is not a routing cursor", CursorDocument)
	}
	if c.Collections == nil {
		c.Collections = map[string]time.Time{}
	}
	return c, nil
}

// advance moves the cursor of each collection of objs forward to the
// latest date_added among them (since, for a new document).
func (s *Service) advance(ctx context.Context, objs []*kizuna.Object, since time.Time) error {
	return s.n.State.UpdateState(ctx, CursorDocument, func(old []byte) ([]byte, error) {
		c := &cursor{Since: since, Collections: map[string]time.Time{}}
		if old != nil {
			if err := json.Unmarshal(old, c); err != nil {
				return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s is not a routing cursor", CursorDocument)
			}
			if c.Collections == nil {
				c.Collections = map[string]time.Time{}
			}
		}
		for _, o := range objs {
			if o.Collection != "" && o.DateAdded.After(c.of(o.Collection)) {
				c.Collections[o.Collection] = o.DateAdded
			}
		}
		return json.Marshal(c)
	})
}

// CatchUp routes the versions stored after the cursor, collection by
// collection, a page at a time.
func (s *Service) CatchUp(ctx context.Context) error {
	c, err := s.readCursor(ctx)
	if err != nil {
		return err
	}
	cols, err := s.n.Store.FindCollections(ctx)
	if err != nil {
		return err
	}
	for _, col := range cols {
		after := c.of(col.ID)
		f := kizuna.ObjectFilter{Collection: col.ID, Versions: kizuna.VersionMatch{All: true}, AddedAfter: &after,
			Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 1000}
		for {
			page, err := s.n.Store.FindObjects(ctx, f)
			if err != nil {
				return err
			}
			if len(page.Objects) > 0 {
				if err := s.routeAndAdvance(ctx, page.Objects); err != nil {
					return err
				}
			}
			if !page.More {
				break
			}
			f.Next = page.Next
		}
	}
	return nil
}
