package feed

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

// CSVColumns are the columns a CSV export can have.
var CSVColumns = []string{"id", "type", "value", "pattern", "pattern_type", "name", "description",
	"valid_from", "valid_until", "labels", "indicator_types", "confidence", "marking", "created_by",
	"created", "modified"}

// DefaultCSVColumns are the columns of a CSV export when none are given.
var DefaultCSVColumns = []string{"id", "type", "value", "name", "valid_from", "valid_until", "labels", "confidence", "marking"}

// CSVOptions set up a CSV export.
type CSVOptions struct {
	Options
	// Columns, in order; DefaultCSVColumns when empty. type is the value's
	// kind (ipv4, cidr6, domain, url, email, md5, ..., x509-sha1); labels
	// and indicator_types are joined with "|".
	Columns []string
	// NoHeader leaves out the header line.
	NoHeader bool
	// LF ends lines with "\n" rather than RFC 4180's "\r\n".
	LF bool
	// Observables adds rows for cyber observables (ipv4-addr, domain-name,
	// file, ...) besides indicators.
	Observables bool
	// Formulas prefixes with ' a value a spreadsheet would take for a
	// formula (starting with = + - @, tab or carriage return), since the
	// values are attacker-chosen.
	Formulas bool
}

// WriteCSV writes a row for each value of each indicator whose pattern
// translates (and of each observable, with Observables). An indicator
// whose pattern does not translate has one row with empty type and value
// when the columns include the pattern, and is reported otherwise. Fields
// are quoted as RFC 4180 says.
func WriteCSV(w io.Writer, objs Objects, opt CSVOptions) (*Report, error) {
	cols := opt.Columns
	if len(cols) == 0 {
		cols = DefaultCSVColumns
	}
	hasPattern := false
	for _, c := range cols {
		if !contains(CSVColumns, c) {
			return nil, kizuna.Errorf(kizuna.EINVALID, "CSV column %q: want some of %s", c, strings.Join(CSVColumns, ", "))
		}
		hasPattern = hasPattern || c == "pattern"
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = !opt.LF
	r := newReport(opt.Options)
	if !opt.NoHeader {
		if err := cw.Write(cols); err != nil {
			return nil, err
		}
	}
	row := make([]string, len(cols))
	err := walk(objs, opt.Options, r, opt.Observables, func(e *entry) error {
		obs := e.obs
		if e.why != "" {
			if !hasPattern {
				r.skip(e.obj, e.why)
				return nil
			}
			obs = []Observable{{}}
		}
		r.exported(e.mark)
		if len(e.dropped) > 0 {
			r.partial(e.obj, "dropped: "+strings.Join(e.dropped, "; "))
		}
		for _, o := range obs {
			for i, c := range cols {
				row[i] = csvField(c, e, o)
				if opt.Formulas {
					row[i] = defuse(row[i])
				}
			}
			if err := cw.Write(row); err != nil {
				return err
			}
			r.Entries++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cw.Flush()
	return r, cw.Error()
}

func csvField(col string, e *entry, o Observable) string {
	ind := e.ind
	if ind == nil {
		ind = &indicator{}
	}
	switch col {
	case "id":
		return e.obj.ID
	case "type":
		if o.Kind == 0 {
			return ""
		}
		return o.Kind.String()
	case "value":
		return o.Value
	case "pattern":
		return ind.Pattern
	case "pattern_type":
		return ind.PatternType
	case "name":
		return ind.Name
	case "description":
		return ind.Description
	case "valid_from":
		return ind.ValidFrom
	case "valid_until":
		return ind.ValidUntil
	case "labels":
		return strings.Join(ind.Labels, "|")
	case "indicator_types":
		return strings.Join(ind.IndicatorTypes, "|")
	case "confidence":
		if ind.Confidence == nil {
			return ""
		}
		return strconv.Itoa(*ind.Confidence)
	case "marking":
		return e.mark.banner
	case "created_by":
		return e.obj.CreatedByRef
	case "created":
		return stamp(e.obj.Created)
	case "modified":
		return stamp(e.obj.Modified)
	}
	return ""
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return stix.FormatTimestamp(t)
}

// defuse neutralises a field a spreadsheet would evaluate.
func defuse(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
