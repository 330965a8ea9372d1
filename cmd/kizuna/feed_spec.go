package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/kizuna-dev/kizuna/feed"
)

// specFlags are the flags that choose an export's format and options, in
// 'kizuna export' and 'kizuna feed add'.
type specFlags struct {
	format, sids, action, columns, mispInfo, mispTags string
	subdomains, observables, validNow                 bool
	// The saved search.
	types, labels, markings  repeated
	createdBy, modifiedSince string
}

// repeated is a flag given once per value.
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, ",") }

func (r *repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

// searchFlags name the flags of the saved search.
var searchFlags = []string{"type", "label", "marking", "created-by", "modified-since"}

func (f *specFlags) register(fs *flag.FlagSet, withStix bool) {
	formats := strings.Join(feed.Formats(), ", ")
	if withStix {
		fs.StringVar(&f.format, "format", "stix", "stix (a bundle), or a feed format: "+formats)
	} else {
		fs.StringVar(&f.format, "format", "", "the feed format (required): "+formats)
	}
	fs.StringVar(&f.sids, "sid-range", "", "rules: the rule id range, FIRST-LAST (default 1000000000-1999999999)")
	fs.StringVar(&f.action, "action", "", "rules: alert (default) or drop")
	fs.BoolVar(&f.subdomains, "subdomains", false, "rules: domain rules match subdomains too")
	fs.StringVar(&f.columns, "columns", "", "csv: the columns, comma-separated, of "+strings.Join(feed.CSVColumns, ","))
	fs.BoolVar(&f.observables, "observables", false, "csv, misp: cyber observables too, besides indicators")
	fs.BoolVar(&f.validNow, "valid-now", false, "leave out indicators outside their validity period (valid_from, valid_until)")
	fs.StringVar(&f.mispInfo, "misp-info", "", "misp: the event's title (default \"kizuna export\")")
	fs.StringVar(&f.mispTags, "misp-tags", "", "misp: a JSON file mapping marking banners to the MISP tags that state them")
	fs.Var(&f.types, "type", "only objects of this STIX type (repeatable; indicator is implied for formats that take only indicators)")
	fs.Var(&f.labels, "label", "only objects with this STIX label (repeatable: any of them)")
	fs.Var(&f.markings, "marking", "only objects whose object_marking_refs name this marking-definition id (repeatable: any of them)")
	fs.StringVar(&f.createdBy, "created-by", "", "only objects created by this identity id")
	fs.StringVar(&f.modifiedSince, "modified-since", "", "only versions modified since this RFC 3339 time, or this duration (720h) before the export's hour")
}

// spec returns the chosen spec, validated.
func (f *specFlags) spec() (feed.Spec, error) {
	s := feed.Spec{Format: f.format, SIDRange: f.sids, Action: f.action, Subdomains: f.subdomains,
		Observables: f.observables, ValidNow: f.validNow, MISPInfo: f.mispInfo}
	search := feed.Search{Types: f.types, Labels: f.labels, Markings: f.markings, CreatedBy: f.createdBy, ModifiedSince: f.modifiedSince}
	if !search.IsZero() {
		s.Search = &search
	}
	if f.columns != "" {
		s.Columns = splitList(f.columns)
	}
	if f.mispTags != "" {
		data, err := os.ReadFile(f.mispTags)
		if err != nil {
			return s, err
		}
		if err := json.Unmarshal(data, &s.MISPTags); err != nil {
			return s, fmt.Errorf("--misp-tags %s: want an object of marking banners to lists of tags: %v", f.mispTags, err)
		}
	}
	return s, s.Validate()
}
