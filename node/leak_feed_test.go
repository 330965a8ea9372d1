package node_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna/feed"
	"github.com/kizuna-dev/kizuna/node"
)

// checkFeedExport exports the scenario's collection as the reader in CSV
// with every column (the values, names, descriptions, labels and patterns
// of the indicators), as 'kizuna export --format csv' does: the export
// holds no text the reader may not see, and exactly the indicators whose
// latest version the reader may read.
func (c *leakChecker) checkFeedExport(lr *leakReader) {
	const path = "export --format csv"
	c.cases++
	var out bytes.Buffer
	_, _, err := c.l.n.ExportFeed(context.Background(), &out, node.FeedExportOptions{Collection: c.coll, Principal: lr.name,
		Spec: feed.Spec{Format: feed.FormatCSV, Columns: feed.CSVColumns}})
	stdout := out.String()
	if lr.hidden {
		if err == nil || strings.Contains(stdout, "indicator--") {
			c.fail(lr, path, fmt.Sprintf("export for a reader without valid credentials: error %v, output %.300s", err, stdout))
		}
		return
	}
	if err != nil {
		c.fail(lr, path, err.Error())
		return
	}
	c.scan(lr, path, []byte(stdout), lr.want.forbidden)
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(rows) == 0 {
		c.fail(lr, path, fmt.Sprintf("the CSV does not parse: %v", err))
		return
	}
	var got []string
	for _, row := range rows[1:] {
		if !slices.Contains(got, row[0]) {
			got = append(got, row[0])
		}
	}
	var want []string
	for id := range lr.want.latest {
		want = append(want, id)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		c.fail(lr, path, fmt.Sprintf("the export holds the indicators %v, want those the reader may read: %v", got, want))
	}
}
