package fleet

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	_ "image/png" // PNG decoding
	"strconv"

	_ "golang.org/x/image/webp" // WebP decoding

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Photo upload limits.
const (
	MaxPhotoBytes  = 10 << 20   // one photo, as uploaded
	MaxPhotoPixels = 50_000_000 // decoded size, against decompression bombs
	// MaxDecodeBytes is the memory decoding one photo may take, estimated
	// from its header before anything is decoded: a 50-megapixel JPEG
	// (75 MB) passes, a 381 KB PNG claiming 7000×7000 16-bit pixels
	// (392 MB) does not.
	MaxDecodeBytes = 192 << 20
	ThumbMaxSide   = 320 // longest side of a thumbnail, pixels
)

// PhotoTypes are the accepted content types, by sniffed content.
var PhotoTypes = []string{"image/jpeg", "image/png", "image/webp"}

// PhotoStore keeps photo bytes outside the database (a folder, an object
// store) under opaque keys. Implementations must be safe for concurrent use
// and shared by every server process (a network folder, an object store).
type PhotoStore interface {
	// Kind is the storage name recorded with each photo: "dir" or "s3".
	Kind() string
	// Put stores data under key, replacing nothing: keys are unique.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns the bytes under key. Errors: KindNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
}

// PhotoService checks uploaded photos, makes their thumbnails and stores
// them: in the database (Blobs nil, the default) or in Blobs, with the
// metadata always in the database, so every read goes through the
// station-scoped DamageStore.
type PhotoService struct {
	Damages DamageStore
	Blobs   PhotoStore // nil: bytes in the database
	Decoder *Decoder   // bounds decoding memory; nil: unbounded
}

// SniffPhoto returns the content type of an accepted photo, or a KindInvalid
// error on field "photos" that says what is wrong.
func SniffPhoto(data []byte) (string, error) {
	if len(data) == 0 {
		return "", errs.Invalid("error.fields_invalid", errs.Field("photos", "photo.empty"))
	}
	if len(data) > MaxPhotoBytes {
		return "", errs.Invalid("error.fields_invalid", errs.Field("photos", "photo.too_large", locale.Params{"mb": 10}))
	}
	if ct := sniffImage(data); ct != "" {
		return ct, nil
	}
	return "", errs.Invalid("error.fields_invalid", errs.Field("photos", "photo.type"))
}

// sniffImage returns the PhotoTypes entry whose file signature data starts
// with, or "" (the signatures net/http's content sniffing uses).
func sniffImage(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xFF\xD8\xFF")):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\x0D\x0A\x1A\x0A")):
		return "image/png"
	case len(data) >= 14 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:14]) == "WEBPVP":
		return "image/webp"
	}
	return ""
}

// Thumbnail decodes data and returns a JPEG of at most ThumbMaxSide pixels
// on its longest side. It checks the header first (see ReadHeader) and
// decodes nothing that fails it. Errors: KindInvalid for undecodable or
// oversized images.
func Thumbnail(data []byte) ([]byte, error) {
	if _, err := ReadHeader(data); err != nil {
		return nil, err
	}
	return thumbnail(data)
}

// thumbnail decodes data, whose header was checked, and scales it down.
func thumbnail(data []byte) ([]byte, error) {
	bad := errUnreadable()
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, bad
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := w, h
	if w > ThumbMaxSide || h > ThumbMaxSide {
		if w >= h {
			tw, th = ThumbMaxSide, max(1, h*ThumbMaxSide/w)
		} else {
			tw, th = max(1, w*ThumbMaxSide/h), ThumbMaxSide
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	// White background for transparent PNG/WebP, then a box-filter downscale.
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	boxScale(dst, src)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("encode thumbnail: %w", err)
	}
	return out.Bytes(), nil
}

// boxScale averages the source pixels that fall into each destination pixel
// (area averaging), composited over dst's background.
func boxScale(dst *image.RGBA, src image.Image) {
	sb := src.Bounds()
	db := dst.Bounds()
	sw, sh, dw, dh := sb.Dx(), sb.Dy(), db.Dx(), db.Dy()
	for dy := 0; dy < dh; dy++ {
		y0, y1 := sb.Min.Y+dy*sh/dh, sb.Min.Y+(dy+1)*sh/dh
		if y1 <= y0 {
			y1 = y0 + 1
		}
		// Sample at most 4×4 source pixels per target pixel: quality enough
		// for a thumbnail, bounded cost for huge photos.
		ys := max(1, (y1-y0)/4)
		for dx := 0; dx < dw; dx++ {
			x0, x1 := sb.Min.X+dx*sw/dw, sb.Min.X+(dx+1)*sw/dw
			if x1 <= x0 {
				x1 = x0 + 1
			}
			xs := max(1, (x1-x0)/4)
			var r, g, b, a, n uint64
			for y := y0; y < y1; y += ys {
				for x := x0; x < x1; x += xs {
					cr, cg, cb, ca := src.At(x, y).RGBA()
					r, g, b, a, n = r+uint64(cr), g+uint64(cg), b+uint64(cb), a+uint64(ca), n+1
				}
			}
			r, g, b, a = r/n, g/n, b/n, a/n
			// Premultiplied over white: out = c + (1-a)*white.
			inv := 0xffff - a
			o := dst.PixOffset(dx, dy)
			dst.Pix[o+0] = uint8((r + inv) >> 8)
			dst.Pix[o+1] = uint8((g + inv) >> 8)
			dst.Pix[o+2] = uint8((b + inv) >> 8)
			dst.Pix[o+3] = 0xff
		}
	}
}

// Prepared is a checked photo with its thumbnail, ready to be saved.
type Prepared struct {
	ContentType string
	Data, Thumb []byte
}

// Prepare checks data (size, sniffed type, the header's dimensions and
// decoding memory) and makes its thumbnail, without a bound on how many
// photos are decoded at once (see Decoder.Prepare). Errors: KindInvalid on
// field "photos".
func Prepare(data []byte) (Prepared, error) {
	return (*Decoder)(nil).Prepare(context.Background(), data)
}

// Add checks data, makes the thumbnail and saves the photo for damage
// damageID; nothing is saved when the photo is refused. Errors: KindInvalid
// on field "photos", KindNotFound for a damage outside the actor's reach
// (checked before the photo is decoded).
func (s *PhotoService) Add(ctx context.Context, damageID int64, data []byte) (Photo, error) {
	// Check the damage first: nothing is decoded and no bytes go to the
	// blob store for a damage the actor cannot see.
	if _, err := s.Damages.Damage(ctx, damageID); err != nil {
		return Photo{}, err
	}
	pp, err := s.Decoder.Prepare(ctx, data)
	if err != nil {
		return Photo{}, err
	}
	return s.Save(ctx, damageID, pp)
}

// Save stores a prepared photo for damage damageID. Errors: KindNotFound.
func (s *PhotoService) Save(ctx context.Context, damageID int64, pp Prepared) (Photo, error) {
	sum := sha256.Sum256(pp.Data)
	p := PhotoData{Photo: Photo{DamageID: damageID, ContentType: pp.ContentType, SizeBytes: int64(len(pp.Data)),
		SHA256: hex.EncodeToString(sum[:]), Storage: "db"}}
	if s.Blobs == nil {
		p.Data, p.Thumb = pp.Data, pp.Thumb
	} else {
		var rnd [12]byte
		rand.Read(rnd[:])
		key := "damage-" + strconv.FormatInt(damageID, 10) + "-" + hex.EncodeToString(rnd[:])
		if err := s.Blobs.Put(ctx, key, pp.Data); err != nil {
			return Photo{}, err
		}
		if err := s.Blobs.Put(ctx, key+"-thumb", pp.Thumb); err != nil {
			return Photo{}, err
		}
		p.Storage, p.StorageKey = s.Blobs.Kind(), key
	}
	if err := s.Damages.AddPhoto(ctx, &p); err != nil {
		return Photo{}, err
	}
	return p.Photo, nil
}

// Get returns the content type and bytes of a photo of damage damageID (the
// thumbnail when thumb; thumbnails are always JPEG). The metadata read is
// scoped by station, so a photo of another station or tenant is
// KindNotFound before any bytes are read. Errors: KindNotFound.
func (s *PhotoService) Get(ctx context.Context, damageID, photoID int64, thumb bool) (string, []byte, error) {
	p, err := s.Damages.PhotoData(ctx, damageID, photoID, thumb)
	if err != nil {
		return "", nil, err
	}
	ct := p.ContentType
	if thumb {
		ct = "image/jpeg"
	}
	if p.Storage == "db" {
		if thumb {
			return ct, p.Thumb, nil
		}
		return ct, p.Data, nil
	}
	if s.Blobs == nil || s.Blobs.Kind() != p.Storage {
		return "", nil, fmt.Errorf("photo %d is stored in %q, which is not configured", p.ID, p.Storage)
	}
	key := p.StorageKey
	if thumb {
		key += "-thumb"
	}
	data, err := s.Blobs.Get(ctx, key)
	return ct, data, err
}
