package report

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Doc is a document: a list of blocks (headings, paragraphs, tables,
// figures, code, lists) written as Markdown or as one HTML page. A
// paragraph's or list item's `code` spans are Markdown, rendered as code
// in HTML too.
type Doc struct{ blocks []block }

// block is one part of a document; exactly one field is set (a paragraph
// when none of the others is).
type block struct {
	heading string
	level   int
	para    string
	table   *Table
	figure  *Figure
	code    string
	list    []string
	// finding is a list of findings beside the figure that shows them
	// (nil: none).
	finding *finding
}

// finding is findings (sentences) and the figure beside them.
type finding struct {
	items  []string
	figure *Figure
}

// Figure is a chart of a document, as files beside it.
type Figure struct {
	// Title describes the chart (the image's alternative text).
	Title string
	// PNG and SVG are the chart's files, relative to the document.
	PNG, SVG string
}

func (d *Doc) h(level int, s string) { d.blocks = append(d.blocks, block{heading: s, level: level}) }
func (d *Doc) p(format string, a ...any) {
	d.blocks = append(d.blocks, block{para: fmt.Sprintf(format, a...)})
}
func (d *Doc) table(t *Table)      { d.blocks = append(d.blocks, block{table: t}) }
func (d *Doc) figure(f Figure)     { d.blocks = append(d.blocks, block{figure: &f}) }
func (d *Doc) code(s string)       { d.blocks = append(d.blocks, block{code: s}) }
func (d *Doc) list(items []string) { d.blocks = append(d.blocks, block{list: items}) }

// finding adds findings beside the figure that shows them (fig may be
// nil).
func (d *Doc) finding(items []string, fig *Figure) {
	d.blocks = append(d.blocks, block{finding: &finding{items: items, figure: fig}})
}

// WriteMarkdown writes the document as Markdown, blocks separated by a
// blank line; a figure is its PNG with a link to its SVG.
func (d *Doc) WriteMarkdown(w io.Writer) {
	for i, b := range d.blocks {
		if i > 0 {
			fmt.Fprintln(w)
		}
		switch {
		case b.heading != "":
			fmt.Fprintf(w, "%s %s\n", strings.Repeat("#", b.level), b.heading)
		case b.table != nil:
			b.table.WriteMarkdown(w)
		case b.figure != nil:
			mdFigure(w, b.figure)
		case b.finding != nil:
			for _, it := range b.finding.items {
				fmt.Fprintf(w, "- %s\n", it)
			}
			if b.finding.figure != nil {
				fmt.Fprintln(w)
				mdFigure(w, b.finding.figure)
			}
		case b.code != "":
			fmt.Fprintf(w, "```sh\n%s```\n", b.code)
		case b.list != nil:
			for _, it := range b.list {
				fmt.Fprintf(w, "- %s\n", it)
			}
		default:
			fmt.Fprintln(w, b.para)
		}
	}
}

func mdFigure(w io.Writer, f *Figure) {
	fmt.Fprintf(w, "![%s](%s)  \n[SVG](%s)\n", f.Title, f.PNG, f.SVG)
}

// pageCSS lays out an HTML page: within 1280 pixels (tables wrap their
// text cells, numbers stay on one line), findings beside their chart, and
// for print one column and no element split across pages.
const pageCSS = `*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;max-width:1240px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.3em}
h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:1em 0;font-size:.85em;max-width:100%}
th,td{border:1px solid #ccc;padding:.25em .45em;vertical-align:top;overflow-wrap:anywhere}
th{background:#f4f4f4;text-align:left;font-weight:600;overflow-wrap:normal}
td.r{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;overflow-wrap:normal}
td.n{white-space:nowrap}
td:last-child{min-width:11em}
.finding{display:grid;grid-template-columns:minmax(0,5fr) minmax(0,7fr);gap:1.5em;align-items:start;margin:1.2em 0 2em}
.finding.alone{grid-template-columns:minmax(0,1fr)}
.finding ul{margin:0;padding-left:1.2em}
.finding li{margin-bottom:.7em}
figure{margin:1.2em 0;max-width:1000px}
.finding figure{margin:0}
figure svg{display:block;width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555;margin-top:.3em}
code{font-size:.92em;background:#f3f3f3;padding:0 .2em;overflow-wrap:anywhere}
pre{background:#f6f6f6;padding:.8em;white-space:pre-wrap;overflow-wrap:anywhere}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10pt}
h2,h3{break-after:avoid}
table{font-size:7.5pt}
td.n,td.r{white-space:normal}
td:last-child{min-width:0}
tr,figure,li{break-inside:avoid}
.finding{display:block}
.finding figure{margin-top:.8em}
figure svg{max-height:215mm;width:auto;max-width:100%}
}
@page{size:A4;margin:12mm}
`

// WriteHTML writes the document as one self-contained HTML page (no
// script, no external resource): each figure's SVG, read from dir (the
// document's directory), is inline, and a finding's list sits beside its
// figure.
func (d *Doc) WriteHTML(w io.Writer, dir string) error {
	esc := html.EscapeString
	// inline renders the `code` spans of paragraphs and list items.
	inline := func(s string) string {
		parts := strings.Split(esc(s), "`")
		for i := 1; i < len(parts); i += 2 {
			parts[i] = "<code>" + parts[i] + "</code>"
		}
		return strings.Join(parts, "")
	}
	title := ""
	if len(d.blocks) > 0 {
		title = d.blocks[0].heading
	}
	fmt.Fprint(w, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>`+esc(title)+`</title>
<style>
`+pageCSS+`</style></head><body>
`)
	svgOf := func(f *Figure) (string, error) {
		svg, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.SVG)))
		if err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
		i := bytes.Index(svg, []byte("<svg"))
		if i < 0 {
			return "", fmt.Errorf("report: %s is not an SVG", f.SVG)
		}
		return fmt.Sprintf("<figure>\n%s<figcaption>%s</figcaption></figure>\n", svg[i:], esc(f.Title)), nil
	}
	list := func(items []string) {
		fmt.Fprint(w, "<ul>\n")
		for _, it := range items {
			fmt.Fprintf(w, "<li>%s</li>\n", inline(it))
		}
		fmt.Fprint(w, "</ul>\n")
	}
	for _, b := range d.blocks {
		switch {
		case b.heading != "":
			fmt.Fprintf(w, "<h%d>%s</h%d>\n", b.level, esc(b.heading), b.level)
		case b.table != nil:
			b.table.WriteHTML(w)
		case b.figure != nil:
			fig, err := svgOf(b.figure)
			if err != nil {
				return err
			}
			fmt.Fprint(w, fig)
		case b.finding != nil:
			class := "finding"
			fig := ""
			if b.finding.figure != nil {
				var err error
				if fig, err = svgOf(b.finding.figure); err != nil {
					return err
				}
			} else {
				class += " alone"
			}
			fmt.Fprintf(w, "<section class=%q><div class=\"says\">\n", class)
			list(b.finding.items)
			fmt.Fprintf(w, "</div>\n%s</section>\n", fig)
		case b.code != "":
			fmt.Fprintf(w, "<pre><code>%s</code></pre>\n", esc(b.code))
		case b.list != nil:
			list(b.list)
		default:
			fmt.Fprintf(w, "<p>%s</p>\n", inline(b.para))
		}
	}
	_, err := fmt.Fprint(w, "</body></html>\n")
	return err
}
