package fleet

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Header is what a photo's header says, read without decoding the photo.
type Header struct {
	ContentType   string
	Width, Height int
	// DecodeBytes estimates the memory decoding the photo takes (the
	// decoded image plus the decoder's own buffers), from the pixel format
	// the header names.
	DecodeBytes int64
}

func errUnreadable() error {
	return errs.Invalid("error.fields_invalid", errs.Field("photos", "photo.unreadable"))
}

func errTooLarge() error {
	return errs.Invalid("error.fields_invalid", errs.Field("photos", "photo.too_many_pixels", locale.Params{"mp": 50}))
}

// ReadHeader checks an uploaded photo from its first bytes only: size,
// sniffed type, the dimensions in its header (at most MaxPhotoPixels) and
// the memory decoding it would take (at most MaxDecodeBytes). Nothing is
// decoded, so a decompression bomb costs what reading its header costs.
// Errors: KindInvalid on field "photos".
func ReadHeader(data []byte) (Header, error) {
	ct, err := SniffPhoto(data)
	if err != nil {
		return Header{}, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Header{}, errUnreadable()
	}
	h := Header{ContentType: ct, Width: cfg.Width, Height: cfg.Height}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels {
		return Header{}, errTooLarge()
	}
	switch ct {
	case "image/jpeg":
		h.DecodeBytes = jpegDecodeBytes(data, cfg)
	case "image/png":
		h.DecodeBytes = pngDecodeBytes(data, cfg)
	default:
		h.DecodeBytes = webpDecodeBytes(cfg)
	}
	if h.DecodeBytes > MaxDecodeBytes {
		return Header{}, errTooLarge()
	}
	return h, nil
}

// bytesPerPixel is the size of one pixel of the image a decoder returns
// for color model m.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	case color.YCbCrModel:
		return 3 // at most (4:4:4); the JPEG estimate counts the real sampling
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8 // RGBA64, NRGBA64 and anything unexpected
}

// pngDecodeBytes: the image in its pixel format; an interlaced PNG is
// decoded pass by pass into images of its own and then merged (twice).
func pngDecodeBytes(data []byte, cfg image.Config) int64 {
	n := int64(cfg.Width) * int64(cfg.Height) * bytesPerPixel(cfg.ColorModel)
	// IHDR: signature (8), length (4), "IHDR" (4), width, height, depth,
	// colour type, compression, filter, interlace at offset 28.
	if len(data) > 28 && data[28] == 1 {
		n *= 2
	}
	return n
}

// webpDecodeBytes: a lossy WebP decodes to 4:2:0 YCbCr (plus alpha), a
// lossless one to NRGBA with the decoder's transform buffers beside it.
func webpDecodeBytes(cfg image.Config) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	if cfg.ColorModel == color.YCbCrModel || cfg.ColorModel == color.NYCbCrAModel {
		return px * 5 / 2
	}
	return px * 8
}

// jpegDecodeBytes reads the JPEG's frame header (SOF) for its components'
// sampling: the decoded image holds every component's samples; a
// progressive JPEG also keeps all DCT coefficients (4 bytes per sample)
// until the last scan; an Adobe RGB or CMYK JPEG is converted into an
// RGBA image besides. A header that cannot be read counts the most a
// JPEG of that size can take.
func jpegDecodeBytes(data []byte, cfg image.Config) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	worst := px * (3 + 12 + 4)
	i := 2
	adobeRGB := false
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return worst
		}
		marker := data[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return worst
		}
		seg := data[i+4 : i+2+n]
		switch {
		case marker == 0xEE && len(seg) >= 12 && string(seg[:5]) == "Adobe":
			adobeRGB = seg[11] == 0
		case marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			return sofBytes(seg, marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE, adobeRGB, px, worst)
		}
		i += 2 + n
	}
	return worst
}

// sofBytes computes the decoding memory from a frame header segment.
func sofBytes(seg []byte, progressive, adobeRGB bool, px, worst int64) int64 {
	if len(seg) < 6 {
		return worst
	}
	height, width, nc := int64(binary.BigEndian.Uint16(seg[1:])), int64(binary.BigEndian.Uint16(seg[3:])), int(seg[5])
	if nc < 1 || nc > 4 || len(seg) < 6+3*nc {
		return worst
	}
	var hmax, vmax int64 = 1, 1
	for c := 0; c < nc; c++ {
		hs, vs := int64(seg[7+3*c]>>4), int64(seg[7+3*c]&0x0F)
		if hs < 1 || vs < 1 {
			return worst
		}
		hmax, vmax = max(hmax, hs), max(vmax, vs)
	}
	mcux, mcuy := (width+8*hmax-1)/(8*hmax), (height+8*vmax-1)/(8*vmax)
	var samples int64
	for c := 0; c < nc; c++ {
		hs, vs := int64(seg[7+3*c]>>4), int64(seg[7+3*c]&0x0F)
		samples += mcux * hs * mcuy * vs * 64
	}
	n := samples
	if progressive {
		n += samples * 4
	}
	if nc == 4 || (nc == 3 && adobeRGB) {
		n += px * 4
	}
	return n
}

// Decoder decodes photos with a bound on the memory all decodes of the
// process take at once: each decode holds its header's DecodeBytes (at
// least budget/(2·CPUs), so no more than twice as many run as there are
// CPUs) of the budget while it runs, and waits while the budget is spent.
// A nil *Decoder decodes without a bound. Safe for concurrent use.
type Decoder struct {
	sem       *semaphore.Weighted
	budget    int64
	minWeight int64

	decodes atomic.Int64
	mu      sync.Mutex
	inUse   int64
	peak    int64
}

// NewDecoder returns a Decoder with budget bytes for all decodes at once
// (at least MaxDecodeBytes, so every accepted photo fits).
func NewDecoder(budget int64) *Decoder {
	budget = max(budget, MaxDecodeBytes)
	return &Decoder{sem: semaphore.NewWeighted(budget), budget: budget, minWeight: budget / int64(2*runtime.NumCPU())}
}

// Decodes is how many photos this Decoder has decoded (attempted).
func (d *Decoder) Decodes() int64 { return d.decodes.Load() }

// PeakBytes is the largest budget share held by decodes at one time.
func (d *Decoder) PeakBytes() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.peak
}

// Budget is the bytes all decodes may hold at once.
func (d *Decoder) Budget() int64 { return d.budget }

// Prepare checks data's header (ReadHeader) and then, within the memory
// budget, decodes it and makes its thumbnail. Errors: KindInvalid on field
// "photos"; KindUnavailable when ctx ends while waiting for the budget.
func (d *Decoder) Prepare(ctx context.Context, data []byte) (Prepared, error) {
	h, err := ReadHeader(data)
	if err != nil {
		return Prepared{}, err
	}
	if d != nil {
		w := min(max(h.DecodeBytes, d.minWeight), d.budget)
		if err := d.sem.Acquire(ctx, w); err != nil {
			return Prepared{}, errs.Wrap(errs.KindUnavailable, "photo.busy", err)
		}
		d.hold(w)
		defer func() { d.hold(-w); d.sem.Release(w) }()
		d.decodes.Add(1)
	}
	thumb, err := thumbnail(data)
	if err != nil {
		return Prepared{}, err
	}
	return Prepared{ContentType: h.ContentType, Data: data, Thumb: thumb}, nil
}

func (d *Decoder) hold(w int64) {
	d.mu.Lock()
	d.inUse += w
	d.peak = max(d.peak, d.inUse)
	d.mu.Unlock()
}
