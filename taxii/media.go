package taxii

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Media types of TAXII 2.1 and STIX 2.1.
const (
	MediaTypeTAXII = "application/taxii+json;version=2.1"
	MediaTypeSTIX  = "application/stix+json;version=2.1"
)

// acceptable reports whether the Accept header admits the TAXII 2.1 media
// type. Following HTTP, a missing header accepts anything, as do */* and
// application/*; application/taxii+json with no version means the latest
// version, which is 2.1. White space around ";" and "=" is ignored, and so is
// the case of type, parameter names and quoted values. A range with q=0
// excludes it.
func acceptable(header string) (bool, error) {
	if strings.TrimSpace(header) == "" {
		return true, nil
	}
	if len(header) > 4096 {
		return false, kizuna.Errorf(codeNotAcceptable, "Accept header is longer than 4096 bytes.")
	}
	for _, part := range splitList(header) {
		typ, params, ok := parseMediaRange(part)
		if !ok {
			continue
		}
		if q, ok := params["q"]; ok {
			f, err := strconv.ParseFloat(q, 64)
			if err != nil || f <= 0 {
				continue
			}
		}
		switch typ {
		case "*/*", "application/*":
			return true, nil
		case "application/taxii+json":
			if v, ok := params["version"]; !ok || v == "2.1" {
				return true, nil
			}
		}
	}
	return false, kizuna.Errorf(codeNotAcceptable,
		"Accept header %q admits no media type this server produces; it serves %s.", truncate(header, 200), MediaTypeTAXII)
}

// splitList splits a header list on commas outside quoted strings.
func splitList(h string) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(h); i++ {
		switch h[i] {
		case '"':
			quoted = !quoted
		case '\\':
			if quoted {
				i++
			}
		case ',':
			if !quoted {
				parts = append(parts, h[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, h[start:])
}

// parseMediaRange parses one media range ("type/subtype;name=value..."),
// lowercasing the type and the parameter names and ignoring white space
// around every part. It is more lenient than mime.ParseMediaType, which
// refuses white space around "=", because clients send both.
func parseMediaRange(s string) (string, map[string]string, bool) {
	fields := strings.Split(s, ";")
	typ := strings.ToLower(strings.TrimSpace(fields[0]))
	slash := strings.IndexByte(typ, '/')
	if slash <= 0 || slash == len(typ)-1 || strings.ContainsAny(typ, " \t\"") {
		return "", nil, false
	}
	params := make(map[string]string, len(fields)-1)
	for _, f := range fields[1:] {
		if strings.TrimSpace(f) == "" {
			continue
		}
		k, v, found := strings.Cut(f, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if !found || k == "" {
			return "", nil, false
		}
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if _, dup := params[k]; dup {
			return "", nil, false
		}
		params[k] = v
	}
	return typ, params, true
}

// checkContentType accepts a POST body of the TAXII 2.1 media type, with or
// without its version parameter.
func checkContentType(header string) error {
	if strings.TrimSpace(header) == "" {
		return kizuna.Errorf(kizuna.EUNSUPPORTED, "Content-Type is missing; send %s.", MediaTypeTAXII)
	}
	typ, params, ok := parseMediaRange(header)
	if !ok {
		return kizuna.Errorf(kizuna.EUNSUPPORTED, "Content-Type %q is malformed; send %s.", truncate(header, 200), MediaTypeTAXII)
	}
	if typ != "application/taxii+json" {
		return kizuna.Errorf(kizuna.EUNSUPPORTED, "Content-Type %q is not supported; send %s.", truncate(header, 200), MediaTypeTAXII)
	}
	if v, ok := params["version"]; ok && v != "2.1" {
		return kizuna.Errorf(kizuna.EUNSUPPORTED, "Content-Type version %q is not supported; send %s.", truncate(v, 50), MediaTypeTAXII)
	}
	return nil
}

// writeJSON writes v as the TAXII 2.1 media type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only resource structs of this package reach here; they always
		// marshal. Fail loudly rather than send half a body.
		panic(err)
	}
	writeBody(w, status, b)
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	setBodyHeaders(w, len(b))
	w.WriteHeader(status)
	w.Write(b)
}

// setBodyHeaders sets the headers of a TAXII body of size bytes.
func setBodyHeaders(w http.ResponseWriter, size int) {
	h := w.Header()
	h.Set("Content-Type", MediaTypeTAXII)
	h.Set("Content-Length", strconv.Itoa(size))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
