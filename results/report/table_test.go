package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	t.Parallel()
	tab := &Table{
		Head:  []string{"metric", "value"},
		Right: []bool{false, true},
		Rows:  [][]string{{"rate", "1234"}, {"a|b <c>", "5, \"6\""}},
	}
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
		want  string
	}{
		{"text", func(b *bytes.Buffer) error { return tab.WriteText(b) },
			"metric   value   \nrate     1234    \na|b <c>  5, \"6\"  \n"},
		{"markdown", func(b *bytes.Buffer) error { tab.WriteMarkdown(b); return nil },
			"| metric | value |\n|---|--:|\n| rate | 1234 |\n| a\\|b <c> | 5, \"6\" |\n"},
		{"html", func(b *bytes.Buffer) error { tab.WriteHTML(b); return nil },
			"<table><tr><th>metric</th><th>value</th></tr>\n<tr><td class=\"n\">rate</td><td class=\"r\">1234</td></tr>\n<tr><td class=\"n\">a|b &lt;c&gt;</td><td class=\"r\">5, &#34;6&#34;</td></tr>\n</table>\n"},
		{"csv", func(b *bytes.Buffer) error { return tab.WriteCSV(b) },
			"metric,value\nrate,1234\na|b <c>,\"5, \"\"6\"\"\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", b.String(), tt.want)
			}
		})
	}
}

func TestDoc(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "c.svg"), []byte(`<?xml version="1.0"?>`+"\n"+`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &Doc{}
	d.h(1, "Title <1>")
	d.p("a `code` span and a | bar")
	d.table(&Table{Head: []string{"x"}, Rows: [][]string{{"1"}}})
	d.figure(Figure{Title: "chart", PNG: "c.png", SVG: "c.svg"})
	d.list([]string{"one `two`"})
	d.code("make build\n")
	var md bytes.Buffer
	d.WriteMarkdown(&md)
	want := "# Title <1>\n\na `code` span and a | bar\n\n| x |\n|---|\n| 1 |\n\n![chart](c.png)  \n[SVG](c.svg)\n\n- one `two`\n\n```sh\nmake build\n```\n"
	if md.String() != want {
		t.Errorf("markdown:\n%q\nwant\n%q", md.String(), want)
	}
	var h bytes.Buffer
	if err := d.WriteHTML(&h, dir); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>Title &lt;1&gt;</title>", "<p>a <code>code</code> span", "<li>one <code>two</code></li>", "<figure>\n<svg", "<pre><code>make build\n</code></pre>"} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("HTML lacks %q:\n%s", want, h.String())
		}
	}
	if strings.Contains(h.String(), "<?xml") {
		t.Error("HTML holds the SVG's XML declaration")
	}
	if err := d.WriteHTML(&h, t.TempDir()); err == nil {
		t.Error("HTML without the chart's SVG file: no error")
	}
}
