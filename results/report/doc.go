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
			fmt.Fprintf(w, "![%s](%s)  \n[SVG](%s)\n", b.figure.Title, b.figure.PNG, b.figure.SVG)
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

// WriteHTML writes the document as one self-contained HTML page: each
// figure's SVG, read from dir (the document's directory), is inline.
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
<title>`+esc(title)+`</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}
th,td{border:1px solid #ccc;padding:0.25em 0.5em}
th{background:#f4f4f4}
td.r{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5em 0}
figure svg{max-width:100%;height:auto;border:1px solid #eee}
pre{background:#f6f6f6;padding:0.8em;overflow-x:auto}
</style></head><body>
`)
	for _, b := range d.blocks {
		switch {
		case b.heading != "":
			fmt.Fprintf(w, "<h%d>%s</h%d>\n", b.level, esc(b.heading), b.level)
		case b.table != nil:
			b.table.WriteHTML(w)
		case b.figure != nil:
			svg, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(b.figure.SVG)))
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			i := bytes.Index(svg, []byte("<svg"))
			if i < 0 {
				return fmt.Errorf("report: %s is not an SVG", b.figure.SVG)
			}
			fmt.Fprintf(w, "<figure>\n%s<figcaption>%s</figcaption></figure>\n", svg[i:], esc(b.figure.Title))
		case b.code != "":
			fmt.Fprintf(w, "<pre><code>%s</code></pre>\n", esc(b.code))
		case b.list != nil:
			fmt.Fprint(w, "<ul>\n")
			for _, it := range b.list {
				fmt.Fprintf(w, "<li>%s</li>\n", inline(it))
			}
			fmt.Fprint(w, "</ul>\n")
		default:
			fmt.Fprintf(w, "<p>%s</p>\n", inline(b.para))
		}
	}
	_, err := fmt.Fprint(w, "</body></html>\n")
	return err
}
