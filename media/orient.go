package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"image"
	"io"

	"github.com/disintegration/imaging"

	"inkwell/media/internal/jpegenc"
)

// exifOrientation reads the EXIF Orientation (1–8) of a JPEG from its
// header segments: the first APP1 "Exif" segment before the scan. Anything
// missing or malformed is 1 (as shown). Only the header is read; the image
// data is not.
func exifOrientation(r io.Reader) int {
	br := bufio.NewReaderSize(r, 4096)
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return 1
	}
	for {
		var seg [4]byte
		if _, err := io.ReadFull(br, seg[:]); err != nil || seg[0] != 0xFF {
			return 1
		}
		marker, size := seg[1], int(binary.BigEndian.Uint16(seg[2:]))
		// The scan or the end of the image: no EXIF before it. A marker
		// without a length (RSTn, TEM) has no business in the header.
		if marker == 0xDA || marker == 0xD9 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) || size < 2 {
			return 1
		}
		if marker != 0xE1 {
			if _, err := br.Discard(size - 2); err != nil {
				return 1
			}
			continue
		}
		payload := make([]byte, size-2)
		if _, err := io.ReadFull(br, payload); err != nil {
			return 1
		}
		if tiff, ok := bytes.CutPrefix(payload, []byte("Exif\x00\x00")); ok {
			return tiffOrientation(tiff)
		}
		// An APP1 that is not EXIF (XMP): keep looking.
	}
}

// tiffOrientation finds tag 0x0112 in a TIFF header's first IFD.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		// Orientation is one SHORT, stored in the entry itself.
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 {
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns img as EXIF orientation o says, so it shows upright with no
// metadata to help. A decoded JPEG (*image.YCbCr) is turned plane by plane
// and stays YCbCr, which the JPEG encoder takes without converting; other
// images go through imaging's per-pixel transforms (and come out NRGBA).
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	if m, ok := img.(*image.YCbCr); ok {
		if out := orientYCbCr(m, o); out != nil {
			return out
		}
	}
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img) // imaging turns counter-clockwise
	case 7:
		return imaging.Transverse(img)
	default:
		return imaging.Rotate90(img)
	}
}

// orientations are the EXIF orientations as transforms of the pixel grid:
// optionally transposed (x and y swapped), then mirrored along x and/or y.
var orientations = [9]jpegenc.Transform{
	2: {FlipX: true},
	3: {FlipX: true, FlipY: true},
	4: {FlipY: true},
	5: {Swap: true},
	6: {Swap: true, FlipX: true}, // 90° clockwise
	7: {Swap: true, FlipX: true, FlipY: true},
	8: {Swap: true, FlipY: true}, // 90° counter-clockwise
}

// encodesTurned reports whether jpegenc.EncodeTransformed takes m: 4:2:0,
// at the origin, an even size, and no larger than MaxSide (a larger one is
// scaled down, as a whole, first).
func encodesTurned(m *image.YCbCr) bool {
	b := m.Rect
	return m.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min == (image.Point{}) &&
		b.Dx()%2 == 0 && b.Dy()%2 == 0 && b.Dx() <= MaxSide && b.Dy() <= MaxSide
}

// subsampling is a chroma subsampling ratio's horizontal and vertical factors.
var subsampling = map[image.YCbCrSubsampleRatio][2]int{
	image.YCbCrSubsampleRatio444: {1, 1},
	image.YCbCrSubsampleRatio422: {2, 1},
	image.YCbCrSubsampleRatio420: {2, 2},
	image.YCbCrSubsampleRatio440: {1, 2},
}

var ratioOf = map[[2]int]image.YCbCrSubsampleRatio{
	{1, 1}: image.YCbCrSubsampleRatio444,
	{2, 1}: image.YCbCrSubsampleRatio422,
	{2, 2}: image.YCbCrSubsampleRatio420,
	{1, 2}: image.YCbCrSubsampleRatio440,
}

// orientYCbCr turns the Y, Cb and Cr planes of m, or returns nil when its
// layout does not allow it exactly: a subsampling that has no transposed
// counterpart (4:1:1, 4:1:0), or a size that is not a whole number of
// chroma samples (then a mirrored chroma plane would be off by a pixel).
func orientYCbCr(m *image.YCbCr, o int) *image.YCbCr {
	s, ok := subsampling[m.SubsampleRatio]
	b := m.Bounds()
	if !ok || b.Min != (image.Point{}) || b.Dx()%s[0] != 0 || b.Dy()%s[1] != 0 {
		return nil
	}
	t := orientations[o]
	w, h := b.Dx(), b.Dy()
	cw, ch := w/s[0], h/s[1]
	dw, dh, dcw, dch, ds := w, h, cw, ch, s
	if t.Swap {
		dw, dh, dcw, dch, ds = h, w, ch, cw, [2]int{s[1], s[0]}
	}
	out := &image.YCbCr{
		Y: make([]byte, dw*dh), Cb: make([]byte, dcw*dch), Cr: make([]byte, dcw*dch),
		YStride: dw, CStride: dcw, SubsampleRatio: ratioOf[ds], Rect: image.Rect(0, 0, dw, dh),
	}
	orientPlane(out.Y, dw, dh, m.Y, m.YStride, t)
	orientPlane(out.Cb, dcw, dch, m.Cb, m.CStride, t)
	orientPlane(out.Cr, dcw, dch, m.Cr, m.CStride, t)
	return out
}

// orientPlane fills dst (dw×dh, stride dw) from src: dst(x, y) is src at
// (x', y') = (flipX ? dw-1-x : x, flipY ? dh-1-y : y), read as src(y', x')
// when swapped. It works in tiles so a transposition reads and writes
// within a few cache lines instead of striding through the whole plane for
// every pixel.
func orientPlane(dst []byte, dw, dh int, src []byte, srcStride int, t jpegenc.Transform) {
	const tile = 64
	// The source offset of dst(0, y') before flipping, and how it moves
	// with x and with y.
	stepX, stepY := 1, srcStride
	if t.Swap {
		stepX, stepY = srcStride, 1
	}
	originX, originY := 0, 0
	if t.FlipX {
		originX, stepX = (dw-1)*stepX, -stepX
	}
	if t.FlipY {
		originY, stepY = (dh-1)*stepY, -stepY
	}
	for ty := 0; ty < dh; ty += tile {
		yEnd := min(ty+tile, dh)
		for tx := 0; tx < dw; tx += tile {
			xEnd := min(tx+tile, dw)
			for y := ty; y < yEnd; y++ {
				row := dst[y*dw+tx : y*dw+xEnd]
				si := originX + tx*stepX + originY + y*stepY
				for i := range row {
					row[i] = src[si]
					si += stepX
				}
			}
		}
	}
}
