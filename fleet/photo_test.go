package fleet_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

func encode(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, uint8(255 - x%2*255)})
		}
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngBomb is a PNG header that claims 100000×100000 pixels.
func pngBomb() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 2
	binary.Write(&b, binary.BigEndian, uint32(13))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// webp1x1 is a 1×1 lossless WebP.
const webp1x1 = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="

func TestPrepare(t *testing.T) {
	webp, _ := base64.StdEncoding.DecodeString(webp1x1)
	big := append(encode(t, "jpeg", 10, 10), make([]byte, fleet.MaxPhotoBytes)...)
	for _, tc := range []struct {
		name   string
		data   []byte
		ct     string // "" = refused
		tw, th int
	}{
		{"landscape png", encode(t, "png", 800, 400), "image/png", 320, 160},
		{"portrait jpeg", encode(t, "jpeg", 300, 900), "image/jpeg", 106, 320},
		{"small png stays small", encode(t, "png", 40, 30), "image/png", 40, 30},
		{"webp", webp, "image/webp", 1, 1},
		{"gif", encode(t, "gif", 20, 20), "", 0, 0},
		{"text", []byte("hello, this is not a photo"), "", 0, 0},
		{"empty", nil, "", 0, 0},
		{"over 10 MB", big, "", 0, 0},
		{"decompression bomb", pngBomb(), "", 0, 0},
		{"truncated jpeg", encode(t, "jpeg", 100, 100)[:200], "", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := fleet.Prepare(tc.data)
			if tc.ct == "" {
				e, ok := errs.As(err)
				if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "photos" {
					t.Fatalf("want a photos field error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.ContentType != tc.ct {
				t.Fatalf("content type %q", p.ContentType)
			}
			img, format, err := image.Decode(bytes.NewReader(p.Thumb))
			if err != nil || format != "jpeg" {
				t.Fatalf("thumbnail: %s, %v", format, err)
			}
			if b := img.Bounds(); b.Dx() != tc.tw || b.Dy() != tc.th {
				t.Fatalf("thumbnail %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.tw, tc.th)
			}
		})
	}
}

func TestDamageValidate(t *testing.T) {
	ok := fleet.Damage{View: "top", X: 0, Y: 100, Kind: "dent", Severity: "major"}
	for _, tc := range []struct {
		name  string
		edit  func(*fleet.Damage)
		field string
	}{
		{"valid", func(*fleet.Damage) {}, ""},
		{"view", func(d *fleet.Damage) { d.View = "inside" }, "view"},
		{"x", func(d *fleet.Damage) { d.X = 100.1 }, "position"},
		{"y", func(d *fleet.Damage) { d.Y = -1 }, "position"},
		{"kind", func(d *fleet.Damage) { d.Kind = "" }, "kind"},
		{"severity", func(d *fleet.Damage) { d.Severity = "total" }, "severity"},
		{"charge", func(d *fleet.Damage) { d.ChargeCents = -5 }, "charge_cents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.edit(&d)
			err := d.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, _ := errs.As(err)
			if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Fatalf("want error on %s, got %v", tc.field, err)
			}
		})
	}
}
