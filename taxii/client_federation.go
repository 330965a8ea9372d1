package taxii

import (
	"context"
	"net/http"
	"net/url"
)

// DeleteObject deletes every version of an object from a collection
// (TAXII 2.1 Delete An Object). An object the server does not hold, or does
// not let the caller see, is ENOTFOUND.
func (c *Client) DeleteObject(ctx context.Context, collection, id string) error {
	_, err := c.do(ctx, http.MethodDelete, "collections/"+url.PathEscape(collection)+"/objects/"+url.PathEscape(id)+"/", nil, nil, nil)
	return err
}
