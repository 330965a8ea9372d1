package report

import (
	"bytes"
	"embed"
	"html/template"
)

//go:embed templates/*.html
var templates embed.FS

var page = template.Must(template.New("after-action.html").Funcs(template.FuncMap{
	"in": func(t map[string]string, lang string) string {
		if s := t[lang]; s != "" {
			return s
		}
		return t["en"]
	},
}).ParseFS(templates, "templates/after-action.html"))

// HTML renders the after-action report as one HTML page, in English and
// Japanese, with the EXERCISE banner at its top and bottom.
func HTML(in Input) ([]byte, error) {
	var b bytes.Buffer
	if err := page.Execute(&b, build(in)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
