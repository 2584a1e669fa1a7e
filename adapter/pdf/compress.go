package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// Page contents are compressed here rather than by fpdf. fpdf compresses
// each page's content stream (and an indexed image's palette) with a new
// zlib writer every time, and a new writer allocates and clears about
// 900 KB of compressor state: that was a quarter of an invoice's rendering
// time and two thirds of its allocations, and the garbage it left was a
// good part of the collector's work during a booking. So documents are
// written by fpdf uncompressed and compressStreams then compresses exactly
// the streams fpdf would have compressed, with writers reused from a pool
// and the same zlib level (BestSpeed), which gives the same bytes: the PDF
// is byte for byte what fpdf's own compression writes
// (TestCompressionLikeFpdf). Documents in the Unicode fonts (see
// codepage.go) are compressed by fpdf as before: their ToUnicode map is a
// bare stream too, which fpdf leaves uncompressed.

// fpdfCompresses makes fpdf compress as before (tests compare the two).
var fpdfCompresses = false

var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // a valid level: no error
	return w
}}

// deflate appends the zlib stream (BestSpeed) of data to dst.
func deflate(dst *bytes.Buffer, data []byte) error {
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	zw.Reset(dst)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	return zw.Close()
}

// compressStreams returns pdf (as fpdf writes it uncompressed, without
// encryption, with code-page fonts) with every stream whose dictionary is only its length —
// the streams fpdf compresses when asked to: page contents and palettes —
// compressed, and the cross-reference table moved to match. Fonts, images
// and metadata are left as they are. Anything not laid out as fpdf writes
// it is an error.
func compressStreams(pdf []byte) ([]byte, error) {
	xrefAt, offsets, tail, err := parseXref(pdf)
	if err != nil {
		return nil, err
	}
	// objects in the order they are in the file
	order := make([]int, 0, len(offsets))
	for i := range offsets {
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int) int { return offsets[a] - offsets[b] })

	var out bytes.Buffer
	out.Grow(len(pdf))
	newOffsets := make([]int, len(offsets))
	done := 0 // pdf[:done] is written
	for _, i := range order {
		o := offsets[i]
		if o < done || o >= xrefAt {
			return nil, fmt.Errorf("pdf: object %d at %d out of order", i+1, o)
		}
		out.Write(pdf[done:o])
		newOffsets[i] = out.Len()
		done = o
		head := strconv.Itoa(i+1) + " 0 obj\n<</Length "
		if !bytes.HasPrefix(pdf[o:], []byte(head)) {
			continue // not a bare stream
		}
		p := o + len(head)
		n := 0
		for p < len(pdf) && pdf[p] >= '0' && pdf[p] <= '9' {
			n = n*10 + int(pdf[p]-'0')
			p++
		}
		const open = ">>\nstream\n"
		if !bytes.HasPrefix(pdf[p:], []byte(open)) {
			continue
		}
		data := p + len(open)
		end := data + n
		if end > xrefAt || !bytes.HasPrefix(pdf[end:], []byte("\nendstream")) {
			return nil, fmt.Errorf("pdf: stream of object %d has not the length it says", i+1)
		}
		var z bytes.Buffer
		z.Grow(n/2 + 64)
		if err := deflate(&z, pdf[data:end]); err != nil {
			return nil, fmt.Errorf("pdf: compress: %w", err)
		}
		fmt.Fprintf(&out, "%d 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n", i+1, z.Len())
		out.Write(z.Bytes())
		done = end
	}
	out.Write(pdf[done:xrefAt])
	newXref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range newOffsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	out.Write(tail)
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", newXref)
	return out.Bytes(), nil
}

// parseXref reads fpdf's cross-reference table: where it starts, the
// offsets of objects 1…n, and the trailer between the table and
// "startxref".
func parseXref(pdf []byte) (xrefAt int, offsets []int, trailer []byte, err error) {
	const sx = "\nstartxref\n"
	s := bytes.LastIndex(pdf, []byte(sx))
	if s < 0 {
		return 0, nil, nil, fmt.Errorf("pdf: no startxref")
	}
	rest := pdf[s+len(sx):]
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 || string(rest[nl:]) != "\n%%EOF\n" {
		return 0, nil, nil, fmt.Errorf("pdf: unexpected end")
	}
	xrefAt, err = strconv.Atoi(string(rest[:nl]))
	if err != nil || xrefAt <= 0 || xrefAt > s {
		return 0, nil, nil, fmt.Errorf("pdf: bad startxref")
	}
	x := pdf[xrefAt : s+1]
	var count int
	if _, err := fmt.Sscanf(string(x[:min(len(x), 32)]), "xref\n0 %d\n", &count); err != nil || count < 1 {
		return 0, nil, nil, fmt.Errorf("pdf: bad xref header")
	}
	p := bytes.Index(x, []byte("0000000000 65535 f \n"))
	if p < 0 {
		return 0, nil, nil, fmt.Errorf("pdf: bad xref")
	}
	p += 20
	offsets = make([]int, count-1)
	for i := range offsets {
		if p+20 > len(x) || string(x[p+10:p+20]) != " 00000 n \n" {
			return 0, nil, nil, fmt.Errorf("pdf: bad xref entry %d", i+1)
		}
		if offsets[i], err = strconv.Atoi(string(x[p : p+10])); err != nil {
			return 0, nil, nil, fmt.Errorf("pdf: bad xref entry %d", i+1)
		}
		p += 20
	}
	return xrefAt, offsets, x[p:], nil
}
