package media

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // registers WebP with image.Decode

	"inkwell/apperror"
	"inkwell/media/internal/jpegenc"
)

// Limits of the pipeline.
const (
	// DefaultMaxPixels refuses decompression bombs: a decoded image costs
	// 4 bytes a pixel, so 50 MP is 200 MB, checked from the header before
	// anything is allocated.
	DefaultMaxPixels = 50_000_000
	// MaxSide is the longest side stored; larger images are scaled down.
	MaxSide = 4096
	// ThumbSide fits the library grid's thumbnails; PostSide the images
	// shown in posts (made only when the image is larger).
	ThumbSide = 320
	PostSide  = 1280
	// JPEGQuality of re-encoded photos and of thumbnails.
	JPEGQuality = 85
)

// Kind is a type the library accepts, named by its bytes.
type Kind struct {
	ContentType string
	Ext         string
	// Image kinds get dimensions and thumbnails; the rest (video) are
	// stored as sent.
	Image bool
}

var kinds = map[string]Kind{
	"image/jpeg": {"image/jpeg", "jpg", true},
	"image/png":  {"image/png", "png", true},
	"image/gif":  {"image/gif", "gif", true},
	"image/webp": {"image/webp", "webp", true},
	"video/mp4":  {"video/mp4", "mp4", false},
	"video/webm": {"video/webm", "webm", false},
}

// KindByExt finds the accepted kind stored with extension ext.
func KindByExt(ext string) (Kind, bool) {
	for _, k := range kinds {
		if k.Ext == ext {
			return k, true
		}
	}
	return Kind{}, false
}

// Sniff names the kind of a file from its first bytes (at most 512 are
// looked at), never from a name or a declared type. Anything but the
// contract's six types is unsupported_media_type.
func Sniff(head []byte) (Kind, error) {
	ct := http.DetectContentType(head)
	if k, ok := kinds[ct]; ok {
		return k, nil
	}
	return Kind{}, apperror.New(apperror.CodeUnsupportedMedia,
		fmt.Sprintf("the file's bytes are %s; the library takes JPEG, PNG, GIF, WebP, MP4 and WebM", ct))
}

// Variant is a smaller JPEG rendering of an image.
type Variant struct {
	// Suffix goes between the object key's hash and its extension: "_w320".
	Suffix        string
	Width, Height int
	Data          []byte
}

// Result is what the pipeline stores for an upload.
type Result struct {
	Kind
	// Width and Height are the stored image's (upright) size; 0 for video.
	Width, Height int
	// Body is the file to store: a re-encoding for JPEG and PNG, the
	// upload minus its metadata chunks for WebP, the upload itself for GIF
	// and video.
	Body io.ReadSeeker
	Size int64
	// Thumb is the library grid's thumbnail (images only).
	Thumb *Variant
	// Post is the rendering for posts, when the image is larger than PostSide.
	Post *Variant
}

// Pipeline turns uploads into what is stored. It bounds how many images
// are decoded at once, since each may take up to MaxPixels×4 bytes.
type Pipeline struct {
	MaxPixels int
	decodes   chan struct{}
}

// NewPipeline allows concurrentDecodes images in memory at once.
func NewPipeline(concurrentDecodes int) *Pipeline {
	return &Pipeline{MaxPixels: DefaultMaxPixels, decodes: make(chan struct{}, max(concurrentDecodes, 1))}
}

// Process checks an upload by its bytes and produces what to store.
//
// Images are checked by their header's pixel count before any decoding;
// JPEG and PNG are decoded with their EXIF orientation applied and encoded
// again, which leaves EXIF, GPS and anything appended to the file (a
// polyglot's HTML or ZIP) behind. GIF and video are kept as sent.
func (p *Pipeline) Process(ctx context.Context, u *Upload) (*Result, error) {
	var head [512]byte
	n, _ := io.ReadFull(u.Reader(), head[:])
	kind, err := Sniff(head[:n])
	if err != nil {
		return nil, err
	}
	res := &Result{Kind: kind, Body: u.Reader(), Size: u.Size}
	if !kind.Image {
		return res, nil
	}
	cfg, _, err := image.DecodeConfig(u.Reader())
	if err != nil {
		return nil, apperror.New(apperror.CodeUnsupportedMedia, "the file starts like "+kind.ContentType+" but is not a readable image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, apperror.New(apperror.CodeUnsupportedMedia, "the image has no pixels")
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(p.MaxPixels) {
		return nil, apperror.Validation(map[string]string{"file": fmt.Sprintf(
			"the image is %d×%d pixels; at most %d megapixels are accepted", cfg.Width, cfg.Height, p.MaxPixels/1_000_000)})
	}

	if kind.ContentType == "image/webp" {
		data, err := io.ReadAll(u.Reader())
		if err != nil {
			return nil, fmt.Errorf("media: read upload: %w", err)
		}
		clean, err := stripWebP(data)
		if err != nil {
			return nil, apperror.New(apperror.CodeUnsupportedMedia, "the WebP file is malformed: "+err.Error())
		}
		res.Body, res.Size = bytes.NewReader(clean), int64(len(clean))
		res.Width, res.Height = cfg.Width, cfg.Height
		if webpAnimated(clean) {
			// Go decodes no animated WebP: kept (without metadata) like a
			// video, with its canvas size and no thumbnail.
			return res, nil
		}
	}

	select {
	case p.decodes <- struct{}{}:
		defer func() { <-p.decodes }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	img, orientation, err := decode(kind, u)
	if err != nil {
		return nil, err
	}
	// A phone photo (4:2:0, even size, within MaxSide) is never turned as a
	// whole: the encoder reads its planes turned, and the variants are
	// turned once small. Anything else is turned first.
	frame, lazy := img.(*image.YCbCr)
	lazy = lazy && orientation > 1 && encodesTurned(frame)
	if !lazy {
		img, orientation = orient(img, orientation), 1
	}
	if b := img.Bounds(); b.Dx() > MaxSide || b.Dy() > MaxSide {
		if kind.ContentType == "image/jpeg" || kind.ContentType == "image/png" {
			img = imaging.Fit(img, MaxSide, MaxSide, imaging.CatmullRom)
		}
	}

	switch kind.ContentType {
	case "image/jpeg", "image/png":
		var buf bytes.Buffer
		opts := &jpegenc.Options{Quality: JPEGQuality}
		switch {
		case kind.ContentType == "image/png":
			err = png.Encode(&buf, img)
		case lazy:
			buf.Grow(int(u.Size))
			err = jpegenc.EncodeTransformed(&buf, frame, orientations[orientation], opts)
		default:
			buf.Grow(int(u.Size))
			err = jpegenc.Encode(&buf, opaqueRGBA(img), opts)
		}
		if err != nil {
			return nil, fmt.Errorf("media: encode %s: %w", kind.ContentType, err)
		}
		res.Body, res.Size = bytes.NewReader(buf.Bytes()), int64(buf.Len())
		res.Width, res.Height = img.Bounds().Dx(), img.Bounds().Dy()
		if orientations[orientation].Swap {
			res.Width, res.Height = res.Height, res.Width
		}
	case "image/gif":
		res.Width, res.Height = cfg.Width, cfg.Height
	}

	// The thumbnail is made from the post rendering when there is one: a
	// sixteenth of the pixels to read, and the same result to the eye.
	source := img
	if b := img.Bounds(); b.Dx() > PostSide || b.Dy() > PostSide {
		var small image.Image
		if res.Post, small, err = variant(img, PostSide, orientation); err != nil {
			return nil, err
		}
		source, orientation = small, 1
	}
	if res.Thumb, _, err = variant(source, ThumbSide, orientation); err != nil {
		return nil, err
	}
	return res, nil
}

// decode reads the upload's pixels once, with the EXIF orientation of a
// JPEG (read from its header segments; 1 for anything else). A JPEG
// decodes to *image.YCbCr and stays in its planes: turned, encoded again
// and reduced for the variants without a whole-frame conversion to RGB.
func decode(kind Kind, u *Upload) (image.Image, int, error) {
	// The spool file is read through one buffer large enough that the
	// decoder's small reads do not each become a system call.
	r := bufio.NewReaderSize(u.Reader(), 64<<10)
	var img image.Image
	var err error
	orientation := 1
	switch kind.ContentType {
	case "image/gif":
		// Kept as sent (animation included); the first frame makes the thumbnails.
		img, err = gif.Decode(r)
	case "image/jpeg":
		if img, err = jpeg.Decode(r); err == nil {
			orientation = exifOrientation(u.Reader())
		}
	default:
		img, _, err = image.Decode(r)
	}
	if err != nil {
		return nil, 0, apperror.New(apperror.CodeUnsupportedMedia, "the file starts like "+kind.ContentType+" but is not a readable image")
	}
	return img, orientation, nil
}

// opaqueRGBA lets the JPEG encoder take its fast path: an NRGBA image
// (what imaging returns) whose every pixel is opaque has the same bytes as
// an RGBA one, which the encoder converts row by row instead of calling
// At for each pixel. Anything else is returned as it is.
func opaqueRGBA(img image.Image) image.Image {
	n, ok := img.(*image.NRGBA)
	if !ok || !n.Opaque() {
		return img
	}
	return &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
}

// variant renders img within side×side as a JPEG, flattened onto white so
// transparent PNG, GIF and WebP thumbnails do not turn black, and turned
// by orientation (a square box fits a turned image as it fits the image,
// so turning the small result is the same as turning first). It returns
// the scaled, upright image too, for smaller variants to start from.
func variant(img image.Image, side, orientation int) (*Variant, image.Image, error) {
	small := orient(fit(img, side), orientation)
	b := small.Bounds()
	var buf bytes.Buffer
	if err := jpegenc.Encode(&buf, opaqueRGBA(small), &jpegenc.Options{Quality: JPEGQuality}); err != nil {
		return nil, nil, fmt.Errorf("media: encode thumbnail: %w", err)
	}
	return &Variant{Suffix: fmt.Sprintf("_w%d", side), Width: b.Dx(), Height: b.Dy(), Data: buf.Bytes()}, small, nil
}
