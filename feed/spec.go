package feed

import (
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Spec names an export by what decides its output: a format and its
// options, as the command line and a node's feed definitions state them.
// The zero value of each option is the exporter's default.
type Spec struct {
	// Format is one of Formats.
	Format string `json:"format"`
	// SIDRange is the rules' id range, "FIRST-LAST" (rules only).
	SIDRange string `json:"sid_range,omitempty"`
	// Action is alert or drop (rules only).
	Action string `json:"action,omitempty"`
	// Subdomains makes domain rules match subdomains too (rules only).
	Subdomains bool `json:"subdomains,omitempty"`
	// Columns are the CSV columns (CSV only).
	Columns []string `json:"columns,omitempty"`
	// Observables adds cyber observables besides indicators (CSV, MISP).
	Observables bool `json:"observables,omitempty"`
	// ValidNow leaves out indicators outside their validity period.
	ValidNow bool `json:"valid_now,omitempty"`
	// MISPInfo is the MISP event's title (MISP only).
	MISPInfo string `json:"misp_info,omitempty"`
	// MISPTags states in MISP tags the markings TLP alone does not
	// express: by marking banner (as Report.Markings writes them), the
	// tags that state it for the receiving instance (MISP only).
	MISPTags map[string][]string `json:"misp_tags,omitempty"`
	// Search narrows the export to the objects matching its filters
	// (nil: every object the format takes).
	Search *Search `json:"search,omitempty"`
}

// The formats a Spec names besides the blocklists ("blocklist-" and a List).
const (
	FormatSuricata = "suricata"
	FormatSnort    = "snort"
	FormatCSV      = "csv"
	FormatMISP     = "misp"
	blocklistPre   = "blocklist-"
)

// Formats lists every format a Spec may name.
func Formats() []string {
	out := []string{FormatSuricata, FormatSnort}
	for _, l := range Lists {
		out = append(out, blocklistPre+string(l))
	}
	return append(out, FormatCSV, FormatMISP)
}

// IsRules reports whether the spec's output is a rules file, which may come
// with hash list files.
func (s *Spec) IsRules() bool { return s.Format == FormatSuricata || s.Format == FormatSnort }

// Validate checks the format and every option, naming what is wrong.
func (s *Spec) Validate() error {
	if !slices.Contains(Formats(), s.Format) {
		return kizuna.Errorf(kizuna.EINVALID, "format %q: want one of %s", s.Format, strings.Join(Formats(), ", "))
	}
	if _, err := s.sids(); err != nil {
		return err
	}
	if s.Action != "" && s.Action != "alert" && s.Action != "drop" {
		return kizuna.Errorf(kizuna.EINVALID, "action %q: want alert or drop", s.Action)
	}
	rulesOnly := s.SIDRange != "" || s.Action != "" || s.Subdomains
	switch {
	case rulesOnly && !s.IsRules():
		return kizuna.Errorf(kizuna.EINVALID, "sid range, action and subdomains apply to suricata and snort rules, not to %s", s.Format)
	case len(s.Columns) > 0 && s.Format != FormatCSV:
		return kizuna.Errorf(kizuna.EINVALID, "columns apply to csv, not to %s", s.Format)
	case s.Observables && s.Format != FormatCSV && s.Format != FormatMISP:
		return kizuna.Errorf(kizuna.EINVALID, "observables apply to csv and misp, not to %s", s.Format)
	case (s.MISPInfo != "" || len(s.MISPTags) > 0) && s.Format != FormatMISP:
		return kizuna.Errorf(kizuna.EINVALID, "MISP title and tags apply to misp, not to %s", s.Format)
	}
	for _, c := range s.Columns {
		if !slices.Contains(CSVColumns, c) {
			return kizuna.Errorf(kizuna.EINVALID, "CSV column %q: want some of %s", c, strings.Join(CSVColumns, ", "))
		}
	}
	if s.Search != nil {
		if err := s.Search.validate(s.Format, !s.Observables); err != nil {
			return err
		}
	}
	for banner, tags := range s.MISPTags {
		if len(tags) == 0 {
			return kizuna.Errorf(kizuna.EINVALID, "MISP tags for %q: an empty list states nothing", banner)
		}
	}
	return nil
}

// ParseSIDRange reads "FIRST-LAST".
func ParseSIDRange(s string) (SIDRange, error) {
	a, b, ok := strings.Cut(s, "-")
	first, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 32)
	last, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 32)
	if !ok || err1 != nil || err2 != nil || first == 0 || last < first {
		return SIDRange{}, kizuna.Errorf(kizuna.EINVALID, "sid range %q: want FIRST-LAST, 1 <= FIRST <= LAST < 4294967296", s)
	}
	return SIDRange{First: uint32(first), Last: uint32(last)}, nil
}

func (s *Spec) sids() (SIDRange, error) {
	if s.SIDRange == "" {
		return SIDRange{}, nil
	}
	return ParseSIDRange(s.SIDRange)
}

// ContentType is the media type of the spec's main output.
func (s *Spec) ContentType() string {
	switch s.Format {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatMISP:
		return "application/json"
	}
	return "text/plain; charset=utf-8"
}

// FileName is a name for the spec's main output.
func (s *Spec) FileName() string {
	switch {
	case s.IsRules():
		return "kizuna-" + s.Format + ".rules"
	case s.Format == FormatCSV:
		return "kizuna.csv"
	case s.Format == FormatMISP:
		return "kizuna-misp.json"
	}
	return "kizuna-" + s.Format + ".txt"
}

// Salt is what ETag needs besides the objects: the spec itself, and the
// hour when indicators outside their validity are left out, and the
// earliest version a search keeps (the output may change as time passes
// with no object changing). extra distinguishes what
// else decides the output, such as the reader.
func (s *Spec) Salt(now time.Time, extra string) string {
	b, _ := json.Marshal(s) // map keys are sorted: the same spec, the same bytes
	salt := string(b) + "\x00" + extra
	if s.ValidNow {
		salt += "\x00" + now.UTC().Truncate(time.Hour).Format(time.RFC3339)
	}
	if since, err := s.Search.since(now); err == nil && !since.IsZero() {
		salt += "\x00since " + since.UTC().Format(time.RFC3339Nano)
	}
	return salt
}

// Export writes objs in the spec's format to w. now is the time validity
// is judged at (with ValidNow). A rules export returns its hash list files,
// for the caller to write beside the rules file.
func (s *Spec) Export(w io.Writer, objs Objects, now time.Time, opt Options) (*Report, []*HashList, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	if s.ValidNow {
		opt.Now = now
	}
	switch {
	case s.IsRules():
		sids, _ := s.sids()
		d := Suricata
		if s.Format == FormatSnort {
			d = Snort
		}
		set, err := WriteRules(w, objs, RuleOptions{Options: opt, Dialect: d, SIDs: sids, Action: s.Action, Subdomains: s.Subdomains})
		if err != nil {
			return nil, nil, err
		}
		return set.Report, set.Lists, nil
	case s.Format == FormatCSV:
		r, err := WriteCSV(w, objs, CSVOptions{Options: opt, Columns: s.Columns, Observables: s.Observables, Formulas: true})
		return r, nil, err
	case s.Format == FormatMISP:
		mo := MISPOptions{Options: opt, Info: s.MISPInfo}
		if len(s.MISPTags) > 0 {
			mo.Tags = s.tagsOf
		}
		r, err := WriteMISP(w, objs, mo)
		return r, nil, err
	}
	r, err := WriteBlocklist(w, objs, List(strings.TrimPrefix(s.Format, blocklistPre)), opt)
	return r, nil, err
}

// tagsOf states a label in the tags MISPTags gives its banner.
func (s *Spec) tagsOf(l *kizuna.AccessLabel) ([]string, bool) {
	m, err := markingOf(l)
	if err != nil {
		return nil, false
	}
	tags, ok := s.MISPTags[m.banner]
	return tags, ok
}

// String names the spec for a summary or an audit record.
func (s *Spec) String() string {
	b, _ := json.Marshal(s)
	return string(b)
}
