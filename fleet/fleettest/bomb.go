// Package fleettest holds test helpers for photo uploads.
package fleettest

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
)

// PNGBomb16 is a valid PNG of side×side 16-bit RGBA pixels, all zero:
// a few hundred KB that decode to side·side·8 bytes (392 MB for 7000).
// The zlib stream is one sync-flushed deflate segment of zero rows
// repeated, so building it costs little.
func PNGBomb16(side int) []byte {
	row := 1 + side*8 // filter byte + pixels
	const rowsPerSeg = 64
	var seg bytes.Buffer
	fw, _ := flate.NewWriter(&seg, flate.BestCompression)
	fw.Write(make([]byte, row*rowsPerSeg))
	fw.Flush()
	var z bytes.Buffer
	z.Write([]byte{0x78, 0xDA})
	rows := 0
	for ; rows+rowsPerSeg <= side; rows += rowsPerSeg {
		z.Write(seg.Bytes())
	}
	if rest := side - rows; rest > 0 {
		var tail bytes.Buffer
		tw, _ := flate.NewWriter(&tail, flate.BestCompression)
		tw.Write(make([]byte, row*rest))
		tw.Flush()
		z.Write(tail.Bytes())
	}
	z.Write([]byte{0x03, 0x00}) // final empty block
	total := uint64(row) * uint64(side)
	binary.Write(&z, binary.BigEndian, uint32((total%65521)<<16|1)) // Adler-32 of zeros
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(side))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(side))
	ihdr[8], ihdr[9] = 16, 6 // 16-bit, RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}
