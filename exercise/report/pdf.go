package report

import (
	"github.com/kizuna-dev/kizuna/internal/pdf"
)

// PDF renders the after-action report as a PDF with the same content as
// the HTML page and the EXERCISE banner at the top and bottom of every
// page.
func PDF(in Input) []byte {
	v := build(in)
	d := pdf.New("After-action report "+v.Title["en"], v.Banner)
	d.Heading("After-action report / 事後検討報告", 18)
	d.Heading(v.Title["en"], 13)
	d.Heading(v.Title["ja"], 13)
	d.Paragraph(v.Description["en"], 9.5)
	d.Paragraph(v.Description["ja"], 9.5)
	d.Table([]float64{1, 3}, [][]string{{"Exercise / 演習", v.ExerciseID + " (scenario " + v.Version + ")"},
		{"STARTEX – ENDEX", v.Start + " – " + v.End}, {"Issued / 発行", v.Issued + " " + v.By}}, 9)
	d.Heading("Objectives / 目標", 13)
	for _, o := range v.Objectives {
		d.Paragraph(o.ID+": "+o.Text["en"]+"\n"+o.Text["ja"], 9.5)
	}
	d.Heading("Participants / 参加者", 13)
	rows := [][]string{{"id", "nation", "role", "organisation / 組織"}}
	for _, p := range v.Participants {
		rows = append(rows, []string{p.ID, p.Nation, p.Role, p.Name["en"] + " / " + p.Name["ja"] + "\n" + p.Organization})
	}
	d.Table([]float64{1.2, 0.6, 0.7, 4}, rows, 8.5)
	for _, s := range []struct {
		title string
		rows  []summaryRow
	}{{"By nation / 国別", v.Nations}, {"By organisation / 組織別", v.Orgs}} {
		d.Heading(s.title, 13)
		rows := [][]string{{"who", "action / 行動", "expected / 期待数", "median / 中央値", "max / 最大"}}
		for _, r := range s.rows {
			rows = append(rows, []string{r.Who, r.Action["en"] + " / " + r.Action["ja"], r.Counts, r.Median, r.Max})
		}
		d.Table([]float64{1.5, 2, 2.2, 0.9, 0.9}, rows, 8.5)
	}
	d.Heading("Expectations / 期待行動", 13)
	rows = [][]string{{"inject", "participant", "action / 行動", "released / 配信", "deadline / 期限", "done / 実施", "time", "status"}}
	for _, o := range v.Outcomes {
		rows = append(rows, []string{o.Inject, o.Nation + " " + o.Participant, o.Action["en"] + " / " + o.Action["ja"], o.Released, o.Deadline, o.Done, o.Elapsed, o.Status})
	}
	d.Table([]float64{0.5, 1.4, 1.6, 1.2, 1.2, 1.2, 0.7, 0.8}, rows, 7.5)
	d.Heading("Findings / 所見", 13)
	for _, f := range v.Findings {
		d.Paragraph(f.ID+": "+f.Text["en"]+"\n"+f.Text["ja"], 9.5)
	}
	if len(v.Findings) == 0 {
		d.Paragraph("None / なし", 9.5)
	}
	d.Heading("Corrective actions / 是正措置", 13)
	rows = [][]string{{"action / 措置", "owner / 担当", "status / 状況", "history / 経過"}}
	for _, c := range v.Corrective {
		hist := ""
		for _, h := range c.History {
			hist += h + "\n"
		}
		rows = append(rows, []string{c.Title["en"] + "\n" + c.Title["ja"] + "\n" + c.ID, c.Owner, c.Status + "\n" + c.Checks, hist})
	}
	d.Table([]float64{3, 1.6, 1.2, 3}, rows, 7.5)
	d.Heading("Timeline / 時系列", 13)
	rows = [][]string{{"T+", "time / 時刻", "nation", "participant", "inject", "act / 行為", "evidence"}}
	for _, e := range v.Timeline {
		rows = append(rows, []string{e.Offset, e.At, e.Nation, e.Participant, e.Inject, e.Kind, e.Evidence})
	}
	d.Table([]float64{0.8, 1.3, 0.5, 1.1, 0.5, 1.2, 0.9}, rows, 7.5)
	return d.Bytes()
}
